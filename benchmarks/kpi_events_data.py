"""Synthetic scan events for the KPI benchmark, in the contract's schema, as one Parquet file.

Deterministic for a parcel count and seed. Six carriers, 40 cities in 8 provinces (real
GB/T 2260 prefectures from the bundled table), per carrier and city one hub, three outlets and
four stations: 1,920 nodes. A parcel is accepted at an outlet of its origin city during the
day (China time, 08:00–22:00) over 10 days, Double 11 in the middle (more parcels and slower
hubs on 11–12 November), and travels

- same city (50 %): outlet → station (accept, depart, arrive, deliver: 4 events);
- same province (35 %): outlet → origin hub → station (6 events);
- other province (15 %): outlet → origin hub → destination hub → station (8 events);

with exceptions: an address problem before delivery (0.4 %, delivered a day later), damage at a
hub (0.2 %), refused (0.3 %: an exception and a return instead of the delivery), a locker
without consent (0.1 %), a loss (0.1 %: an exception and nothing after it) and trails that stop
silently (1 %). Events after the end of the 10 days are not there yet, so the parcels of the
last days are partly undelivered. About 5 events a parcel.

Layout: the one a lake has (``peakguard.store.event_lake`` writes one file per China-time day
and carrier, sorted by time): the file is those partitions one after the other, ordered by day,
carrier, time, written with pyarrow (zstd, row groups of 1,048,576 rows, pyarrow's default as
the lake uses). Waybills are strings as real ones are (carrier prefix and 13 digits).

Generated in chunks of parcels so memory stays bounded: each chunk's events go to temporary
per-day files of integer codes, then each day is sorted and written.
"""

from __future__ import annotations

import itertools
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from peakguard.domain.regions import RegionLevel, reference_regions
from peakguard.domain.scans import SCAN_EVENT_SCHEMA

CARRIERS = ("JTEXPRESS", "SF", "STO", "YTO", "YUNDA", "ZTO")  # in the lake's order
CARRIER_SHARES = (0.13, 0.12, 0.15, 0.20, 0.18, 0.22)
WAYBILL_PREFIXES = ("JT", "SF", "ST", "YT", "YD", "ZT")
WAYBILL_DIGITS = 13
PROVINCES = ("320000", "330000", "440000", "510000", "420000", "370000", "410000", "430000")
CITIES_PER_PROVINCE = 5
COUNTIES_PER_CITY = 4
ROLES = ("H", "O1", "O2", "O3", "S1", "S2", "S3", "S4")  # hub, outlets, stations
EVENTS = ("accept", "depart", "arrive", "deliver", "exception", "return")
ACCEPT, DEPART, ARRIVE, DELIVER, EXCEPTION, RETURN = range(len(EVENTS))
REASONS = ("damage", "loss", "refused", "address_problem", "locker_without_consent")
DAMAGE, LOSS, REFUSED, ADDRESS, LOCKER = range(len(REASONS))
PRODUCTS = ("standard", "express", "economy")
START = datetime(2026, 11, 5, tzinfo=UTC).timestamp() - 8 * 3600  # 5 Nov 00:00 China time
DAYS = 10
DAY_WEIGHTS = (1.0, 1.0, 1.05, 1.1, 1.2, 1.4, 2.2, 1.5, 1.1, 1.0)  # 5 … 14 November
ROW_GROUP_SIZE = 1_048_576
CHUNK_PARCELS = 1_000_000
SLOTS = 10  # 8 for the longest route, one exception, one return

HOUR = 3600
CHINA_OFFSET = 8 * HOUR


def cities() -> list[tuple[str, list[str]]]:
    """(prefecture code, its first counties) for the first prefectures of each province."""
    regions = reference_regions()
    chosen: list[tuple[str, list[str]]] = []
    for province in PROVINCES:
        prefectures = sorted(
            code
            for code, region in regions.items()
            if region.level == RegionLevel.prefecture and code[:2] == province[:2]
        )
        taken = 0
        for prefecture in prefectures:
            counties = sorted(
                code
                for code, region in regions.items()
                if region.level == RegionLevel.county and code[:4] == prefecture[:4]
            )
            if len(counties) < COUNTIES_PER_CITY:
                continue
            chosen.append((prefecture, counties[:COUNTIES_PER_CITY]))
            taken += 1
            if taken == CITIES_PER_PROVINCE:
                break
        if taken < CITIES_PER_PROVINCE:
            raise RuntimeError(f"province {province} has too few prefectures")
    return chosen


def node_names(city_codes: list[str]) -> list[str]:
    """Node index = (carrier × cities + city) × roles + role."""
    return [
        f"{carrier}-{city}-{role}" for carrier in CARRIERS for city in city_codes for role in ROLES
    ]


def _node(carrier: np.ndarray, city: np.ndarray, role: np.ndarray, n_cities: int) -> np.ndarray:
    return ((carrier.astype(np.int32) * n_cities + city) * len(ROLES) + role).astype(np.int16)


def _parcels(
    rng: np.random.Generator, first: int, count: int, n_cities: int
) -> dict[str, np.ndarray]:
    """Per-parcel attributes of parcels ``first`` … ``first + count - 1``."""
    carrier = rng.choice(len(CARRIERS), size=count, p=CARRIER_SHARES).astype(np.int8)
    weights = np.asarray(DAY_WEIGHTS) / sum(DAY_WEIGHTS)
    day = rng.choice(DAYS, size=count, p=weights)
    hour_of_day = 8.0 + 14.0 * rng.beta(2.0, 2.0, size=count)
    accepted = np.floor(START + day * 86_400 + hour_of_day * HOUR).astype(np.int64)
    origin_city = rng.integers(0, n_cities, size=count).astype(np.int16)
    pair = rng.choice(3, size=count, p=(0.50, 0.35, 0.15)).astype(np.int8)
    province = origin_city // CITIES_PER_PROVINCE
    other_city_same_province = (
        province * CITIES_PER_PROVINCE
        + (origin_city % CITIES_PER_PROVINCE + rng.integers(1, CITIES_PER_PROVINCE, size=count))
        % CITIES_PER_PROVINCE
    )
    n_provinces = n_cities // CITIES_PER_PROVINCE
    other_province = (province + rng.integers(1, n_provinces, size=count)) % n_provinces
    city_elsewhere = other_province * CITIES_PER_PROVINCE + rng.integers(
        0, CITIES_PER_PROVINCE, size=count
    )
    destination_city = np.select(
        [pair == 0, pair == 1], [origin_city, other_city_same_province], city_elsewhere
    ).astype(np.int16)
    product = rng.choice(len(PRODUCTS), size=count, p=(0.85, 0.10, 0.05)).astype(np.int8)
    product[carrier == CARRIERS.index("SF")] = 1
    flags = (
        (rng.random(count) < 0.995).astype(np.int8)
        | ((rng.random(count) < 0.99).astype(np.int8) << 1)
        | ((rng.random(count) < 0.97).astype(np.int8) << 2)
    )
    return {
        "number": 3_000_000_000_000
        + np.arange(first, first + count, dtype=np.int64) * 37
        + rng.integers(0, 37, size=count),
        "carrier": carrier,
        "origin_city": origin_city,
        "destination_city": destination_city,
        "origin_county": rng.integers(0, COUNTIES_PER_CITY, size=count).astype(np.int8),
        "destination_county": rng.integers(0, COUNTIES_PER_CITY, size=count).astype(np.int8),
        "pair": pair,
        "accepted": accepted,
        "peak": (day == 6) | (day == 7),
        "product": product,
        "flags": flags,
    }


def _events(
    rng: np.random.Generator, parcels: dict[str, np.ndarray], n_cities: int
) -> dict[str, np.ndarray]:
    """The parcels' events as flat integer-coded columns (unordered)."""
    count = len(parcels["carrier"])
    carrier = parcels["carrier"]
    hops = parcels["pair"].astype(np.int64) + 1  # 1, 2 or 3 hops
    outlet = _node(carrier, parcels["origin_city"], rng.integers(1, 4, size=count), n_cities)
    origin_hub = _node(carrier, parcels["origin_city"], np.zeros(count, np.int8), n_cities)
    destination_hub = _node(
        carrier, parcels["destination_city"], np.zeros(count, np.int8), n_cities
    )
    station = _node(carrier, parcels["destination_city"], rng.integers(4, 8, size=count), n_cities)
    visits = np.stack(
        [
            outlet,
            np.where(hops == 1, station, origin_hub),
            np.where(hops == 3, destination_hub, station),
            station,
        ],
        axis=1,
    )
    kind = np.full((count, SLOTS), -1, np.int8)
    node = np.zeros((count, SLOTS), np.int16)
    following = np.full((count, SLOTS), -1, np.int16)
    gap = np.zeros((count, SLOTS), np.float64)
    reason = np.full((count, SLOTS), -1, np.int8)
    slowdown = np.where(parcels["peak"], 2.0, 1.0)
    last = 2 * hops + 1  # the delivery's slot
    rows = np.arange(count)
    kind[:, 0] = ACCEPT
    node[:, 0] = outlet
    for hop in range(3):
        active = hop < hops
        depart_slot, arrive_slot = 2 * hop + 1, 2 * hop + 2
        kind[active, depart_slot] = DEPART
        kind[active, arrive_slot] = ARRIVE
        node[:, depart_slot] = visits[:, hop]
        following[:, depart_slot] = visits[:, hop + 1]
        node[:, arrive_slot] = visits[:, hop + 1]
        if hop == 0:  # waiting at the outlet for the pickup round
            dwell = rng.uniform(0.5, 5.0, size=count)
        else:  # sorting at a hub
            dwell = rng.gamma(2.0, 1.5, size=count) * slowdown
        trunk = (hop == 1) & (hops == 3)
        transit = np.where(
            trunk, 6.0 + rng.gamma(3.0, 5.0, size=count), rng.uniform(0.5, 3.0, size=count)
        )
        gap[:, depart_slot] = dwell
        gap[:, arrive_slot] = transit
    station_dwell = rng.uniform(1.0, 14.0, size=count) * np.where(parcels["peak"], 1.5, 1.0)
    gap[rows, last] = station_dwell
    kind[rows, last] = DELIVER
    node[rows, last] = station
    seconds = (
        np.floor(np.cumsum(gap * HOUR, axis=1)).astype(np.int64) + parcels["accepted"][:, None]
    )
    seconds += np.arange(SLOTS)  # strictly increasing within a parcel, whatever the rounding
    # Exceptions (slot 8) and returns (slot 9), one kind per parcel at most.
    draw = rng.random(count)
    delivered_at = seconds[rows, last]
    arrived_at_station = seconds[rows, last - 1]
    address = draw < 0.004
    damage = (draw >= 0.004) & (draw < 0.006) & (hops >= 2)
    refused = (draw >= 0.006) & (draw < 0.009)
    locker = (draw >= 0.009) & (draw < 0.010)
    loss = (draw >= 0.010) & (draw < 0.011)
    silent = (draw >= 0.011) & (draw < 0.021)
    kind[address, 8] = EXCEPTION
    reason[address, 8] = ADDRESS
    node[address, 8] = station[address]
    seconds[address, 8] = (arrived_at_station[address] + delivered_at[address]) // 2
    seconds[address, last[address]] += 24 * HOUR
    kind[damage, 8] = EXCEPTION
    reason[damage, 8] = DAMAGE
    node[damage, 8] = origin_hub[damage]
    seconds[damage, 8] = seconds[damage, 2] + 600
    kind[refused, 8] = EXCEPTION
    reason[refused, 8] = REFUSED
    node[refused, 8] = station[refused]
    seconds[refused, 8] = delivered_at[refused]
    kind[refused, 9] = RETURN
    node[refused, 9] = station[refused]
    seconds[refused, 9] = delivered_at[refused] + HOUR
    kind[rows[refused], last[refused]] = -1
    kind[locker, 8] = EXCEPTION
    reason[locker, 8] = LOCKER
    node[locker, 8] = station[locker]
    seconds[locker, 8] = delivered_at[locker] + 60
    stop = np.full(count, SLOTS, np.int64)  # slots from here on (of the route) are dropped
    lost_at = rng.integers(1, last + 1)
    kind[loss, 8] = EXCEPTION
    reason[loss, 8] = LOSS
    node[loss, 8] = node[rows[loss], lost_at[loss] - 1]
    seconds[loss, 8] = seconds[rows[loss], lost_at[loss] - 1] + 1800
    stop[loss] = lost_at[loss]
    stop[silent] = rng.integers(1, last[silent] + 1)
    slot = np.arange(SLOTS)
    keep = (kind >= 0) & ((slot < stop[:, None]) | (slot >= 8))
    keep &= seconds <= START + DAYS * 86_400  # not yet happened
    parcel_row, event_slot = np.nonzero(keep)
    flags = np.where(kind[parcel_row, event_slot] == ACCEPT, parcels["flags"][parcel_row], -1)
    origin = (
        parcels["origin_city"][parcel_row].astype(np.int16) * COUNTIES_PER_CITY
        + parcels["origin_county"][parcel_row]
    )
    destination = (
        parcels["destination_city"][parcel_row].astype(np.int16) * COUNTIES_PER_CITY
        + parcels["destination_county"][parcel_row]
    )
    return {
        "number": parcels["number"][parcel_row],
        "carrier": carrier[parcel_row],
        "event": kind[parcel_row, event_slot],
        "reason": reason[parcel_row, event_slot],
        "node": node[parcel_row, event_slot],
        "time": seconds[parcel_row, event_slot],
        "next": following[parcel_row, event_slot],
        "origin": origin,
        "destination": destination,
        "product": parcels["product"][parcel_row],
        "flags": flags.astype(np.int8),
    }


def _strings(values: tuple[str, ...] | list[str], codes: np.ndarray) -> pa.Array:
    """``values[code]`` as a string array, null where the code is negative."""
    indices = pa.array(codes.astype(np.int32), mask=codes < 0)
    return pa.array(values, pa.string()).take(indices)


def _waybills(carrier: np.ndarray, number: np.ndarray) -> pa.Array:
    """Carrier prefix and 13 digits, built as one byte buffer."""
    width = 2 + WAYBILL_DIGITS
    chars = np.empty((len(number), width), np.uint8)
    prefixes = np.frombuffer("".join(WAYBILL_PREFIXES).encode(), np.uint8).reshape(-1, 2)
    chars[:, :2] = prefixes[carrier]
    rest = number.copy()
    for position in range(width - 1, 1, -1):
        rest, digit = np.divmod(rest, 10)
        chars[:, position] = digit + ord("0")
    offsets = np.arange(0, (len(number) + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(len(number), pa.py_buffer(offsets), pa.py_buffer(chars))


def _table(columns: dict[str, np.ndarray], nodes: list[str], counties: list[str]) -> pa.Table:
    flags = columns["flags"]
    null_flags = flags < 0

    def flag(bit: int) -> pa.Array:
        return pa.array((flags >> bit) & 1 == 1, mask=null_flags)

    arrays = {
        "waybill": _waybills(columns["carrier"], columns["number"]),
        "carrier": _strings(CARRIERS, columns["carrier"]),
        "event": _strings(EVENTS, columns["event"]),
        "reason": _strings(REASONS, columns["reason"]),
        "node_id": _strings(nodes, columns["node"]),
        "time": pa.array(columns["time"] * 1_000_000, pa.timestamp("us", tz="UTC")),
        "next_node_id": _strings(nodes, columns["next"]),
        "origin_region": _strings(counties, columns["origin"]),
        "destination_region": _strings(counties, columns["destination"]),
        "product": _strings(PRODUCTS, columns["product"]),
        "real_name_verified": flag(0),
        "inspected": flag(1),
        "x_rayed": flag(2),
    }
    return pa.Table.from_arrays(list(arrays.values()), schema=SCAN_EVENT_SCHEMA)


def data_path(folder: Path, parcels: int, seed: int) -> Path:
    return folder / f"scan-events-{parcels}p-seed{seed}.parquet"


def generate(path: Path, parcels: int, seed: int = 0, chunk: int = CHUNK_PARCELS) -> None:
    """Write ``parcels`` parcels' events to ``path`` (a temporary folder beside it is used)."""
    started = time.perf_counter()
    place = cities()
    city_codes = [code for code, _ in place]
    counties = [county for _, their in place for county in their]
    nodes = node_names(city_codes)
    spill = path.with_suffix(".parts")
    shutil.rmtree(spill, ignore_errors=True)
    spill.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for number, first in enumerate(range(0, parcels, chunk)):
        count = min(chunk, parcels - first)
        events = _events(rng, _parcels(rng, first, count, len(city_codes)), len(city_codes))
        day = (events["time"] + CHINA_OFFSET) // 86_400
        order = np.argsort(day, kind="stable")
        bounds = [*np.searchsorted(day[order], np.unique(day), side="left").tolist(), len(day)]
        for start, end in itertools.pairwise(bounds):
            rows = order[start:end]
            np.savez(
                spill / f"day{day[rows[0]]}-chunk{number:05d}.npz",
                **{name: values[rows] for name, values in events.items()},
            )
    days = sorted({file.name.split("-")[0] for file in spill.glob("*.npz")})
    temporary = path.with_suffix(".parquet.tmp")
    total = 0
    with pq.ParquetWriter(temporary, SCAN_EVENT_SCHEMA, compression="zstd") as writer:
        for day in days:
            parts = [dict(np.load(file)) for file in sorted(spill.glob(f"{day}-*.npz"))]
            columns = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
            order = np.lexsort((columns["time"], columns["carrier"]))  # carrier, then time
            columns = {name: values[order] for name, values in columns.items()}
            writer.write_table(_table(columns, nodes, counties), row_group_size=ROW_GROUP_SIZE)
            total += len(order)
    temporary.replace(path)
    shutil.rmtree(spill)
    print(
        f"wrote {total:,} events of {parcels:,} parcels to {path} "
        f"({path.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - started:.0f} s"
    )


def ensure(folder: Path, parcels: int, seed: int = 0) -> Path:
    """The data file for ``parcels`` and ``seed``, generated once."""
    path = data_path(folder, parcels, seed)
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        generate(path, parcels, seed)
    return path
