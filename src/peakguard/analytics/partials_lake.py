"""Where an event lake keeps its partial aggregates, and whether they can answer a question.

Layout (``docs/reference/partials.md``)::

    <lake>/partials/manifest.json                     what the files below hold (read first)
    <lake>/partials/parcels/<bucket>-<batch>.parquet  parcel rows of the parcels in a bucket
    <lake>/partials/stays/…, departures/…, accepts/…  the other rows, bucketed the same way
    <lake>/partials/nodes-<batch>.parquet             each node's carrier
    <lake>/partials/node_hours-<batch>.parquet        per node and hour: entered, ended, dwell

A parcel's bucket is the first hexadecimal digit of the MD5 of ``carrier`` + U+001F +
``waybill`` (16 buckets): every row of a parcel is in the files of its bucket, so a batch
rewrites only the buckets of the parcels it touches. The manifest names the current file of
each bucket and kind, the batches and retractions the files reflect, the latest event time and
the China days with events; it is replaced in one atomic rename after the files are written,
so a reader sees the partials before a batch or after it, never half of one.

The partials can answer a bulletin measured as of a moment only when they are *current* (they
reflect every batch stored and every retraction made) and *settled* (no stored event is later
than the moment: the partials hold every event, the as-of rule counts none after the moment).
:func:`usable_partials` says which, and why not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

PARTIALS_DIRECTORY = "partials"
MANIFEST = "manifest.json"
KINDS: tuple[str, ...] = ("parcels", "stays", "departures", "accepts")
BUCKETS: tuple[str, ...] = tuple("0123456789abcdef")
FORMAT_VERSION = 2


class Unusable(StrEnum):
    """Why a question is answered from the raw events rather than the partials."""

    none = "none"
    """No partials: a lake made before them, or a table or file rather than a lake."""
    stale = "stale"
    """A batch or a retraction the partials do not reflect yet (rebuilt at the next ingest)."""
    unsettled = "unsettled"
    """An event later than the as-of is stored: the partials would count it."""
    scope = "scope"
    """A region's parcels: the stays, departures and accepts carry no regions."""


@dataclass(frozen=True)
class Manifest:
    """What the partial files hold."""

    files: dict[str, dict[str, str]]
    """kind → bucket → file name (relative to the kind's folder)."""
    nodes: str | None
    node_hours: str | None
    """The node-hour counts' file (:func:`~.partials.node_hour_rows`), for the whole lake."""
    batches: frozenset[str]
    retractions: frozenset[str]
    latest_event: datetime | None
    days: tuple[date, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "files": self.files,
            "nodes": self.nodes,
            "node_hours": self.node_hours,
            "batches": sorted(self.batches),
            "retractions": sorted(self.retractions),
            "latest_event": self.latest_event.isoformat() if self.latest_event else None,
            "days": [day.isoformat() for day in self.days],
        }


def partials_directory(lake: Path) -> Path:
    return lake / PARTIALS_DIRECTORY


def read_manifest(lake: Path) -> Manifest | None:
    """The lake's manifest, or None when it has none (or one of another format)."""
    path = partials_directory(lake) / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        return None
    latest = data.get("latest_event")
    return Manifest(
        files={kind: dict(data["files"].get(kind, {})) for kind in KINDS},
        nodes=data.get("nodes"),
        node_hours=data.get("node_hours"),
        batches=frozenset(data.get("batches", [])),
        retractions=frozenset(data.get("retractions", [])),
        latest_event=datetime.fromisoformat(latest) if latest else None,
        days=tuple(date.fromisoformat(day) for day in data.get("days", [])),
    )


def lake_batches(lake: Path) -> frozenset[str]:
    """The batches with event files in the lake (from the files' names)."""
    names = (lake / "events").glob("day=*/carrier=*/part-*.parquet")
    return frozenset(path.name[len("part-") : -len(".parquet")] for path in names)


def lake_retractions(lake: Path) -> frozenset[str]:
    """The retractions recorded in the lake (their file names' stems)."""
    return frozenset(path.stem for path in (lake / "retractions").glob("*.parquet"))


def is_current(manifest: Manifest, lake: Path) -> bool:
    """Whether the partials reflect every stored batch and every retraction of the lake."""
    return manifest.batches == lake_batches(lake) and manifest.retractions == lake_retractions(lake)


def kind_paths(lake: Path, manifest: Manifest, kind: str) -> list[str]:
    """The current files of one kind of rows."""
    folder = partials_directory(lake) / kind
    return [str(folder / name) for _bucket, name in sorted(manifest.files[kind].items())]


def usable_partials(
    lake: Path | None, earliest_as_of: datetime, *, region_scope: bool = False
) -> tuple[Manifest | None, Unusable]:
    """The manifest when the partials can answer figures measured as of ``earliest_as_of`` (and
    any later moment), else None and why not."""
    if lake is None:
        return None, Unusable.none
    manifest = read_manifest(lake)
    if manifest is None:
        return None, Unusable.none
    if region_scope:
        return None, Unusable.scope
    if not is_current(manifest, lake):
        return None, Unusable.stale
    if manifest.latest_event is not None and manifest.latest_event > earliest_as_of:
        return None, Unusable.unsettled
    return manifest, Unusable.none
