"""Administrative regions (GB/T 2260 codes) and the origin–destination pair classes.

The bundled reference table is the admin-division list shipped by the ``cpca`` package
(MIT; see ``peakguard/reference/admin_divisions.csv.provenance.txt``). Its vintage is 2018, so
a network file may declare regions of its own: a declared region wins over the table.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

from peakguard.i18n import Message, _


class RegionLevel(StrEnum):
    province = "province"
    prefecture = "prefecture"
    county = "county"


class PairClass(StrEnum):
    """Class of an origin–destination pair, which sets the service standard's time limit."""

    same_city = "same_city"
    same_province = "same_province"
    other_province = "other_province"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: RegionLevel
    longitude: float | None
    latitude: float | None

    @property
    def province_code(self) -> str:
        return province_code(self.code)

    @property
    def prefecture_code(self) -> str:
        return prefecture_code(self.code)


def province_code(code: str) -> str:
    """``510603`` → ``510000``."""
    return code[:2] + "0000"


def prefecture_code(code: str) -> str:
    """``510603`` → ``510600``; a province code maps to itself."""
    if code.endswith("0000"):
        return code
    return code[:4] + "00"


def level_of(code: str) -> RegionLevel:
    if code.endswith("0000"):
        return RegionLevel.province
    if code.endswith("00"):
        return RegionLevel.prefecture
    return RegionLevel.county


def classify_pair(origin_region: str, destination_region: str) -> PairClass:
    """Same city (same prefecture-level division), same province, or other province."""
    if prefecture_code(origin_region) == prefecture_code(destination_region):
        return PairClass.same_city
    if province_code(origin_region) == province_code(destination_region):
        return PairClass.same_province
    return PairClass.other_province


@cache
def reference_regions() -> dict[str, Region]:
    """The bundled GB/T 2260-style table, keyed by six-digit code."""
    table: dict[str, Region] = {}
    source = resources.files("peakguard").joinpath("reference/admin_divisions.csv")
    with source.open("r", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["adcode6"]
            if code in table:
                continue
            table[code] = Region(
                code=code,
                name=row["name"],
                level=RegionLevel(row["level"]),
                longitude=float(row["lon"]) if row["lon"] else None,
                latitude=float(row["lat"]) if row["lat"] else None,
            )
    return table


def pair_class_label(pair_class: PairClass) -> Message:
    """How a pair class reads to a person: 同城, 省内, 跨省."""
    labels = {
        PairClass.same_city: _("same city"),
        PairClass.same_province: _("same province"),
        PairClass.other_province: _("other province"),
    }
    return labels[pair_class]
