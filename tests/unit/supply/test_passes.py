"""The pass registers (车辆通行证, 人员白名单, 场地作业许可): validity per area and day, and the
sentences saying what is missing."""

from __future__ import annotations

from datetime import date

from peakguard.supply.passes import (
    Pass,
    PassKind,
    expiring_first,
    expiring_soon,
    missing,
    person_entry,
    valid_pass,
)

AREA = "310115"
"""Shanghai's Pudong district, the controlled area of these cases."""
DAY = date(2026, 4, 10)


def vehicle(plate: str, region: str, start: date, until: date) -> Pass:
    return Pass(PassKind.vehicle, plate, region, start, until, "上海市交通委")


def test_a_city_pass_covers_its_districts_and_a_district_pass_only_itself() -> None:
    """A pass for 310000 (the city) or 310100 covers 310115; one for 310104 or 320000 does not."""
    assert vehicle("沪A1", "310000", DAY, DAY).valid_on(AREA, DAY)
    assert vehicle("沪A1", "310100", DAY, DAY).valid_on(AREA, DAY)
    assert vehicle("沪A1", "310115", DAY, DAY).valid_on(AREA, DAY)
    assert not vehicle("沪A1", "310104", DAY, DAY).valid_on(AREA, DAY)
    assert not vehicle("沪A1", "320000", DAY, DAY).valid_on(AREA, DAY)


def test_both_ends_of_the_validity_are_days_the_pass_holds() -> None:
    """valid_from and valid_until are included; the day before and the day after are not."""
    entry = vehicle("沪A1", "310000", date(2026, 4, 8), date(2026, 4, 10))
    assert entry.valid_on(AREA, date(2026, 4, 8))
    assert entry.valid_on(AREA, date(2026, 4, 10))
    assert not entry.valid_on(AREA, date(2026, 4, 7))
    assert not entry.valid_on(AREA, date(2026, 4, 11))


def test_plates_match_whatever_their_spacing_and_dot() -> None:
    """沪A·12345 on the pass is the vehicle 沪a 12345 of the fleet list."""
    register = [vehicle("沪A·12345", "310000", DAY, DAY)]
    assert valid_pass(register, PassKind.vehicle, "沪a 12345", AREA, DAY) is not None


def test_missing_names_each_lack_in_a_sentence() -> None:
    """An expired vehicle pass, a driver not on the white list, a site permit for another
    district and a permit not yet valid: one sentence each, saying which and why."""
    register = [
        vehicle("沪A1", "310000", date(2026, 4, 1), date(2026, 4, 9)),
        Pass(PassKind.site, "ST-1", "310104", DAY, DAY, "浦东新区防控办"),
        Pass(PassKind.site, "ST-2", "310115", date(2026, 4, 12), date(2026, 4, 20), "防控办"),
    ]
    lacks = missing(register, AREA, DAY, vehicle="沪A1", driver="D-07", site="ST-1")
    texts = [message.render("en") for message in lacks]
    assert texts == [
        "Vehicle 沪A1's vehicle pass (车辆通行证) expired on 2026-04-09.",
        "Person D-07 has no white list entry (人员白名单).",
        "Site ST-1's site permit (场地作业许可) is for 310104, not for area 310115.",
    ]
    later = missing(register, AREA, DAY, site="ST-2")[0].render("en")
    assert later == "Site ST-2's site permit (场地作业许可) is valid only from 2026-04-12."
    assert missing([vehicle("沪A1", "310000", DAY, DAY)], AREA, DAY, vehicle="沪A1") == ()


def test_a_white_list_entry_keeps_only_the_masked_id() -> None:
    """The ID number is masked to its last four characters when the entry is made."""
    entry = person_entry("D-07", "110105194912310021", AREA, DAY, DAY, "防控办")
    assert entry.masked_id == "**************0021"
    assert "110105" not in repr(entry)


def test_the_register_lists_passes_ending_soonest_first_then_the_expired() -> None:
    """Current passes by end date (the soonest first), expired ones after, latest ended first."""
    ends = [date(2026, 4, 20), date(2026, 4, 11), date(2026, 4, 5), date(2026, 4, 9)]
    register = [vehicle(f"沪A{n}", "310000", date(2026, 4, 1), end) for n, end in enumerate(ends)]
    ordered = [entry.valid_until for entry in expiring_first(register, DAY)]
    assert ordered == [date(2026, 4, 11), date(2026, 4, 20), date(2026, 4, 9), date(2026, 4, 5)]
    assert expiring_soon(register[1], DAY)
    assert not expiring_soon(register[0], DAY)
    assert not expiring_soon(register[2], DAY)
