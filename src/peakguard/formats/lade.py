"""LaDe's last-mile delivery records as scan events (``docs/reference/lade-mapping.md``).

LaDe (Cainiao-AI, Wu et al. 2023, arXiv:2306.10675, Apache-2.0) is a public data set of
last-mile deliveries in five Chinese cities. Its delivery part (LaDe-D) has one row per order:
the courier's region, the moment the courier took the parcel for delivery (``accept_time``)
and the moment it was delivered (``delivery_time``), as ``MM-DD HH:MM:SS`` China time without a
year. Each row becomes the scan events of the parcel's last leg at its delivering node:

- ``arrive`` and ``out_for_delivery`` at the node ``LADE-<CITY>-R<region_id>`` at
  ``accept_time`` (LaDe records nothing earlier: the parcel enters our trail at the delivering
  station as the courier takes it);
- ``deliver`` at the same node at ``delivery_time`` (none when the row has no delivery time).

The waybill is ``<CITY>-<order_id>``; the carrier is ``LADE`` (LaDe does not name the brand);
origin and destination are the city's GB/T 2260 code (LaDe has no sender's region, so only the
delivery leg's figures — the stays at the delivering node, deliveries per node and day — mean
anything). The year is stated by the caller (LaDe's times carry none). The events then go
through the scan-event reader's own checks (:func:`~.scan_event_document.parse_events`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.scan_event_document import parse_events
from peakguard.i18n import _

CARRIER = "LADE"
"""The carrier code LaDe's events are stored under (the data set does not name the brand)."""

CITY_REGIONS: dict[str, str] = {
    "Shanghai": "310100",
    "Hangzhou": "330100",
    "Chongqing": "500100",
    "Jilin": "220200",
    "Yantai": "370600",
}
"""LaDe-D's five cities and their prefecture's GB/T 2260 code."""

COLUMNS: tuple[str, ...] = ("order_id", "region_id", "city", "accept_time", "delivery_time")
"""The LaDe-D columns read; the others (coordinates, AOI, courier, GPS times) are left."""

_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def lade_node(city: str, region_id: str) -> str:
    """The delivering node of a LaDe region: ``LADE-JILIN-R31``."""
    return f"{CARRIER}-{city.upper()}-R{region_id}"


def read_lade_delivery(path: Path, *, year: int) -> pa.Table:
    """The scan events of a LaDe-D CSV file, its times read in ``year`` (China time)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        message = _("cannot read {path}: {reason}", path=path.name, reason=str(error))
        raise InvalidInputError(message, [Problem(path.name, message)]) from error
    return lade_events(csv.DictReader(io.StringIO(text)), year=year, source=path.name)


def lade_events(rows: Iterable[dict[str, str]], *, year: int, source: str = "lade") -> pa.Table:
    """The scan events of LaDe-D rows (dicts by column name); each mistake located by the
    file's row (the header is row 1) and column, all listed before any is refused."""
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for number, row in enumerate(rows, start=2):
        missing = [name for name in COLUMNS if name not in row]
        if missing:
            message = _("missing columns: {columns}", columns=", ".join(missing))
            raise InvalidInputError(message, [Problem(source, message)])
        where = f"{source} row {number}"
        city = row["city"].strip()
        region = CITY_REGIONS.get(city)
        if region is None:
            problems.append(
                Problem(
                    f"{where}, column city",
                    _(
                        "{city} is not one of LaDe's cities: {cities}",
                        city=city,
                        cities=", ".join(CITY_REGIONS),
                    ),
                )
            )
            continue
        accepted = _moment(row["accept_time"], year, f"{where}, column accept_time", problems)
        delivered_text = row["delivery_time"].strip()
        delivered = (
            _moment(delivered_text, year, f"{where}, column delivery_time", problems)
            if delivered_text and delivered_text.lower() != "nan"
            else None
        )
        if accepted is None:
            continue
        common = {
            "waybill": f"{city.upper()}-{row['order_id'].strip()}",
            "carrier": CARRIER,
            "node_id": lade_node(city, row["region_id"].strip()),
            "origin_region": region,
            "destination_region": region,
        }
        records.append({**common, "event": "arrive", "time": accepted})
        records.append({**common, "event": "out_for_delivery", "time": accepted})
        if delivered is not None:
            records.append({**common, "event": "deliver", "time": delivered})
    if problems:
        raise InvalidInputError(
            _("The LaDe file has mistakes: {count} in all.", count=str(len(problems))),
            problems[:200],
            total=len(problems),
        )
    return parse_events(records, source=source)


def _moment(text: str, year: int, where: str, problems: list[Problem]) -> str | None:
    """``MM-DD HH:MM:SS`` in China time in ``year``, as ISO 8601 with its offset."""
    try:
        moment = datetime.strptime(f"{year}-{text.strip()}", _TIME_FORMAT)
    except ValueError:
        problems.append(
            Problem(where, _("{value} is not a LaDe time such as 09-25 08:08:00", value=text))
        )
        return None
    return moment.replace(tzinfo=CHINA_STANDARD_TIME).isoformat()
