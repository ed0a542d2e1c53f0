"""The watch list for inspection: outlets whose "three 100 %" (三个100%) falls short or slides.

The rule is that every parcel is checked (收寄验视、实名收寄、过机安检: 100 %). A share of exactly
100 % over a week is rare even at a careful outlet (a scanner that lost a flag, a parcel
refused and re-accepted), so the list uses a tolerance, local policy and configurable
(:class:`SecurityWatchSettings`, the ``[security]`` section of a settings file):

``below``    over the last ``window_days`` days ending on the day judged, the outlet's share of
             accepts with the check is below the flag's threshold (default 98 %);
``sliding``  the share over those days is below the share over the ``window_days`` days before
             them by more than ``slide_points`` percentage points (default 2): a decline to act
             on early (对有苗头性、倾向性的企业要及时责令整改) even while still above the threshold.

Shares are pooled over a window (checked accepts ÷ accepts), not averaged day by day, so a
quiet day of three parcels weighs three parcels; that is also why the decline compares two
windows rather than fitting a least-squares slope through daily shares, which one small day
can swing. An outlet with fewer than ``minimum_accepts`` accepts in the window is not judged
(one unchecked parcel of twenty is 95 %); for ``sliding`` the earlier window needs as many.

Each listed outlet carries its evidence: the daily figures of both windows, the reasons with
their figures and thresholds, and (filled by the application) a few waybills whose acceptance
lacked the check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Self

from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _
from peakguard.parameters import FileParameters, parameters_from_document, settings_document

SECTION = "security"
"""The settings file's section of these knobs."""
FLAGS: tuple[str, ...] = ("real_name_verified", "inspected", "x_rayed")
"""The three checks, as the scan events name them."""
FLAG_LABELS: Mapping[str, Message] = {
    "real_name_verified": _("real-name registration (实名收寄)"),
    "inspected": _("inspection at acceptance (收寄验视)"),
    "x_rayed": _("X-ray screening (过机安检)"),
}


@dataclass(frozen=True)
class SecurityWatchSettings(FileParameters, section=SECTION):
    """The watch list's knobs; every default is local policy (the rule itself is 100 %)."""

    real_name_threshold: float = 0.98
    """Local policy: list an outlet whose real-name share over the window is below this."""
    inspection_threshold: float = 0.98
    """Local policy: the same for inspection at acceptance (验视)."""
    x_ray_threshold: float = 0.98
    """Local policy: the same for X-ray screening (at the outlet or at a hub)."""
    window_days: int = 7
    """The days judged (ending on the day asked), and the length of the earlier window."""
    slide_points: float = 2.0
    """Local policy: list an outlet whose share fell by more than this many percentage points
    from the earlier window to the last."""
    minimum_accepts: int = 50
    """An outlet with fewer accepts than this in a window is not judged on it."""
    sample_waybills: int = 5
    """Waybills shown per lacking check as evidence."""
    hub_days: int = 3
    """Days after the last day judged whose scans are read for hub X-ray screening (a parcel
    accepted on the last day is screened at a hub the day after or so)."""

    def __post_init__(self) -> None:
        problems = list(_setting_problems(self))
        if problems:
            raise InvalidInputError(_("The security watch settings have mistakes."), problems)

    @classmethod
    def from_toml(cls, path_or_text: Path | str) -> Self:
        """The ``[security]`` section of a settings file (defaults where it is absent)."""
        document, name = settings_document(path_or_text)
        table = document.get(SECTION, {})
        return parameters_from_document(cls, table, source=f"{name}: [{SECTION}]")

    def threshold(self, flag: str) -> float:
        return {
            "real_name_verified": self.real_name_threshold,
            "inspected": self.inspection_threshold,
            "x_rayed": self.x_ray_threshold,
        }[flag]


def _setting_problems(settings: SecurityWatchSettings) -> Iterable[Problem]:
    for name in ("real_name_threshold", "inspection_threshold", "x_ray_threshold"):
        if not 0 < getattr(settings, name) <= 1:
            yield Problem(name, _("must be a share above 0 and at most 1, e.g. 0.98"))
    if not 1 <= settings.window_days <= 31:
        yield Problem("window_days", _("must be between 1 and 31 days"))
    if not 0 < settings.slide_points <= 100:
        yield Problem("slide_points", _("must be more than 0 and at most 100 points"))
    if not 1 <= settings.minimum_accepts <= 10**9:
        yield Problem("minimum_accepts", _("must be at least 1"))
    if not 0 <= settings.sample_waybills <= 50:
        yield Problem("sample_waybills", _("must be between 0 and 50"))
    if not 0 <= settings.hub_days <= 14:
        yield Problem("hub_days", _("must be between 0 and 14 days"))


DEFAULT_WATCH = SecurityWatchSettings()


@dataclass(frozen=True, order=True)
class OutletKey:
    """An accepting outlet: its brand, node id and region (the accepts' origin region)."""

    carrier: str
    outlet_id: str
    region: str


@dataclass(frozen=True)
class OutletDay:
    """An outlet's accepts on one China day and how many had each check (X-ray at the outlet
    or at a hub; ``x_rayed_at_hub`` is the part screened at a hub)."""

    day: date
    accepts: int
    real_name_verified: int
    inspected: int
    x_rayed: int
    x_rayed_at_hub: int = 0

    def checked(self, flag: str) -> int:
        count: int = getattr(self, flag)
        return count


@dataclass(frozen=True)
class Window:
    """Days ``first`` to ``last`` pooled: accepts and checked accepts per flag."""

    first: date
    last: date
    accepts: int
    checked: Mapping[str, int]

    def share(self, flag: str) -> float | None:
        return self.checked[flag] / self.accepts if self.accepts else None


class WatchKind(StrEnum):
    below = "below"
    sliding = "sliding"


@dataclass(frozen=True)
class WatchReason:
    """Why an outlet is listed, for one check, with the figures."""

    kind: WatchKind
    flag: str
    share: float
    """The share over the last window."""
    accepts: int
    threshold: float | None = None
    """``below``: the threshold it is under."""
    previous_share: float | None = None
    """``sliding``: the share over the earlier window."""

    @property
    def decline_points(self) -> float | None:
        if self.previous_share is None:
            return None
        return (self.previous_share - self.share) * 100

    def message(self) -> Message:
        if self.kind is WatchKind.below:
            return _(
                "{check}: {share} % of {accepts} accepts over the window, below {threshold} % "
                "(local policy; the rule is 100 %)",
                check=FLAG_LABELS[self.flag],
                share=f"{self.share * 100:.1f}",
                accepts=f"{self.accepts:,}",
                threshold=f"{(self.threshold or 0) * 100:g}",
            )
        return _(
            "{check}: {share} % of {accepts} accepts over the window, down {points} points from "
            "{previous} % the window before",
            check=FLAG_LABELS[self.flag],
            share=f"{self.share * 100:.1f}",
            accepts=f"{self.accepts:,}",
            points=f"{self.decline_points or 0:.1f}",
            previous=f"{(self.previous_share or 0) * 100:.1f}",
        )


@dataclass(frozen=True)
class WatchEntry:
    """A listed outlet: its reasons, both windows, the daily figures of both (the evidence),
    and sample waybills per lacking check (filled by the application)."""

    outlet: OutletKey
    reasons: tuple[WatchReason, ...]
    recent: Window
    previous: Window
    days: tuple[OutletDay, ...]
    samples: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def worst_share(self) -> float:
        return min(reason.share for reason in self.reasons)


def windows(until: date, settings: SecurityWatchSettings) -> tuple[date, date, date]:
    """The first day of the earlier window, the first day of the last window, and ``until``."""
    recent_first = until - timedelta(days=settings.window_days - 1)
    return recent_first - timedelta(days=settings.window_days), recent_first, until


def pooled(days: Iterable[OutletDay], first: date, last: date) -> Window:
    """The days from ``first`` to ``last`` added up."""
    chosen = [item for item in days if first <= item.day <= last]
    return Window(
        first,
        last,
        sum(item.accepts for item in chosen),
        {flag: sum(item.checked(flag) for item in chosen) for flag in FLAGS},
    )


def judge_outlet(
    outlet: OutletKey,
    days: Sequence[OutletDay],
    until: date,
    settings: SecurityWatchSettings = DEFAULT_WATCH,
) -> WatchEntry | None:
    """The outlet's entry on the watch list judged on the window ending ``until``, or None."""
    earlier_first, recent_first, last = windows(until, settings)
    recent = pooled(days, recent_first, last)
    previous = pooled(days, earlier_first, recent_first - timedelta(days=1))
    if recent.accepts < settings.minimum_accepts:
        return None
    reasons: list[WatchReason] = []
    for flag in FLAGS:
        share = recent.share(flag)
        assert share is not None  # at least minimum_accepts ≥ 1 accepts
        threshold = settings.threshold(flag)
        if share < threshold:
            reasons.append(WatchReason(WatchKind.below, flag, share, recent.accepts, threshold))
        before = previous.share(flag)
        if (
            previous.accepts >= settings.minimum_accepts
            and before is not None
            and (before - share) * 100 > settings.slide_points + 1e-9
        ):
            reasons.append(
                WatchReason(WatchKind.sliding, flag, share, recent.accepts, previous_share=before)
            )
    if not reasons:
        return None
    chosen = [item for item in days if earlier_first <= item.day <= last]
    evidence = tuple(sorted(chosen, key=lambda item: item.day))
    return WatchEntry(outlet, tuple(reasons), recent, previous, evidence)


def watch_list(
    figures: Mapping[OutletKey, Sequence[OutletDay]],
    until: date,
    settings: SecurityWatchSettings = DEFAULT_WATCH,
) -> list[WatchEntry]:
    """Every listed outlet, the worst share first."""
    found = [
        entry
        for outlet, days in figures.items()
        if (entry := judge_outlet(outlet, days, until, settings)) is not None
    ]
    return sorted(found, key=lambda entry: (entry.worst_share, entry.outlet))
