"""The measurement moment (as-of) of a period's figures.

A period's figures are measured *as of* one stated moment: events after it are ignored, so a
scanner with a wrong clock (an event dated next year) cannot move a period that has closed.
By default the moment is the period's end plus the maturity window (72 hours: by then the
72-hour rate of the period's last parcel has run out, and the figures are final), or now when
that is still ahead (the figures are then provisional).

The period before it (the 环比 comparison) is measured as of the same moment, but never past
its own end plus the maturity window: a closed period compares with the closed period before
it as that one's own bulletin published it, and a stated as-of a year later cannot reopen the
previous period either. A bulletin made the morning after its day compares with the day before
as it stands that morning (whose 72-hour rate may already be there).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def matured_at(end: datetime, maturity_hours: float) -> datetime:
    """When a period ending at ``end`` (exclusive) is closed: its end plus the window."""
    return (end + timedelta(hours=maturity_hours)).astimezone(UTC)


def default_as_of(end: datetime, *, maturity_hours: float, now: datetime) -> datetime:
    """The as-of of a period ending at ``end`` when none is stated: the period's end plus the
    maturity window, or ``now`` if that is earlier (UTC)."""
    return min(matured_at(end, maturity_hours), now.astimezone(UTC))


def previous_as_of(as_of: datetime, previous_end: datetime, maturity_hours: float) -> datetime:
    """The as-of of the period before (ending at ``previous_end``): ``as_of``, or that
    period's own end plus the maturity window if earlier (UTC)."""
    return min(as_of.astimezone(UTC), matured_at(previous_end, maturity_hours))


def is_final(as_of: datetime, end: datetime, maturity_hours: float) -> bool:
    """Whether figures measured as of ``as_of`` are final: the maturity window had run out."""
    return as_of >= matured_at(end, maturity_hours)
