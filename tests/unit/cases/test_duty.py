"""The duty's pure rules: who is on duty across midnight, the escalation chain's order, and
when an unacknowledged alert moves down it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from peakguard.cases.duty import (
    DEFAULT_SHIFTS,
    Shift,
    Watch,
    escalation_chain,
    escalation_step,
    next_shift,
    on_duty,
    parse_shifts,
    shift_at,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError

CST = CHINA_STANDARD_TIME
DAY = Watch(date(2026, 11, 11), "day", leader=10, officers=(1, 2))
NIGHT = Watch(date(2026, 11, 11), "night", leader=20, officers=(3, 4))
ROSTER = {(w.day, w.shift): w for w in (DAY, NIGHT)}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CST)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(11, 8), DAY),  # the day shift starts at 08:00 sharp
        (at(11, 19, 59), DAY),
        (at(11, 20), NIGHT),
        (at(11, 23, 30), NIGHT),
        (at(12, 3), NIGHT),  # after midnight: still the 11th's night shift
        (at(12, 7, 59), NIGHT),
        (at(12, 8), None),  # the 12th has no roster: nobody
        (at(11, 7, 59), None),  # the 10th's night shift is not on the roster
    ],
)
def test_who_is_on_duty_across_midnight(moment: datetime, expected: Watch | None) -> None:
    """The night shift of the 11th runs to 08:00 on the 12th; unrostered times have nobody."""
    assert on_duty(DEFAULT_SHIFTS, ROSTER, moment) == expected


def test_a_moment_in_utc_is_read_in_china_time() -> None:
    """13:00 UTC is 21:00 in Beijing: the night shift of that day."""
    moment = datetime.fromisoformat("2026-11-11T13:00:00+00:00")
    assert shift_at(DEFAULT_SHIFTS, moment) == (date(2026, 11, 11), DEFAULT_SHIFTS[1])


def test_the_next_shift_after_the_night() -> None:
    """At 03:00 on the 12th the next shift is the 12th's day shift."""
    assert next_shift(DEFAULT_SHIFTS, at(12, 3)) == (date(2026, 11, 12), DEFAULT_SHIFTS[0])


def test_the_chain_runs_officers_then_leader_then_directors() -> None:
    """First officer, second officer, leader on duty, then the directors, nobody twice."""
    assert escalation_chain(NIGHT, directors=[30, 20, 31]) == (3, 4, 20, 30, 31)
    assert escalation_chain(None, directors=[30]) == (30,)


def test_an_alert_at_ten_escalates_every_quarter_hour() -> None:
    """Raised 22:00, limit 15 min: 22:14 first officer, 22:16 second, 22:32 leader."""
    raised, limit = at(11, 22), timedelta(minutes=15)
    chain = len(escalation_chain(NIGHT, directors=[30]))  # 3, 4, 20, 30
    assert escalation_step(raised, limit, at(11, 22, 14), chain) == 0
    assert escalation_step(raised, limit, at(11, 22, 15), chain) == 0  # at the limit: in time
    assert escalation_step(raised, limit, at(11, 22, 16), chain) == 1
    assert escalation_step(raised, limit, at(11, 22, 32), chain) == 2
    assert escalation_step(raised, limit, at(12, 6), chain) == 3  # after a downtime: the end


def test_shifts_must_cover_the_day() -> None:
    """Three eight-hour shifts are fine; a gap between shifts is located."""
    three = parse_shifts(
        [["a", "00:00", "08:00"], ["b", "08:00", "16:00"], ["c", "16:00", "00:00"]]
    )
    assert [s.length for s in three] == [timedelta(hours=8)] * 3
    assert Shift("c", time(16), time(0)).crosses_midnight
    with pytest.raises(InvalidInputError) as error:
        parse_shifts([["day", "08:00", "18:00"], ["night", "20:00", "08:00"]])
    assert [p.location for p in error.value.problems] == ["shifts"]
