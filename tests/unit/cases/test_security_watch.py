"""The watch list for inspection, on outlets whose figures are worked out by hand.

Judged on 14 Nov 2026 with the default window of 7 days: the last window is 8–14 Nov, the
earlier one 1–7 Nov."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from peakguard.cases.security_watch import (
    OutletDay,
    OutletKey,
    SecurityWatchSettings,
    WatchKind,
    judge_outlet,
    watch_list,
    windows,
)
from peakguard.errors import InvalidInputError
from peakguard.i18n import render

UNTIL = date(2026, 11, 14)
OUTLET = OutletKey("ZTO", "ZTO-CD-O1", "510104")


def days(
    first: date, count: int, accepts: int, real_name: int, inspected: int, x_rayed: int
) -> list[OutletDay]:
    """``count`` days from ``first``, each with the same figures."""
    return [
        OutletDay(first + timedelta(days=n), accepts, real_name, inspected, x_rayed)
        for n in range(count)
    ]


def test_the_windows() -> None:
    """7-day windows ending on the 14th: 1–7 and 8–14 November."""
    assert windows(UNTIL, SecurityWatchSettings()) == (
        date(2026, 11, 1),
        date(2026, 11, 8),
        UNTIL,
    )


def test_below_threshold_is_listed_with_its_evidence() -> None:
    """8–14 Nov, 20 accepts a day: real name and inspection on all 140, X-ray on 19 a day = 133
    of 140 = 95 % < 98 %. Listed for X-ray only, with the 7 days as evidence."""
    entry = judge_outlet(OUTLET, days(date(2026, 11, 8), 7, 20, 20, 20, 19), UNTIL)
    assert entry is not None
    [reason] = entry.reasons
    assert (reason.kind, reason.flag, reason.accepts) == (WatchKind.below, "x_rayed", 140)
    assert reason.share == pytest.approx(0.95)
    assert reason.threshold == 0.98
    assert len(entry.days) == 7 and entry.recent.accepts == 140
    assert render(reason.message(), "en") == (
        "X-ray screening (过机安检): 95.0 % of 140 accepts over the window, below 98 % "
        "(local policy; the rule is 100 %)"
    )


def test_exactly_at_the_threshold_is_not_listed() -> None:
    """49 of 50 accepts = 98 %: not below 98 %."""
    figures = [OutletDay(UNTIL, 50, 50, 50, 49)]
    assert judge_outlet(OUTLET, figures, UNTIL) is None


def test_sliding_is_listed_before_the_threshold() -> None:
    """1–7 Nov: 100 a day, all checked (100 %). 8–14 Nov: X-rayed 96 a day = 672 of 700 =
    96 %, down 4 points (more than 2); with an X-ray threshold of 90 % it is sliding, not
    below."""
    figures = days(date(2026, 11, 1), 7, 100, 100, 100, 100) + days(
        date(2026, 11, 8), 7, 100, 100, 100, 96
    )
    entry = judge_outlet(OUTLET, figures, UNTIL, SecurityWatchSettings(x_ray_threshold=0.9))
    assert entry is not None
    [reason] = entry.reasons
    assert (reason.kind, reason.flag) == (WatchKind.sliding, "x_rayed")
    assert reason.previous_share == 1.0 and reason.share == pytest.approx(0.96)
    assert reason.decline_points == pytest.approx(4.0)
    assert len(entry.days) == 14
    assert "down 4.0 points from 100.0 %" in render(reason.message(), "en")


def test_a_decline_of_exactly_the_points_is_not_sliding() -> None:
    """100 % then 98 % (a 2-point decline, not more than 2) with the X-ray threshold at 90 %."""
    figures = days(date(2026, 11, 1), 7, 100, 100, 100, 100) + days(
        date(2026, 11, 8), 7, 100, 100, 100, 98
    )
    assert judge_outlet(OUTLET, figures, UNTIL, SecurityWatchSettings(x_ray_threshold=0.9)) is None


def test_too_few_accepts_is_not_listed() -> None:
    """A tiny outlet: 5 accepts a day, 35 in the window (< 50), none checked: not judged."""
    assert judge_outlet(OUTLET, days(date(2026, 11, 8), 7, 5, 0, 0, 0), UNTIL) is None


def test_sliding_needs_enough_accepts_before() -> None:
    """The earlier window has 30 accepts (< 50): no decline is judged from it, and 99 % in the
    last window is above every threshold."""
    figures = days(date(2026, 11, 5), 3, 10, 10, 10, 10) + days(
        date(2026, 11, 8), 7, 100, 99, 99, 99
    )
    assert judge_outlet(OUTLET, figures, UNTIL, SecurityWatchSettings(slide_points=0.5)) is None


def test_days_outside_the_windows_are_left_out() -> None:
    """A bad 31 October (before the earlier window) changes nothing."""
    bad_day = OutletDay(date(2026, 10, 31), 1000, 0, 0, 0)
    figures = [bad_day, *days(date(2026, 11, 8), 7, 100, 100, 100, 100)]
    assert judge_outlet(OUTLET, figures, UNTIL) is None


def test_the_list_is_worst_first() -> None:
    """Outlet B at 90 % real name comes before outlet A at 95 % X-ray; C (100 %) is not on it."""
    a = OutletKey("ZTO", "A", "510104")
    b = OutletKey("YTO", "B", "510107")
    c = OutletKey("ZTO", "C", "510104")
    listed = watch_list(
        {
            a: days(date(2026, 11, 8), 7, 20, 20, 20, 19),
            b: [OutletDay(UNTIL, 100, 90, 100, 100)],
            c: [OutletDay(UNTIL, 100, 100, 100, 100)],
        },
        UNTIL,
    )
    assert [entry.outlet.outlet_id for entry in listed] == ["B", "A"]


def test_settings_are_checked() -> None:
    """A threshold above 1 and a window of 0 days are refused, each located."""
    with pytest.raises(InvalidInputError) as caught:
        SecurityWatchSettings(x_ray_threshold=1.5, window_days=0)
    assert [problem.location for problem in caught.value.problems] == [
        "x_ray_threshold",
        "window_days",
    ]


def test_settings_from_a_file() -> None:
    """The [security] section of a settings file."""
    read = SecurityWatchSettings.from_toml("[security]\nminimum_accepts = 10\n")
    assert read == SecurityWatchSettings(minimum_accepts=10)
