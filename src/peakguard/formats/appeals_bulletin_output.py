"""The appeals bulletin as files: ``appeals_bulletin.xlsx`` (a sheet per table and a ``columns``
sheet saying what each column means, in the user's language), ``appeals_bulletin.json`` and
``appeals_bulletin.html`` (one self-contained page in Chinese or English).

The workbook and JSON hold the unrounded figures: rates per million parcels, shares between 0
and 1, the change of a rate in per million (current − previous) and of a count as a relative
change (0.1 = +10 %). The page rounds them (rates to 2 decimals, as the State Post Bureau prints
them) and keeps each unrounded value in ``data-value``. The page's template
(``formats/templates/appeals_bulletin.html``) holds layout only: every sentence is translated
here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from openpyxl import Workbook

import peakguard
from peakguard import i18n
from peakguard.bulletin.appeals import AppealCounts, AppealsBulletin, CarrierAppeals
from peakguard.bulletin.metrics import Unit
from peakguard.bulletin.metrics import change as change_of
from peakguard.cases.model import Category, label
from peakguard.domain.carriers import known_carrier
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _

SUMMARY_COLUMNS = ("item", "value")
CARRIER_COLUMNS = (
    "rank",
    "carrier",
    "name",
    "parcels",
    "appeals",
    "valid_appeals",
    "appeals_per_million",
    "valid_per_million",
    "previous_valid_per_million",
    "change",
    "previous_rank",
    "appeals_change",
    "above_national",
    "previous_parcels",
    "previous_appeals",
    "previous_valid_appeals",
)
CATEGORY_COLUMNS = (
    "category",
    "label",
    "appeals",
    "appeals_share",
    "valid_appeals",
    "valid_share",
    "valid_per_million",
    "previous_valid_appeals",
    "previous_valid_per_million",
    "change",
)
APPEALS_NOTES: tuple[tuple[str, str, Message], ...] = (
    ("carriers", "rank", _("1 = the lowest valid-appeal rate; equal rates share a rank")),
    ("carriers", "carrier", _("the carrier's code; all: every carrier together")),
    ("carriers", "parcels", _("the carrier's business volume in the period (parcels)")),
    ("carriers", "appeals", _("appeals received in the period (申诉)")),
    (
        "carriers",
        "valid_appeals",
        _("appeals where the carrier bears service-quality responsibility (有效申诉)"),
    ),
    ("carriers", "appeals_per_million", _("appeals per million parcels (申诉率)")),
    ("carriers", "valid_per_million", _("valid appeals per million parcels (有效申诉率)")),
    ("carriers", "change", _("valid appeals per million: this period − the previous one (环比)")),
    ("carriers", "appeals_change", _("appeals relative to the previous period (0.1 = +10 %)")),
    ("carriers", "above_national", _("the valid-appeal rate is above the national one")),
    ("categories", "appeals_share", _("share of all appeals (0–1)")),
    ("categories", "valid_share", _("share of all valid appeals (0–1)")),
    (
        "categories",
        "valid_per_million",
        _("valid appeals of the problem per million parcels of every carrier"),
    ),
)
TEMPLATES = "formats/templates"


# -- rows ----------------------------------------------------------------------------------------


def carrier_name(code: str, language: str | None) -> str:
    """The carrier's name in the language (its code when it is not a known brand)."""
    if code == "all":
        return i18n.render(_("All carriers"), language)
    known = known_carrier(code)
    if known is None:
        return code
    english = i18n.normalise_language(language or i18n.current_language()) == "en"
    return known.name_en if english and known.name_en else known.name


def category_name(category: str, language: str | None) -> str:
    """The problem category's wording (the case model's), or the value itself if unknown."""
    try:
        return i18n.render(label(Category(category)), language)
    except ValueError:
        return category


def _carrier_row(
    code: str,
    name: str,
    row: CarrierAppeals | None,
    counts: AppealCounts,
    previous: AppealCounts,
    change: float | None,
) -> list[Any]:
    return [
        row.rank if row else None,
        code,
        name,
        counts.parcels,
        counts.appeals,
        counts.valid_appeals,
        counts.appeals_per_million,
        counts.valid_per_million,
        previous.valid_per_million,
        change,
        row.previous_rank if row else None,
        change_of(Unit.count, counts.appeals, previous.appeals),
        row.above_national if row else None,
        previous.parcels,
        previous.appeals,
        previous.valid_appeals,
    ]


def carrier_rows(bulletin: AppealsBulletin, language: str | None = None) -> list[list[Any]]:
    """The carriers in rank order, then ``all`` (every carrier together)."""
    rows = [
        _carrier_row(
            row.carrier,
            carrier_name(row.carrier, language),
            row,
            row.current,
            row.previous,
            row.change,
        )
        for row in bulletin.carriers
    ]
    rows.append(
        _carrier_row(
            "all",
            carrier_name("all", language),
            None,
            bulletin.national,
            bulletin.previous_national,
            bulletin.change,
        )
    )
    return rows


def category_rows(bulletin: AppealsBulletin, language: str | None = None) -> list[list[Any]]:
    return [
        [
            row.category,
            category_name(row.category, language),
            row.appeals,
            row.appeals_share,
            row.valid_appeals,
            row.valid_share,
            row.valid_per_million,
            row.previous_valid_appeals,
            row.previous_valid_per_million,
            row.change,
        ]
        for row in bulletin.categories
    ]


def summary_rows(bulletin: AppealsBulletin) -> list[list[Any]]:
    national, previous = bulletin.national, bulletin.previous_national
    return [
        ["period", bulletin.period.label],
        ["first_day", bulletin.period.first_day.isoformat()],
        ["last_day", bulletin.period.last_day.isoformat()],
        ["previous_period", bulletin.previous.label],
        ["previous_first_day", bulletin.previous.first_day.isoformat()],
        ["previous_last_day", bulletin.previous.last_day.isoformat()],
        ["parcels", national.parcels],
        ["appeals", national.appeals],
        ["valid_appeals", national.valid_appeals],
        ["appeals_per_million", national.appeals_per_million],
        ["valid_per_million", national.valid_per_million],
        ["previous_parcels", previous.parcels],
        ["previous_appeals", previous.appeals],
        ["previous_valid_appeals", previous.valid_appeals],
        ["previous_valid_per_million", previous.valid_per_million],
        ["change", bulletin.change],
        ["carriers_above_national", len(bulletin.above_national)],
    ]


def _records(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(header, row, strict=True)) for row in rows]


def appeals_bulletin_document(
    bulletin: AppealsBulletin, language: str | None = None
) -> dict[str, Any]:
    """The bulletin as JSON-ready data (the same tables as the workbook)."""
    document: dict[str, Any] = dict(summary_rows(bulletin))
    document["carriers"] = _records(CARRIER_COLUMNS, carrier_rows(bulletin, language))
    document["categories"] = _records(CATEGORY_COLUMNS, category_rows(bulletin, language))
    return document


# -- files ---------------------------------------------------------------------------------------


def write_appeals_workbook(
    bulletin: AppealsBulletin, path: Path, *, language: str | None = None
) -> Path:
    """The workbook: sheets ``bulletin`` (summary), ``carriers``, ``categories``, ``columns``."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "bulletin"
    _fill(sheet, SUMMARY_COLUMNS, summary_rows(bulletin))
    _fill(workbook.create_sheet("carriers"), CARRIER_COLUMNS, carrier_rows(bulletin, language))
    _fill(workbook.create_sheet("categories"), CATEGORY_COLUMNS, category_rows(bulletin, language))
    notes = workbook.create_sheet("columns")
    notes.append(["sheet", "column", "meaning"])
    for sheet_name, column, message in APPEALS_NOTES:
        notes.append([sheet_name, column, i18n.render(message, language)])
    workbook.save(path)
    return path


def write_appeals_bulletin_files(
    bulletin: AppealsBulletin, folder: Path, *, language: str = "zh_CN"
) -> list[Path]:
    """``appeals_bulletin.xlsx``, ``.json`` and ``.html`` in ``folder``; returns their paths."""
    language = page_language(language)
    folder.mkdir(parents=True, exist_ok=True)
    workbook = write_appeals_workbook(bulletin, folder / "appeals_bulletin.xlsx", language=language)
    document = folder / "appeals_bulletin.json"
    document.write_text(
        json.dumps(appeals_bulletin_document(bulletin, language), ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    page = folder / "appeals_bulletin.html"
    page.write_text(render_appeals_bulletin(bulletin, language=language), encoding="utf-8")
    return [workbook, document, page]


def _fill(sheet: Any, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))


# -- the page ------------------------------------------------------------------------------------


def page_language(language: str) -> str:
    """``language`` normalised (``zh_CN`` or ``en``); :class:`InvalidInputError` if unknown."""
    try:
        return i18n.normalise_language(language)
    except ValueError:
        message = _(
            "Unknown language {language}; use one of {supported}.",
            language=language,
            supported=", ".join(i18n.SUPPORTED_LANGUAGES),
        )
        raise InvalidInputError(message, [Problem("language", message)]) from None


@dataclass(frozen=True)
class _Numbers:
    """How the page writes numbers (the same in both languages: 1,234 · 1.23 · 12.5%)."""

    def count(self, value: int) -> str:
        return f"{value:,}"

    def rate(self, value: float | None) -> str:
        return "–" if value is None else f"{value:,.2f}"

    def share(self, value: float | None) -> str:
        return "–" if value is None else f"{value * 100:.1f}%"

    def change(self, value: float | None) -> str:
        if value is None:
            return "–"
        sign = "+" if value > 0 else ("±" if value == 0 else "−")
        return f"{sign}{abs(value):,.2f}"

    def tone(self, value: float | None) -> str:
        """Fewer valid appeals per million is better."""
        if not value:
            return ""
        return "better" if value < 0 else "worse"

    def raw(self, value: float | int | None) -> str:
        return "" if value is None else repr(value)


_NUMBERS = _Numbers()


def _figures(code: str, name: str, counts: AppealCounts, change: float | None) -> dict[str, Any]:
    numbers = _NUMBERS
    return {
        "code": code,
        "name": name,
        "appeals": counts.appeals,
        "appeals_text": numbers.count(counts.appeals),
        "valid_appeals": counts.valid_appeals,
        "valid_appeals_text": numbers.count(counts.valid_appeals),
        "rate": numbers.rate(counts.valid_per_million),
        "rate_value": numbers.raw(counts.valid_per_million),
        "appeals_rate": numbers.rate(counts.appeals_per_million),
        "appeals_rate_value": numbers.raw(counts.appeals_per_million),
        "change": numbers.change(change),
        "change_value": numbers.raw(change),
        "tone": numbers.tone(change),
        "parcels": counts.parcels,
        "parcels_text": numbers.count(counts.parcels),
    }


def _labels(language: str) -> dict[str, str]:
    words = {
        "overview": _("Overview"),
        "carriers": _("Carriers, lowest valid-appeal rate first"),
        "categories": _("Appeals by problem"),
        "notes": _("Notes"),
        "rank": _("Rank"),
        "carrier": _("Carrier"),
        "category": _("Problem"),
        "appeals": _("Appeals"),
        "valid_appeals": _("Valid appeals"),
        "valid_per_million": _("Valid appeals per million parcels"),
        "appeals_per_million": _("Appeals per million parcels"),
        "change": _("Change against the previous period"),
        "previous_rank": _("Previous rank"),
        "parcels": _("Parcels"),
        "appeals_share": _("Share of appeals"),
        "valid_share": _("Share of valid appeals"),
    }
    return {key: i18n.render(message, language) for key, message in words.items()}


def _overview(bulletin: AppealsBulletin, language: str) -> str:
    national, numbers = bulletin.national, _NUMBERS
    message = _(
        "In {period}, {appeals} appeals were received, {appeals_rate} per million parcels; "
        "{valid} were valid (the carrier bore service-quality responsibility), {valid_rate} "
        "per million parcels, {change} per million against {previous}.",
        period=bulletin.period.label,
        appeals=numbers.count(national.appeals),
        appeals_rate=numbers.rate(national.appeals_per_million),
        valid=numbers.count(national.valid_appeals),
        valid_rate=numbers.rate(national.valid_per_million),
        change=numbers.change(bulletin.change),
        previous=bulletin.previous.label,
    )
    return i18n.render(message, language)


def render_appeals_bulletin(bulletin: AppealsBulletin, *, language: str = "zh_CN") -> str:
    """The bulletin as one self-contained HTML page in ``language`` (``zh_CN`` or ``en``)."""
    language = page_language(language)
    labels = _labels(language)
    carriers = []
    for row in bulletin.carriers:
        item = _figures(row.carrier, carrier_name(row.carrier, language), row.current, row.change)
        item["rank"] = "–" if row.rank is None else str(row.rank)
        item["previous_rank"] = "–" if row.previous_rank is None else str(row.previous_rank)
        item["above"] = bool(row.above_national)
        carriers.append(item)
    categories = []
    for category in bulletin.categories:
        counts = AppealCounts(
            0, category.appeals, category.valid_appeals, None, category.valid_per_million
        )
        item = _figures(
            category.category, category_name(category.category, language), counts, category.change
        )
        item["appeals_share"] = _NUMBERS.share(category.appeals_share)
        item["valid_share"] = _NUMBERS.share(category.valid_share)
        categories.append(item)
    return (
        _environment()
        .get_template("appeals_bulletin.html")
        .render(
            html_lang="zh-CN" if language == "zh_CN" else "en",
            title=i18n.render(
                _("Appeals bulletin {period}", period=bulletin.period.label), language
            ),
            version=peakguard.__version__,
            period_line=_period_line(bulletin, language),
            labels=labels,
            overview=_overview(bulletin, language),
            above_line=i18n.render(
                _(
                    "Carriers above the national valid-appeal rate: {count}.",
                    count=len(bulletin.above_national),
                ),
                language,
            ),
            carriers=carriers,
            national=_figures(
                "all", carrier_name("all", language), bulletin.national, bulletin.change
            ),
            categories=categories,
            notes=_notes(labels, language),
        )
    )


def _period_line(bulletin: AppealsBulletin, language: str) -> str:
    period, previous = bulletin.period, bulletin.previous
    message = _(
        "Period {label}: {first} to {last} (China time); compared with {previous} "
        "({previous_first} to {previous_last}).",
        label=period.label,
        first=period.first_day.isoformat(),
        last=period.last_day.isoformat(),
        previous=previous.label,
        previous_first=previous.first_day.isoformat(),
        previous_last=previous.last_day.isoformat(),
    )
    return i18n.render(message, language)


def _notes(labels: dict[str, str], language: str) -> list[tuple[str, str]]:
    """The carriers table's columns with their meaning, in the page's language."""
    return [
        (labels[column], i18n.render(message, language))
        for sheet, column, message in APPEALS_NOTES
        if sheet == "carriers" and column in labels
    ]


def _environment() -> jinja2.Environment:
    """Layout only: the template receives translated text, so no gettext is installed."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("peakguard", TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
