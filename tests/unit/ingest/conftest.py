"""Small scan-event batches for the reader and lake tests."""

from __future__ import annotations

from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "scan-events.csv"
HEADER = (
    "waybill,carrier,event,reason,node_id,time,next_node_id,origin_region,destination_region,"
    "product,real_name_verified,inspected,x_rayed"
)


def event_rows(parcels: int, *, carriers: tuple[str, ...] = ("ZTO", "SF")) -> list[str]:
    """CSV rows (no header) for ``parcels`` parcels, each accepted, departed and delivered on
    11–12 November 2026, spread over the carriers: 3 valid events a parcel."""
    rows = []
    for number in range(parcels):
        carrier = carriers[number % len(carriers)]
        waybill = f"{carrier}{number:08d}"
        hour = number % 24
        rows += [
            f"{waybill},{carrier},accept,,O1,2026-11-11T{hour:02d}:10:00+08:00,,510104,510703,"
            "standard,true,true,true",
            f"{waybill},{carrier},depart,,O1,2026-11-11T{hour:02d}:40:00+08:00,H1,510104,510703,"
            "standard,,,",
            f"{waybill},{carrier},deliver,,S1,2026-11-12T{hour:02d}:20:00+08:00,,510104,510703,"
            "standard,,,",
        ]
    return rows


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def small_batch(tmp_path: Path) -> Path:
    """small_batch: 10 parcels of two carriers, 30 events on two China days."""
    return write_csv(tmp_path / "events.csv", event_rows(10))
