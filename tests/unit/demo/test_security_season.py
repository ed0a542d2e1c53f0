"""The demo season's security script: synthetic IDs that pass (or, where meant, fail) their
check digits, lapses at exactly three outlets by the stated shares, a register showing each
suspicious pattern, orders ending the season in every state, and one hold on a waybill the lake
scans after the hold."""

from __future__ import annotations

import struct
import zlib
from collections import Counter
from datetime import date, datetime, timedelta

import pyarrow as pa
import pytest
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum

from peakguard.cases.inspections import national_checklist
from peakguard.cases.security_rules import security_rules
from peakguard.demo.season import double11_scenario
from peakguard.demo.security_files import evidence_pdf, evidence_png
from peakguard.demo.security_inspections import (
    CITY_INSPECTOR,
    PROVINCIAL_INSPECTOR,
    Scan,
    choose_hold,
    season_inspections,
)
from peakguard.demo.security_people import (
    SenderMaker,
    broken,
    credit_check_character,
    credit_code,
    id_check_digit,
    resident_id,
)
from peakguard.demo.security_season import (
    EMPLOYEE_PARCELS,
    HEAVY_PARCELS,
    INVALID_IDS,
    Accepted,
    apply_lapses,
    demand_days,
    lapse_policy,
    season_register,
)
from peakguard.demo.sichuan import build_sichuan_network
from peakguard.domain.network import Network
from peakguard.domain.scans import CHINA_STANDARD_TIME as CHINA
from peakguard.domain.scans import SCAN_EVENT_SCHEMA

SCENARIO = double11_scenario()
REGIONS = ("510104", "510105", "510106", "510107", "510108", "510703")


@pytest.fixture(scope="module")
def network() -> Network:
    """The demo's Sichuan network (seed 2016): the outlets the lapses are drawn from."""
    return build_sichuan_network()


# ------------------------------------------------------------------ check digits


def test_the_published_examples_get_their_check_digits() -> None:
    """GB 11643's example 11010519491231002X ends in X; the credit code 91350100M000100Y43
    (a published example) ends in 3; 110105194912310029 is a broken copy of the first."""
    assert id_check_digit("11010519491231002") == "X"
    assert credit_check_character("91350100M000100Y4") == "3"
    assert resident_id("110105", date(1949, 12, 31), 2) == "11010519491231002X"
    assert broken("11010519491231002X") == "110105194912310029"
    assert not ric.is_valid("110105194912310029")


def test_every_drawn_number_is_valid_by_an_independent_library() -> None:
    """python-stdnum accepts each of 500 drawn ID numbers and 100 credit codes; no number is
    drawn twice; some ID numbers end in X."""
    maker = SenderMaker(5, REGIONS)
    people = [maker.person() for _ in range(500)]
    organisations = [maker.organisation("演示") for _ in range(100)]
    assert all(ric.is_valid(p.number) for p in people)
    assert all(uscc.is_valid(o.number) for o in organisations)
    numbers = [s.number for s in people + organisations]
    assert len(set(numbers)) == len(numbers)
    assert any(p.number.endswith("X") for p in people)
    assert maker.person(ending_x=True).number.endswith("X")
    assert credit_code("510104", 12345678)[:8] == "91510104"


def test_a_broken_number_fails_its_checksum_and_nothing_else() -> None:
    """Changing the last character makes stdnum raise InvalidChecksum, for 50 IDs and 50
    credit codes (some of them all digits but the check character)."""
    maker = SenderMaker(9, REGIONS)
    organisations = [maker.organisation("x") for _ in range(50)]
    for sender in [maker.person() for _ in range(50)] + organisations:
        credit = sender.id_kind == "credit_code"
        check = uscc if credit else ric
        with pytest.raises(InvalidChecksum):
            check.validate(broken(sender.number, credit_code=credit))


# ------------------------------------------------------------------ the lapse policy


def test_three_lapsing_outlets_of_the_demo_brands(network: Network) -> None:
    """A ZTO outlet in Chengdu slides from 0 to 10 % unverified; an SF outlet in Chengdu skips
    the X-ray on 7, 8 and 15 November; a ZTO outlet outside Chengdu skips 30 % of open-box
    checks on 10–16 November (the peak); the same seed draws the same outlets."""
    policy = lapse_policy(network, SCENARIO, seed=2016)
    sliding, skipping, peak = (policy.of(k) for k in ("sliding", "skipped_days", "peak_days"))
    assert (sliding.carrier, sliding.flag, sliding.region[:4]) == (
        "ZTO",
        "real_name_verified",
        "5101",
    )
    assert (skipping.carrier, skipping.flag, skipping.region[:4]) == ("SF", "x_rayed", "5101")
    assert peak.carrier == "ZTO" and peak.flag == "inspected"
    assert peak.region.startswith("51") and not peak.region.startswith("5101")
    assert len(set(policy.outlets())) == 3
    assert sliding.cleared[0] == (date(2026, 11, 6), 0.0)
    assert sliding.cleared[-1] == (date(2026, 11, 17), 0.1)
    assert [d.day for d, share in skipping.cleared if share == 1.0] == [7, 8, 15]
    assert dict(peak.cleared) == {date(2026, 11, d): 0.3 for d in range(10, 17)}
    assert lapse_policy(network, SCENARIO, seed=2016) == policy
    assert "demo policy" in policy.label


def events(rows: list[tuple[str, str, str, datetime]]) -> pa.Table:
    """Scan events ``(waybill, event, node, China time)`` with every accept's flags set."""
    accept = [event == "accept" for _w, event, _n, _t in rows]
    flags = pa.array([True if a else None for a in accept], pa.bool_())
    return pa.table(
        {
            "waybill": [r[0] for r in rows],
            "carrier": ["ZTO"] * len(rows),
            "event": [r[1] for r in rows],
            "reason": pa.nulls(len(rows), pa.string()),
            "node_id": [r[2] for r in rows],
            "time": pa.array([r[3] for r in rows], pa.timestamp("us", tz="UTC")),
            "next_node_id": pa.nulls(len(rows), pa.string()),
            "origin_region": ["510104"] * len(rows),
            "destination_region": ["510104"] * len(rows),
            "product": ["standard"] * len(rows),
            "real_name_verified": flags,
            "inspected": flags,
            "x_rayed": flags,
        },
        schema=SCAN_EVENT_SCHEMA,
    )


def test_lapses_clear_the_stated_share_of_a_days_accepts_and_nothing_else(
    network: Network,
) -> None:
    """On 11 November the peak outlet's 10 accepts lose ``inspected`` on 3 (30 %) and the X-ray
    outlet's 4 keep ``x_rayed`` (not a skipped day); on 15 November the X-ray outlet's 5
    accepts all lose it while their sort scans keep empty flags; an outlet outside the policy
    and the peak outlet's accepts on 9 and 17 November keep every flag; no other column
    changes."""
    policy = lapse_policy(network, SCENARIO, seed=2016)
    peak, skipping = policy.of("peak_days").outlet, policy.of("skipped_days").outlet
    eleventh = datetime(2026, 11, 11, 10, tzinfo=CHINA)
    fifteenth = datetime(2026, 11, 15, 10, tzinfo=CHINA)
    rows = [(f"P{n}", "accept", peak, eleventh) for n in range(10)]
    rows += [(f"X{n}", "accept", skipping, eleventh) for n in range(4)]
    rows += [(f"Y{n}", "accept", skipping, fifteenth) for n in range(5)]
    rows += [(f"Y{n}", "sort", skipping, fifteenth + timedelta(hours=1)) for n in range(5)]
    rows += [(f"O{n}", "accept", "ZTO-510104-O1-NOT", fifteenth) for n in range(5)]
    rows += [("E1", "accept", peak, datetime(2026, 11, 9, 23, 30, tzinfo=CHINA))]
    rows += [("E2", "accept", peak, datetime(2026, 11, 17, 0, 30, tzinfo=CHINA))]
    table = events(rows)
    lapsed = apply_lapses(table, policy, seed=2016)
    assert lapsed.drop_columns(["inspected", "x_rayed"]).equals(
        table.drop_columns(["inspected", "x_rayed"])
    )
    inspected = lapsed["inspected"].to_pylist()
    x_rayed = lapsed["x_rayed"].to_pylist()
    assert inspected[:10].count(False) == 3
    assert x_rayed[10:14] == [True] * 4
    assert x_rayed[14:19] == [False] * 5
    assert x_rayed[19:24] == [None] * 5
    assert inspected[24:] == x_rayed[24:] == [True] * 7
    assert apply_lapses(table, policy, seed=2016).equals(lapsed)


# ------------------------------------------------------------------ the register


def accepted(network: Network) -> tuple[list[Accepted], str, str]:
    """Ten days of accepts: 12 a day at the sliding outlet (one unverified a day from the
    fifth day), 50 on 11 November and 5 on other days at a clean Chengdu outlet."""
    policy = lapse_policy(network, SCENARIO, seed=2016)
    sliding = policy.of("sliding").outlet
    clean = next(
        n.id
        for n in network.nodes
        if n.id.startswith("ZTO-5101") and n.id.endswith("-O3") and n.id not in policy.outlets()
    )
    parcels = []
    for offset in range(10):
        day = datetime(2026, 11, 6, 9, tzinfo=CHINA) + timedelta(days=offset)
        for n in range(12):
            verified = not (offset >= 4 and n == 0)
            moment = day + timedelta(minutes=n)
            parcels.append(Accepted(f"S{offset}-{n}", "ZTO", sliding, "510104", moment, verified))
        for n in range(50 if day.day == 11 else 5):
            moment = day + timedelta(minutes=n)
            parcels.append(Accepted(f"C{offset}-{n}", "ZTO", clean, "510106", moment, True))
    return parcels, sliding, clean


def test_the_register_shows_each_pattern(network: Network) -> None:
    """Three invalid numbers at the sliding outlet (its other unverified parcels are not
    registered), one person with 40 parcels at the clean outlet on 11 November, the clerk's
    ID on 4 parcels of 4 other names; every other number passes stdnum."""
    parcels, sliding, clean = accepted(network)
    policy = lapse_policy(network, SCENARIO, seed=2016)
    script = season_register(parcels, policy, seed=3, regions=REGIONS)
    entries = script.registrations
    assert script.patterns() == {
        "invalid": INVALID_IDS,
        "many_parcels": HEAVY_PARCELS,
        "employee_id": EMPLOYEE_PARCELS,
    }
    unverified = {p.waybill for p in parcels if not p.real_name_verified}
    registered = {e.waybill for e in entries}
    assert len(unverified & registered) == INVALID_IDS
    assert len(entries) == len(parcels) - len(unverified) + INVALID_IDS
    invalid = [e for e in entries if e.pattern == "invalid"]
    assert all(e.outlet == sliding and not ric.is_valid(e.sender.number) for e in invalid)
    heavy = [e for e in entries if e.pattern == "many_parcels"]
    assert {(e.outlet, e.accepted_at.date(), e.sender.number) for e in heavy} == {
        (clean, date(2026, 11, 11), script.heavy.number if script.heavy else "")
    }
    misused = [e for e in entries if e.pattern == "employee_id"]
    clerk = script.misused
    assert clerk is not None and clerk.outlet == sliding
    assert {(e.sender.number, e.accepted_by) for e in misused} == {(clerk.number, clerk.code)}
    assert clerk.name not in {e.sender.name for e in misused}
    assert len({e.sender.name for e in misused}) == EMPLOYEE_PARCELS
    others = [e for e in entries if e.pattern != "invalid"]
    assert all(
        (ric if e.sender.id_kind == "resident_id" else uscc).is_valid(e.sender.number)
        for e in others
    )
    assert any(e.sender.id_kind == "credit_code" for e in entries)
    assert script.heavy is not None and script.heavy.number.endswith("X")
    assert season_register(parcels, policy, seed=3, regions=REGIONS) == script


# ------------------------------------------------------------------ inspections and orders


def test_orders_end_the_season_in_every_state_in_order(network: Network) -> None:
    """Seven orders end the season in each of the five states (two escalated: one by a failed
    re-check, with a fine proposed at the legal minimum, one ignored); each order's report
    after its issue, its re-check after its report, an extension asked before the deadline;
    the X-ray re-check falls on a day the machine is off again; a sweep runs after the
    ignored order's deadline; SF's company has no letter."""
    policy = lapse_policy(network, SCENARIO, seed=2016)
    days = demand_days(SCENARIO)
    end = datetime(2026, 11, 21, tzinfo=CHINA)
    plan = season_inspections(network, policy, days, end=end)
    orders = plan.orders()
    assert sorted(o.outcome for o in orders) == [
        "closed",
        "escalated",
        "escalated",
        "extension_requested",
        "issued",
        "reported",
        "reported",
    ]
    for order in orders:
        if order.reported_at is not None:
            assert order.issued_at < order.reported_at <= end
            assert not order.ignored
        if order.rechecked_at is not None:
            assert order.reported_at is not None and order.reported_at < order.rechecked_at
        if order.extension is not None:
            asked = order.extension.asked_at
            assert order.issued_at < asked < at_end_of(order.deadline)
            assert order.extension.days > order.days
    failed = next(o for o in orders if o.recheck_passed is False)
    assert failed.rechecked_at is not None and failed.rechecked_at.day == 15
    assert failed.penalty is not None and failed.penalty.company_fine == 100_000
    ignored = next(o for o in orders if o.ignored)
    assert ignored.reported_at is None
    assert any(s > at_end_of(ignored.deadline) for s in plan.sweeps)
    kinds = {(i.kind, i.conducted_by, i.inspector) for i in plan.inspections}
    assert ("unannounced", "regulator", CITY_INSPECTOR) in kinds
    assert ("planned", "joint", PROVINCIAL_INSPECTOR) in kinds
    assert ("planned", "self", "zto-sc.security") in kinds
    assert plan.missing_commitment == "SF"
    assert [c.carrier for c in plan.commitments] == ["ZTO"]
    assert plan.abnormal is not None and plan.abnormal.outlet == policy.of("peak_days").outlet
    assert all(s <= end for s in plan.sweeps) and plan.sweeps == tuple(sorted(plan.sweeps))


def at_end_of(day: date) -> datetime:
    """The end of ``day``, China time (a deadline falls at the end of its last day)."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=CHINA)


def test_the_hold_takes_the_waybill_scanned_most_after_its_sort() -> None:
    """Two waybills sorted at the hub on 10 November: W2 has three scans after the hold
    (20 minutes after its sort), W1 one; W3 sorted on another day is not a candidate."""
    sort = datetime(2026, 11, 10, 14, tzinfo=CHINA)
    scans = [
        Scan("W1", "ZTO", "accept", "O1", sort - timedelta(hours=5)),
        Scan("W1", "ZTO", "sort", "HUB", sort),
        Scan("W1", "ZTO", "depart", "HUB", sort + timedelta(hours=1)),
        Scan("W2", "ZTO", "sort", "HUB", sort),
        Scan("W2", "ZTO", "depart", "HUB", sort + timedelta(minutes=10)),
        Scan("W2", "ZTO", "depart", "HUB", sort + timedelta(hours=1)),
        Scan("W2", "ZTO", "arrive", "S1", sort + timedelta(hours=4)),
        Scan("W2", "ZTO", "deliver", "S1", sort + timedelta(hours=9)),
        Scan("W3", "ZTO", "sort", "HUB", sort + timedelta(days=1)),
        Scan("W3", "ZTO", "depart", "HUB", sort + timedelta(days=1, hours=1)),
    ]
    hold = choose_hold(scans, {"HUB": "510104"}, officer="zto-sc.security", day=date(2026, 11, 10))
    assert hold is not None
    assert (hold.waybill, hold.hub, hold.region, hold.later_scans) == ("W2", "HUB", "510104", 3)
    assert hold.placed_at == sort + timedelta(minutes=20)
    assert hold.released_at > hold.placed_at and hold.released_by == PROVINCIAL_INSPECTOR
    assert choose_hold(scans, {"HUB": "510104"}, officer="x", day=date(2026, 11, 9)) is None


def test_evidence_files_are_what_their_signatures_say() -> None:
    """The PNG decodes to its 96×64 grey pixels (CRC-checked chunks); the PDF starts with
    %PDF- and ends with %%EOF; the same seed gives the same bytes."""
    png = evidence_png(4)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png == evidence_png(4)
    position, data = 8, b""
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        body = png[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + body) == crc
        if kind == b"IHDR":
            assert struct.unpack(">II", body[:8]) == (96, 64)
        if kind == b"IDAT":
            data += body
        position += 12 + length
    assert len(zlib.decompress(data)) == 64 * (96 + 1)
    pdf = evidence_pdf("Record (demo)", ("line one",))
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert Counter(b"obj" in line for line in pdf.splitlines())[True] >= 5


def test_every_finding_names_a_national_checklist_item_and_its_rule(network: Network) -> None:
    """Each scripted finding's item is on the national checklist, citing the same rule key,
    and that rule is in the rules catalogue; a fine proposed is inside the rule's range."""
    checklist = national_checklist()
    rules = security_rules()
    policy = lapse_policy(network, SCENARIO, seed=2016)
    end = datetime(2026, 11, 21, tzinfo=CHINA)
    plan = season_inspections(network, policy, demand_days(SCENARIO), end=end)
    findings = [f for i in plan.inspections for f in i.findings]
    assert len(findings) == 8
    for finding in findings:
        item = checklist.item(finding.item_key)
        assert item is not None, finding.item_key
        assert item.rule_key == finding.rule_key and finding.rule_key in rules
        order = finding.order
        if order is not None and order.penalty is not None:
            fine = rules[finding.rule_key].company_fine
            assert fine.minimum <= order.penalty.company_fine <= fine.maximum
