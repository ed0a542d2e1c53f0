"""The customer-service wording for parcels bound for a controlled area (seed 004, 受理标准):
the acceptance, enquiry and tracking scripts (揽收、咨询、查询) and the arrival message, each in
Chinese and English, filled from the area and its expected end.

The scripts are data (``wording.toml`` beside this module, or a carrier's own file of the same
form): a carrier's customer service owns its sentences, as a publisher owns a tip's text, so
both languages are written by people rather than translated by the catalogues."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Literal

from peakguard.bulletin.assemble import region_name
from peakguard.cases.controlled import ControlledArea
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _

Language = Literal["zh", "en"]
SCRIPTS = ("acceptance", "enquiry", "tracking", "arrival")
LANGUAGES: tuple[Language, ...] = ("zh", "en")
OPEN_ENDED_YEAR = 9999


def language_of(language: str) -> Language:
    """``zh`` or ``en`` for a user's spelling (``zh_CN``, ``en-GB``); Chinese by default."""
    return "en" if language.lower().startswith("en") else "zh"


@dataclass(frozen=True)
class Wording:
    """The three scripts a customer-service agent reads for a parcel bound for the area."""

    acceptance: str
    enquiry: str
    tracking: str


def load_wording(path: Path | None = None) -> dict[str, dict[Language, str]]:
    """The scripts: script → language → template (the packaged draft, or ``path``)."""
    if path is None:
        text = resources.files("peakguard.notices").joinpath("wording.toml").read_text("utf-8")
        where = "wording.toml"
    else:
        text, where = path.read_text("utf-8"), path.name
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInputError(
            _("The wording file is not valid TOML."),
            [Problem(where, _("Not valid TOML: {error}", error=str(error)))],
        ) from None
    problems = [
        Problem(f"{where}: [{script}].{language}", _("Missing: write the script's text."))
        for script in SCRIPTS
        for language in LANGUAGES
        if not isinstance(data.get(script, {}).get(language), str)
    ]
    if problems:
        raise InvalidInputError(_("The wording file is incomplete."), problems)
    return {script: {lang: str(data[script][lang]) for lang in LANGUAGES} for script in SCRIPTS}


def place_of(region: str, language: str) -> str:
    """The area as the public reads it: ``成都市（510100）``, ``成都市 (510100)``."""
    name = region_name(region) or region
    if name == region:
        return region
    return f"{name} ({region})" if language_of(language) == "en" else f"{name}（{region}）"


def moment_text(moment: datetime, language: str) -> str:
    """A moment in China Standard Time as the public reads it; an open-ended control's end
    as "until further notice"."""
    if moment.year >= OPEN_ENDED_YEAR:
        return "until further notice" if language_of(language) == "en" else "另行通知时"
    local = moment.astimezone(CHINA_STANDARD_TIME)
    if language_of(language) == "en":
        return local.strftime("%d %b %Y %H:%M") + " (UTC+8)"
    return f"{local.year}年{local.month}月{local.day}日{local.hour:02d}:{local.minute:02d}"


def service_wording(
    area: ControlledArea, language: str, scripts: dict[str, dict[Language, str]] | None = None
) -> Wording:
    """The acceptance, enquiry and tracking scripts for parcels bound for ``area``."""
    chosen = scripts or load_wording()
    lang = language_of(language)
    values = {"place": place_of(area.region, lang), "end": moment_text(area.end, lang)}
    return Wording(
        acceptance=chosen["acceptance"][lang].format(**values),
        enquiry=chosen["enquiry"][lang].format(**values),
        tracking=chosen["tracking"][lang].format(**values),
    )


def arrival_text(
    area: ControlledArea,
    language: str,
    *,
    carrier: str,
    waybill: str,
    arrival: datetime,
    scripts: dict[str, dict[Language, str]] | None = None,
) -> str:
    """The message telling the addressee of ``waybill`` when to expect it."""
    chosen = scripts or load_wording()
    lang = language_of(language)
    return chosen["arrival"][lang].format(
        place=place_of(area.region, lang),
        end=moment_text(area.end, lang),
        carrier=carrier,
        waybill=waybill,
        arrival=moment_text(arrival, lang),
    )
