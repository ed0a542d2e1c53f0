"""The "three 100 %" with X-ray screening recorded where it happens, on hand-made events."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa

from peakguard.analytics import security_compliance
from peakguard.analytics.security import accept_checks

from .conftest import CHENGDU, MIANYANG, XIAN, duck, events, scan, settings


def screening_case() -> list[dict[str, Any]]:
    """Outlet O1 (ZTO, Chengdu) on 11 Nov: A X-rayed at acceptance and again at the hub (once);
    B not at acceptance, screened on the hub's arrive AND sort (once); C not screened anywhere
    (the hub's sort says false); D X-rayed at the hub after the cutoff (not counted). Outlet O2
    (ZTO, Mianyang) on 12 Nov (hour 20): E all three at acceptance. Outlet O3 (YTO, Xi'an):
    F real name only, screened at a hub whose scan is another carrier's waybill G (not F's)."""
    return [
        scan("A", "accept", "O1", 0),
        scan("A", "sort", "H", 3, flags=(None, None, True)),
        scan("B", "accept", "O1", 1, flags=(True, True, False)),
        scan("B", "arrive", "H", 3, flags=(None, None, True)),
        scan("B", "sort", "H", 4, flags=(None, None, True)),
        scan("C", "accept", "O1", 1, flags=(True, False, False)),
        scan("C", "sort", "H", 4, flags=(None, None, False)),
        scan("D", "accept", "O1", 2, flags=(True, True, False)),
        scan("D", "sort", "H", 40, flags=(None, None, True)),
        scan("E", "accept", "O2", 20, origin=MIANYANG),
        scan("F", "accept", "O3", 2, carrier="YTO", origin=XIAN, flags=(True, False, False)),
        scan("F", "sort", "H", 5, carrier="ZTO", origin=XIAN, flags=(None, None, True)),
    ]


def _by(rows: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in rows}


def test_x_ray_at_a_hub_counts_once_and_says_where() -> None:
    """O1: 4 accepts; X-rayed A (at acceptance) and B (at the hub, two hub scans, once) = 2;
    C's false hub scan and D's scan after the cutoff (hour 30) do not count. Real name 4/4,
    inspected A, B, D = 3/4, all three A, B = 2/4. F (YTO) is not screened: the hub scanned
    ZTO's F, another carrier's parcel."""
    engine = duck(screening_case())
    rows = engine.compute(security_compliance(engine.events, settings(30))).to_pylist()
    found = _by(rows, "outlet_id")
    first = found["O1"]
    assert first["accepts"] == 4
    assert (first["x_rayed"], first["x_rayed_at_acceptance"], first["x_rayed_at_hub"]) == (2, 1, 1)
    assert (first["x_rayed_share"], first["x_rayed_at_hub_share"]) == (0.5, 0.25)
    assert (first["real_name_verified"], first["inspected"], first["all_three"]) == (4, 3, 2)
    assert first["all_three_share"] == 0.5
    assert found["O3"]["x_rayed"] == 0 and found["O3"]["all_three"] == 0
    assert found["O2"]["all_three_share"] == 1.0


def test_later_cutoff_counts_the_late_hub_screening() -> None:
    """With the cutoff after D's hub sort (hour 40 < 48), O1 has 3 X-rayed, 2 at the hub."""
    engine = duck(screening_case())
    rows = engine.compute(security_compliance(engine.events, settings(48))).to_pylist()
    first = _by(rows, "outlet_id")["O1"]
    assert (first["x_rayed"], first["x_rayed_at_hub"]) == (3, 2)


def test_grouped_by_territory_and_day() -> None:
    """Per province and China day: 51 on 11 Nov is O1's 4 accepts; 51 on 12 Nov is E (hour 20
    is 04:00 on the 12th in China); 61 is F."""
    engine = duck(screening_case())
    expression = security_compliance(engine.events, settings(30), by=("province", "day"))
    rows = engine.compute(expression).to_pylist()
    assert [(r["province"], r["day"], r["accepts"], r["x_rayed"]) for r in rows] == [
        ("51", date(2026, 11, 11), 4, 2),
        ("51", date(2026, 11, 12), 1, 1),
        ("61", date(2026, 11, 11), 1, 0),
    ]
    by_city = engine.compute(security_compliance(engine.events, settings(30), by=("city",)))
    assert by_city.column("city").to_pylist() == ["5101", "5107", "6101"]


def test_accept_checks_name_the_lapses() -> None:
    """Per accept: B screened at the hub only, C not at all, with its region and day."""
    engine = duck(screening_case())
    rows = _by(engine.compute(accept_checks(engine.events, settings(30))).to_pylist(), "waybill")
    assert (rows["B"]["x_rayed_at_acceptance"], rows["B"]["x_rayed_at_hub"]) == (False, True)
    assert (rows["C"]["x_rayed"], rows["C"]["inspected"], rows["C"]["region"]) == (
        False,
        False,
        CHENGDU,
    )
    assert rows["E"]["day"] == date(2026, 11, 12)


def test_spark_agrees_with_duckdb(spark_of: Any) -> None:
    """The same figures per outlet and day on Spark as on DuckDB."""
    table: pa.Table = events(screening_case())
    by = ("outlet_id", "carrier", "region", "day")
    ours = duck(table)
    theirs = spark_of(table)
    mine = ours.compute(security_compliance(ours.events, settings(30), by=by))
    spark = theirs.compute(security_compliance(theirs.events, settings(30), by=by))
    assert spark.to_pylist() == mine.to_pylist()
