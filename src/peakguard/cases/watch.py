"""A warning's life on the watch (监测预警): raised, acknowledged, superseded, cleared.

A node is *graded* from what is observed now (its backlog against its storage capacity) and
from what a projection started from that observation says of the next hours (the backlog
reaching storage within a level's horizon), with the four levels of
:mod:`peakguard.simulate.warning_rules` (I red … IV blue) and their thresholds, which are
**local policy**: no official backlog thresholds exist.

At most one warning per node is open (raised or acknowledged) at a time:

- a node graded while nothing is open raises a warning of its grade;
- a **more severe** grade supersedes the open warning at once: the open one ends
  ``superseded`` and a new one is raised, naming the one it replaced;
- a **milder** grade (or none) is **inhibited** while the severe one stands: nothing new is
  raised. The open warning is *cleared* only once its condition has been gone for
  ``hold_hours`` (the first evaluation that found it gone starts the count; one that finds it
  back stops it); a milder condition still holding then raises its own warning;
- an open warning is acknowledged once, by the duty (``duty.keep``); acknowledgement changes
  nothing of the above.

:func:`decide` is the whole rule, a function of the open warning, the finding and the moment:
run twice at the same moment on what it produced, it asks for nothing more.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np

from peakguard.errors import IllegalTransitionError
from peakguard.i18n import Message, _
from peakguard.simulate.warning_rules import WarningLevel, WarningThresholds, level_label
from peakguard.simulate.warnings import NONE, node_levels


class WarningSource(StrEnum):
    observed = "observed"
    """The backlog counted now (the scan-event lake, a carrier's daily report)."""
    projected = "projected"
    """The simulator started from the observed state, a few hours ahead."""


class WatchState(StrEnum):
    raised = "raised"
    acknowledged = "acknowledged"
    superseded = "superseded"
    cleared = "cleared"


OPEN_STATES = frozenset({WatchState.raised, WatchState.acknowledged})


class ReasonKind(StrEnum):
    storage = "storage"
    """The backlog at or above the level's share of storage capacity."""
    overflow = "overflow"
    """The projection has the backlog reaching storage capacity within the level's horizon."""


@dataclass(frozen=True)
class Finding:
    """A node's grade at one evaluation, with why (the figures the reason is made of)."""

    node_id: str
    level: WarningLevel
    source: WarningSource
    kind: ReasonKind
    figures: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class OpenWarning:
    """What the rule needs of the warning open on a node."""

    id: int
    node_id: str
    level: WarningLevel
    state: WatchState
    below_since: datetime | None = None
    """The first evaluation that found the condition gone (None: it still holds)."""


@dataclass(frozen=True)
class Raise:
    finding: Finding
    supersedes: int | None = None


@dataclass(frozen=True)
class Supersede:
    warning_id: int
    by_level: WarningLevel


@dataclass(frozen=True)
class Clear:
    warning_id: int


@dataclass(frozen=True)
class MarkGone:
    warning_id: int
    since: datetime


@dataclass(frozen=True)
class MarkBack:
    warning_id: int


Action = Raise | Supersede | Clear | MarkGone | MarkBack


def decide(
    open_warning: OpenWarning | None,
    finding: Finding | None,
    *,
    now: datetime,
    hold_hours: int,
) -> list[Action]:
    """What to do on one node at ``now``, given its open warning and this evaluation's
    finding (None: no level holds). See the module's docstring for the rule."""
    if open_warning is None:
        return [] if finding is None else [Raise(finding)]
    if finding is not None and finding.level < open_warning.level:
        return [Supersede(open_warning.id, finding.level), Raise(finding, open_warning.id)]
    if finding is not None and finding.level == open_warning.level:
        return [MarkBack(open_warning.id)] if open_warning.below_since is not None else []
    # Milder or gone: inhibited while the open warning stands, cleared after the hold.
    since = open_warning.below_since if open_warning.below_since is not None else now
    if now - since >= timedelta(hours=hold_hours):
        actions: list[Action] = [Clear(open_warning.id)]
        if finding is not None:
            actions.append(Raise(finding))
        return actions
    return [] if open_warning.below_since is not None else [MarkGone(open_warning.id, now)]


def check_acknowledge(state: WatchState) -> None:
    """Refuse to acknowledge a warning that is not raised (acknowledged, superseded,
    cleared): :class:`IllegalTransitionError`."""
    if state is WatchState.raised:
        return
    raise IllegalTransitionError(
        _(
            "Only a raised warning can be acknowledged; this one is {state}.",
            state=state_label(state),
        ),
        allowed=(),
    )


def state_label(state: WatchState) -> Message:
    labels = {
        WatchState.raised: _("raised"),
        WatchState.acknowledged: _("acknowledged"),
        WatchState.superseded: _("superseded"),
        WatchState.cleared: _("cleared"),
    }
    return labels[state]


def grade_observed(
    node_id: str,
    backlog: float,
    storage: float,
    thresholds: WarningThresholds,
    extra: Mapping[str, float] | None = None,
) -> Finding | None:
    """The level of a node whose backlog is ``backlog`` now (the storage tests only)."""
    if storage <= 0:
        return None
    levels, _ahead = node_levels(
        np.array([[float(backlog)]]), np.array([float(storage)]), thresholds
    )
    level = int(levels[0, 0])
    if level == NONE:
        return None
    rule = thresholds.by_level()[WarningLevel(level)]
    figures = {
        "backlog": float(backlog),
        "storage": float(storage),
        "utilisation": float(backlog) / float(storage),
        "threshold": rule.storage_utilisation,
    }
    figures.update(extra or {})
    return Finding(
        node_id, WarningLevel(level), WarningSource.observed, ReasonKind.storage, figures
    )


def grade_projected(
    node_id: str,
    backlog: np.ndarray,
    storage: float,
    thresholds: WarningThresholds,
) -> Finding | None:
    """The level the projected backlog series (hour 0 = the first projected hour) gives a
    node: the storage tests at any projected hour are this finding's only when they are reached
    through an overflow forecast, i.e. the level of hour 0 counting the overflow horizon."""
    if storage <= 0 or len(backlog) == 0:
        return None
    levels, ahead = node_levels(
        np.asarray(backlog, dtype=float)[None, :], np.array([float(storage)]), thresholds
    )
    level = int(levels[0, 0])
    hours_ahead = float(ahead[0, 0])
    if level == NONE or not math.isfinite(hours_ahead):
        return None
    peak_hour = int(np.argmax(backlog))
    rule = thresholds.by_level()[WarningLevel(level)]
    figures = {
        "backlog": float(backlog[0]),
        "storage": float(storage),
        "hours_ahead": hours_ahead,
        "horizon": float(rule.overflow_within_hours),
        "peak_backlog": float(backlog[peak_hour]),
        "peak_utilisation": float(backlog[peak_hour]) / float(storage),
        "peak_hour": float(peak_hour),
    }
    return Finding(
        node_id, WarningLevel(level), WarningSource.projected, ReasonKind.overflow, figures
    )


def most_severe(*findings: Finding | None) -> Finding | None:
    """The most severe of a node's findings; the observed one on a tie."""
    present = [finding for finding in findings if finding is not None]
    if not present:
        return None
    return min(present, key=lambda f: (f.level, f.source is not WarningSource.observed))


def reason(level: WarningLevel, kind: ReasonKind, figures: Mapping[str, float]) -> Message:
    """Why a node is at ``level``, from the figures its finding kept."""
    if kind is ReasonKind.storage:
        return _(
            "backlog {backlog} parcels, {utilisation} of storage capacity {storage}, at or "
            "above the {threshold} threshold of {level} (local policy)",
            backlog=f"{figures.get('backlog', 0):.0f}",
            utilisation=f"{figures.get('utilisation', 0):.0%}",
            storage=f"{figures.get('storage', 0):.0f}",
            threshold=f"{figures.get('threshold', 0):.0%}",
            level=level_label(level),
        )
    return _(
        "projected to reach storage capacity in {hours} h and {peak}× storage within the "
        "projection, within the {limit} h horizon of {level} (local policy)",
        hours=f"{figures.get('hours_ahead', 0):.0f}",
        peak=f"{figures.get('peak_utilisation', 0):.2f}",
        limit=f"{figures.get('horizon', 0):.0f}",
        level=level_label(level),
    )
