"""Peak-season consumer tips (旺季消费提示, seed 000): what a regulator tells the public of its
territory, or a carrier its customers there, for a while — "parcels may take a day or two
longer this week", "send early for the festival". The publisher writes the text in Chinese and
in English; a tip shows in a territory (a GB/T 2260 code and everything under it) from
``valid_from`` to ``valid_until``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from peakguard.cases.controlled import code_prefix
from peakguard.domain.text import hidden_character
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _

TITLE_LIMIT = 120
TEXT_LIMIT = 2000
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
"""A notice's times lie between these (the latest: an open-ended control's end, "until further
notice"); a year 1 or 9999-12-31 is a typing mistake the store could not even turn into UTC."""


@dataclass(frozen=True)
class ConsumerTip:
    """One tip: where and while it shows, and its text in both languages. ``carrier`` is the
    brand that published it (``None``: a regulator's tip, for every carrier's customers)."""

    territory: str
    valid_from: datetime
    valid_until: datetime
    title_zh: str
    title_en: str
    text_zh: str
    text_en: str
    carrier: str | None = None

    def applies(self, region: str, moment: datetime) -> bool:
        """Whether the tip shows to the public of ``region`` at ``moment``."""
        inside = region.startswith(code_prefix(self.territory))
        return inside and self.valid_from <= moment < self.valid_until

    def title(self, language: str) -> str:
        return self.title_en if language.startswith("en") else self.title_zh

    def text(self, language: str) -> str:
        return self.text_en if language.startswith("en") else self.text_zh


def _period_problems(start: datetime, end: datetime) -> list[Problem]:
    for where, moment in (("valid_from", start), ("valid_until", end)):
        if not EARLIEST <= moment <= LATEST:
            return [Problem(where, _("Give a time from the year 2000 to the year 9998."))]
    if end <= start:
        return [Problem("valid_until", _("A tip must end after it starts."))]
    return []


def check_tip(tip: ConsumerTip) -> ConsumerTip:
    """``tip`` unchanged, or an error naming each field that is wrong."""
    problems: list[Problem] = []
    territory = tip.territory
    if not (len(territory) == 6 and territory.isascii() and territory.isdigit()):
        problems.append(
            Problem("territory", _("A territory is a six-digit GB/T 2260 code, e.g. 510100."))
        )
    if tip.valid_from.tzinfo is None or tip.valid_until.tzinfo is None:
        problems.append(Problem("valid_from", _("Give the tip's times with a time zone.")))
    else:
        problems.extend(_period_problems(tip.valid_from, tip.valid_until))
    for field_name, limit in (
        ("title_zh", TITLE_LIMIT),
        ("title_en", TITLE_LIMIT),
        ("text_zh", TEXT_LIMIT),
        ("text_en", TEXT_LIMIT),
    ):
        value = str(getattr(tip, field_name)).strip()
        hidden = hidden_character(value.replace("\r\n", "\n").replace("\n", " "))
        if hidden is not None:
            problems.append(Problem(field_name, _("contains an invisible character {c}", c=hidden)))
        elif not value or len(value) > limit:
            problems.append(
                Problem(
                    field_name,
                    _(
                        "Write 1 to {limit} characters (Chinese and English are both shown).",
                        limit=limit,
                    ),
                )
            )
    if problems:
        raise InvalidInputError(_("The consumer tip has mistakes."), problems)
    return tip


def tips_for(
    tips: Iterable[ConsumerTip], region: str, moment: datetime, *, carrier: str | None = None
) -> list[ConsumerTip]:
    """The tips showing in ``region`` at ``moment``: every regulator's, and the carrier's own
    when ``carrier`` is given (a parcel's tracking shows its carrier's tips, not another's);
    newest first."""
    shown = [
        tip
        for tip in tips
        if tip.applies(region, moment) and (tip.carrier is None or tip.carrier == carrier)
    ]
    return sorted(shown, key=lambda tip: tip.valid_from, reverse=True)
