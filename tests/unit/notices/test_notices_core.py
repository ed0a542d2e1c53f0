"""The notices' core: tips scoped per territory, the tracking notice of a parcel bound for a
controlled area, the estimated arrival from measured times, the wording in both languages.

tiny lake: three Chengdu→Mianyang parcels delivered with known times (30, 40 and 90 hours from
acceptance; 10, 12 and 20 hours from the Mianyang hub) — their medians are 40 h and 12 h."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peakguard.cases.controlled import ControlledArea
from peakguard.errors import InvalidInputError
from peakguard.notices.eta import Basis, EtaSettings, estimate_arrival, measure
from peakguard.notices.tips import ConsumerTip, check_tip, tips_for
from peakguard.notices.tracking import Parcel, PublishedNotice, Scan, parcel_of, tracking_notice
from peakguard.notices.wording import arrival_text, load_wording, service_wording

T0 = datetime(2026, 11, 10, tzinfo=UTC)
MIANYANG = "510700"
CONTROL = ControlledArea("510700", T0 + timedelta(days=2), T0 + timedelta(days=7), "IN-1")


def hours(h: float) -> datetime:
    return T0 + timedelta(hours=h)


def parcel(waybill: str, *scans: tuple[str, str, float], destination: str = "510703") -> Parcel:
    return parcel_of(
        waybill, "ZTO", "510104", destination, [Scan(e, n, hours(h)) for e, n, h in scans]
    )


def delivered(waybill: str, total: float, from_hub: float) -> Parcel:
    return parcel(
        waybill,
        ("accept", "CD-O1", 0),
        ("arrive", "MY-HUB", total - from_hub),
        ("deliver", "MY-S1", total),
    )


TINY_LAKE = [delivered("A", 30, 10), delivered("B", 40, 12), delivered("C", 90, 20)]


def test_eta_from_the_last_node_is_the_median_of_three_parcels() -> None:
    """A parcel last scanned at the Mianyang hub arrives 12 h later (median of 10, 12, 20)."""
    now = hours(100)
    measured = measure(TINY_LAKE, now, EtaSettings())
    moving = parcel("P", ("accept", "CD-O1", 95), ("arrive", "MY-HUB", 99))
    estimate = estimate_arrival(moving, measured, now)
    assert estimate.basis is Basis.last_node
    assert estimate.median_hours == 12
    assert estimate.parcels == 3
    assert estimate.arrival == hours(99 + 12)


def test_eta_falls_back_to_the_lane_median_from_acceptance() -> None:
    """At a node no measured parcel passed: origin→destination, 40 h after acceptance."""
    now = hours(100)
    measured = measure(TINY_LAKE, now, EtaSettings())
    moving = parcel("P", ("accept", "CD-O1", 95), ("arrive", "CD-HUB", 97))
    estimate = estimate_arrival(moving, measured, now)
    assert (estimate.basis, estimate.median_hours, estimate.arrival) == (
        Basis.lane,
        40,
        hours(95 + 40),
    )


def test_eta_is_unknown_with_too_few_parcels_and_old_ones_do_not_count() -> None:
    """Parcels delivered before the look-back do not count; fewer than three give no estimate."""
    now = hours(90 + 24 * 8)
    measured = measure(TINY_LAKE, now, EtaSettings(lookback=timedelta(days=7)))
    estimate = estimate_arrival(parcel("P", ("accept", "CD-O1", 250)), measured, now)
    assert estimate.basis is Basis.unknown and estimate.arrival is None


def test_eta_is_never_before_the_controls_end() -> None:
    """Bound for a controlled area, the estimate moves to the control's expected end."""
    now = hours(50)
    measured = measure(TINY_LAKE, hours(100), EtaSettings())
    moving = parcel("P", ("accept", "CD-O1", 45), ("arrive", "MY-HUB", 49))
    estimate = estimate_arrival(moving, measured, now, CONTROL)
    assert estimate.arrival == CONTROL.end == estimate.held_until


def test_a_delivered_parcel_arrived_when_it_was_delivered() -> None:
    """A delivered parcel's arrival is its delivery scan."""
    estimate = estimate_arrival(TINY_LAKE[0], measure([], hours(1), EtaSettings()), hours(200))
    assert (estimate.basis, estimate.arrival) == (Basis.delivered, hours(30))


@given(st.lists(st.floats(min_value=1, max_value=200), min_size=3, max_size=9))
def test_the_lane_estimate_lies_within_the_measured_times(totals: list[float]) -> None:
    """Whatever the measured times, the lane estimate is between the fastest and slowest."""
    lake = [delivered(f"W{i}", total, total / 2) for i, total in enumerate(totals)]
    now = hours(300)
    estimate = estimate_arrival(
        parcel("P", ("accept", "X", 250)),
        measure(lake, now, EtaSettings(lookback=timedelta(days=30))),
        now,
    )
    assert estimate.median_hours is not None
    assert min(totals) - 1e-9 <= estimate.median_hours <= max(totals) + 1e-9


def test_a_parcel_bound_for_the_controlled_area_carries_the_notice() -> None:
    """Scanned while Mianyang is controlled, its tracking carries the standard notice."""
    bound = parcel("P", ("accept", "CD-O1", 50), ("arrive", "MY-HUB", 60))
    notice = tracking_notice(bound, [CONTROL], [], hours(61))
    assert notice is not None and notice.area == CONTROL
    assert "静态管控" in notice.text_zh and "static control" in notice.text_en
    assert "绵阳市" in notice.text_zh


def test_a_parcel_bound_elsewhere_carries_none() -> None:
    """A parcel to Chengdu, scanned at the same times, carries no notice."""
    elsewhere = parcel("P", ("accept", "CD-O1", 50), ("arrive", "CD-HUB", 60), destination="510104")
    assert tracking_notice(elsewhere, [CONTROL], [], hours(61)) is None


def test_a_parcel_delivered_before_the_control_carries_none() -> None:
    """Every scan before the control began (delivered): no notice, even tracked during it."""
    early = parcel("P", ("accept", "CD-O1", 1), ("deliver", "MY-S1", 40))
    assert tracking_notice(early, [CONTROL], [], hours(60)) is None


def test_a_parcel_still_on_its_way_when_the_control_begins_carries_it() -> None:
    """Last scanned before the control and not delivered: tracked during it, it carries it."""
    waiting = parcel("P", ("accept", "CD-O1", 1), ("arrive", "MY-HUB", 40))
    assert tracking_notice(waiting, [CONTROL], [], hours(60)) is not None
    assert tracking_notice(waiting, [CONTROL], [], hours(41)) is None


def test_a_published_notice_gives_the_text_and_only_to_its_carrier() -> None:
    """A carrier's published notice is its parcels' text; another brand's parcel gets none."""
    published = PublishedNotice(
        "GG-1", MIANYANG, CONTROL.start, CONTROL.end, "中通绵阳公告", "ZTO Mianyang notice", "ZTO"
    )
    bound = parcel("P", ("accept", "CD-O1", 50))
    notice = tracking_notice(bound, [], [published], hours(51))
    assert notice is not None and notice.reference == "GG-1"
    assert notice.text("en") == "ZTO Mianyang notice" and notice.text("zh_CN") == "中通绵阳公告"
    sf = parcel_of("S", "SF", "510104", "510703", [Scan("accept", "SF-O1", hours(50))])
    assert tracking_notice(sf, [], [published], hours(51)) is None


def tip(territory: str, carrier: str | None = None) -> ConsumerTip:
    return ConsumerTip(
        territory, T0, T0 + timedelta(days=10), "提示", "Tip", "早寄", "Send early", carrier
    )


def test_tips_are_scoped_per_territory_window_and_carrier() -> None:
    """Sichuan's tip shows in Mianyang, Chengdu's does not; a carrier's only with its brand."""
    tips = [tip("510000"), tip("510100"), tip("510000", "ZTO")]
    shown = tips_for(tips, "510703", hours(5))
    assert [t.territory for t in shown] == ["510000"]
    assert len(tips_for(tips, "510703", hours(5), carrier="ZTO")) == 2
    assert tips_for(tips, "510703", T0 + timedelta(days=10)) == []
    assert len(tips_for(tips, "510104", hours(5))) == 2


def test_a_tip_with_mistakes_names_each_field() -> None:
    """An empty English text and an end before the start are both named."""
    bad = ConsumerTip("510000", hours(5), hours(1), "提示", "Tip", "早寄", " ")
    with pytest.raises(InvalidInputError) as raised:
        check_tip(bad)
    assert {p.location for p in raised.value.problems} == {"valid_until", "text_en"}


def test_the_wording_reads_in_chinese_and_english() -> None:
    """The three scripts and the arrival message name the place and the end in each language."""
    zh, en = service_wording(CONTROL, "zh_CN"), service_wording(CONTROL, "en")
    assert "绵阳市（510700）" in zh.acceptance and "2026年11月17日08:00" in zh.enquiry
    assert "17 Nov 2026 08:00 (UTC+8)" in en.tracking and "accept" in en.acceptance
    text = arrival_text(CONTROL, "en", carrier="ZTO", waybill="ZT1", arrival=CONTROL.end)
    assert text.startswith("[ZTO] Your item ZT1") and "17 Nov 2026" in text
    scripts = load_wording()
    assert set(scripts) == {"acceptance", "enquiry", "tracking", "arrival"}
