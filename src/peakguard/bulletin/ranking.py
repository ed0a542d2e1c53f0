"""The bulletin's rankings (carriers, provinces, cities ordered best first with their ranks
before) and the names of regions, shared by the bulletin and its drill-down."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from peakguard.bulletin.metrics import Better, change, metric
from peakguard.bulletin.model import Ranking, RankingRow, Subject
from peakguard.domain.regions import province_code, reference_regions


def ranking(
    subject: Subject,
    key: str,
    current: Mapping[str, Mapping[str, Any]],
    previous: Mapping[str, Mapping[str, Any]],
    *,
    names: Mapping[str, str],
) -> Ranking:
    """Groups ordered best first; ties go to the group with more parcels behind the figure,
    then to the lower code. Groups without a figure this period come last, unranked."""
    item = metric(key)
    better = item.better or Better.higher
    base_column = "due_72h" if key.startswith("rate_") else "delivered"
    ranks_now = ranks(current, key, better, base_column)
    ranks_before = ranks(previous, key, better, base_column)
    keys = sorted(current, key=lambda code: (ranks_now.get(code) or len(current) + 1, code))
    rows = tuple(
        RankingRow(
            rank=ranks_now.get(code),
            key=code,
            name=names.get(code, ""),
            value=current[code].get(key),
            previous_value=previous.get(code, {}).get(key),
            change=change(item.unit, current[code].get(key), previous.get(code, {}).get(key)),
            previous_rank=ranks_before.get(code),
            base=int(current[code].get(base_column) or 0),
        )
        for code in keys
    )
    return Ranking(subject, key, better, rows)


def ranks(
    groups: Mapping[str, Mapping[str, Any]], key: str, better: Better, base_column: str
) -> dict[str, int]:
    scored = [
        (code, row[key], row.get(base_column) or 0)
        for code, row in groups.items()
        if row.get(key) is not None
    ]
    sign = -1.0 if better is Better.higher else 1.0
    scored.sort(key=lambda entry: (sign * entry[1], -entry[2], entry[0]))
    return {code: index + 1 for index, (code, _value, _base) in enumerate(scored)}


def region_name(code: str) -> str:
    """The division's Chinese name; a municipality's ``市辖区`` reads as the municipality."""
    regions = reference_regions()
    region = regions.get(code)
    if region is None:
        return ""
    if region.name in {"市辖区", "县", "省直辖县级行政区划"}:
        parent = regions.get(province_code(code))
        return parent.name if parent else region.name
    return region.name
