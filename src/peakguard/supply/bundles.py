"""The catalogue of bundles (套餐) supply orders ask for, kept as data (seed 004, 货源组织).

The packaged catalogue (``bundles.toml``) holds the six standard sets the seed names — 蔬菜套装,
食品套装, 牛奶套装, 日用套装, 洗护套装, 防疫套装 — and the four optional ones (水果, 肉类, 零食,
调味品), each with its names, its weight and volume per set (this project's planning figures,
not the seed's) and what it holds. A deployment's file adds bundles (a new key) or replaces one
(a key of the catalogue, given whole): "组货可因地制宜".

What must hold (tests/unit/supply/test_bundles.py): the packaged catalogue has the ten sets,
six of them standard; a deployment's file changes only the keys it names; every mistake of a
file is reported at once, located as ``bundles.toml: fruit.weight_kg``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _
from peakguard.parameters import settings_document
from peakguard.supply.model import Bundle

FIELDS: Final = ("name_zh", "name_en", "standard", "weight_kg", "volume_m3", "items")
REQUIRED: Final = ("name_zh", "name_en", "weight_kg", "volume_m3")
KEY: Final = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
MAX_WEIGHT_KG: Final = 1000.0
"""No set a household receives weighs a tonne; a larger figure is a typing mistake."""
MAX_VOLUME_M3: Final = 5.0
MAX_ITEMS: Final = 100
STANDARD_SETS: Final = (
    "vegetables",
    "food",
    "milk",
    "daily_use",
    "washing_care",
    "epidemic_protection",
)
"""Seed 004's six standard sets, in its order."""
OPTIONAL_SETS: Final = ("fruit", "meat", "snacks", "seasonings")
"""The four the seed says may be added as the epidemic changes."""


def load_bundles(path: Path | None = None) -> dict[str, Bundle]:
    """Every bundle by key: the packaged catalogue, with a deployment's file (``path``) adding
    and replacing bundles. InvalidInputError listing every mistake of the file, each located
    as ``<file>: <key>.<field>``."""
    catalogue = dict(_packaged())
    if path is None:
        return catalogue
    return catalogue | parse_bundles(path)


def parse_bundles(source: Path | str, *, where: str | None = None) -> dict[str, Bundle]:
    """The bundles of one catalogue file (a Path) or its TOML text."""
    document, name = settings_document(source, source=where)
    found: dict[str, Bundle] = {}
    problems: list[Problem] = []
    for key, table in document.items():
        located = f"{name}: {key}"
        if not KEY.match(key):
            message = _("a bundle's key is lower-case letters, digits and _, as fruit or rice_5kg")
            problems.append(Problem(located, message))
            continue
        if not isinstance(table, dict):
            problems.append(Problem(located, _("must be a table of the bundle's fields")))
            continue
        mistakes = [Problem(f"{located}.{field}", message) for field, message in _mistakes(table)]
        if mistakes:
            problems += mistakes
        else:
            found[key] = _bundle(key, table)
    if problems:
        raise InvalidInputError(_("the bundles in {source} have mistakes", source=name), problems)
    return found


@cache
def _packaged() -> Mapping[str, Bundle]:
    text = resources.files("peakguard.supply").joinpath("bundles.toml").read_text("utf-8")
    return parse_bundles(text, where="bundles.toml")


def _mistakes(table: Mapping[str, Any]) -> Iterator[tuple[str, Message]]:
    """(field, what is wrong) for every mistake of one bundle's table."""
    for field in table:
        if field not in FIELDS:
            yield field, _("is not a field of a bundle; the fields are {fields}",
                           fields=", ".join(FIELDS))  # fmt: skip
    for field in REQUIRED:
        if field not in table:
            yield field, _("is required")
    for field in ("name_zh", "name_en"):
        value = table.get(field, "x")
        if not isinstance(value, str) or not value.strip() or len(value) > 100:
            yield field, _("must be a name of 1 to 100 characters")
    if not isinstance(table.get("standard", False), bool):
        yield "standard", _("must be true or false")
    for field, most in (("weight_kg", MAX_WEIGHT_KG), ("volume_m3", MAX_VOLUME_M3)):
        value = table.get(field, 1.0)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not 0 < value <= most:
            yield field, _("must be a number more than 0 and at most {most}, not {value!r}",
                           most=most, value=value)  # fmt: skip
    items = table.get("items", [])
    if (
        not isinstance(items, list)
        or len(items) > MAX_ITEMS
        or not all(isinstance(item, str) and item.strip() for item in items)
    ):
        yield "items", _("must be a list of at most {most} texts", most=MAX_ITEMS)


def _bundle(key: str, table: Mapping[str, Any]) -> Bundle:
    return Bundle(
        key=key,
        name_zh=table["name_zh"].strip(),
        name_en=table["name_en"].strip(),
        standard=table.get("standard", False),
        weight_kg=float(table["weight_kg"]),
        volume_m3=float(table["volume_m3"]),
        items=tuple(item.strip() for item in table.get("items", [])),
    )
