"""Stop-sort holds (停止分拣、运输、投递): the rules as data and the hold's life.

When a prohibited item is suspected in a parcel already accepted, the carrier stops its sorting,
transport and delivery at once and reports it (快递暂行条例; the duty's rule key is
``stop_sort_report``). A hold covers one waybill, a bag (its code and the waybills in it) or a
batch (an outlet's acceptance window). From the hold's moment on, any movement scan of a held
waybill is a violation; an ``exception`` scan (the carrier recording the stop) is not. A hold
ends only by its release, with a reason and an outcome (``hold_rules.toml``).

The life of a hold is one legal transition, kept as a table: ``held`` —release→ ``released``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Final

from peakguard.errors import ConflictError
from peakguard.i18n import Message, _

RULE_KEY: Final = "stop_sort_report"
"""The security rule a hold enforces (``cases/security_rules.toml``)."""
MAX_WAYBILLS: Final = 5000
"""Waybills one hold may name (a bag or a batch larger than this is two holds)."""


class HoldScope(StrEnum):
    """What a hold covers."""

    waybill = "waybill"
    bag = "bag"
    batch = "batch"


class HoldState(StrEnum):
    held = "held"
    released = "released"


class HoldStep(StrEnum):
    release = "release"


TRANSITIONS: Final[Mapping[tuple[HoldState, HoldStep], HoldState]] = MappingProxyType(
    {(HoldState.held, HoldStep.release): HoldState.released}
)
"""Every legal step of a hold: (state, step) → the state after it."""


def transition(state: str, step: HoldStep) -> HoldState:
    """The state after ``step`` from ``state``; ConflictError when the step is not legal."""
    target = TRANSITIONS.get((HoldState(state), step))
    if target is None:
        raise ConflictError(
            _("The hold is {state} already: it cannot be released again.", state=state_label(state))
        )
    return target


def found_label(by: str) -> Message:
    """How a violation was found, in words."""
    labels = {
        "ingest": _("when the scans were sent"),
        "sweep": _("by the periodic sweep"),
        "placement": _("when the hold was placed"),
    }
    return labels.get(by, _("by the periodic sweep"))


def scan_label(event: str) -> Message:
    """A scan event in words (the violations' lists and alerts)."""
    labels = {
        "accept": _("accepted"),
        "sort": _("sorted"),
        "depart": _("departed"),
        "arrive": _("arrived"),
        "out_for_delivery": _("out for delivery"),
        "deliver": _("delivered"),
        "exception": _("exception recorded"),
        "return": _("returned"),
    }
    return labels.get(event, _("scanned"))


def scope_label(scope: str) -> Message:
    labels = {
        HoldScope.waybill: _("waybill"),
        HoldScope.bag: _("bag"),
        HoldScope.batch: _("batch"),
    }
    return labels.get(HoldScope(scope), _("waybill"))


def state_label(state: str) -> Message:
    if state == HoldState.released:
        return _("released")
    return _("held")


@dataclass(frozen=True)
class Category:
    """A suspected item's category (禁止寄递物品指导目录)."""

    key: str
    zh: str
    en: str
    serious: bool

    def label(self, language: str | None) -> str:
        return self.zh if (language or "").startswith("zh") else self.en


@dataclass(frozen=True)
class Outcome:
    """How a hold ended."""

    key: str
    zh: str
    en: str

    def label(self, language: str | None) -> str:
        return self.zh if (language or "").startswith("zh") else self.en


@dataclass(frozen=True)
class HoldRules:
    categories: Mapping[str, Category]
    outcomes: Mapping[str, Outcome]
    movement: frozenset[str]
    """Scan events that are a violation after the hold's moment."""
    allowed: frozenset[str]
    local_policy: str


@cache
def hold_rules() -> HoldRules:
    """The packaged rules (``cases/hold_rules.toml``)."""
    text = resources.files("peakguard.cases").joinpath("hold_rules.toml").read_text("utf-8")
    return parse_rules(tomllib.loads(text))


def parse_rules(document: Mapping[str, Any]) -> HoldRules:
    categories = {
        key: Category(key, str(item["zh"]), str(item["en"]), bool(item.get("serious", False)))
        for key, item in document["categories"].items()
    }
    outcomes = {
        key: Outcome(key, str(item["zh"]), str(item["en"]))
        for key, item in document["outcomes"].items()
    }
    movement = frozenset(str(name) for name in document["scans"]["movement"])
    allowed = frozenset(str(name) for name in document["scans"]["allowed"])
    if movement & allowed:
        raise ValueError(f"hold_rules.toml: {sorted(movement & allowed)} both movement and allowed")
    return HoldRules(
        MappingProxyType(categories),
        MappingProxyType(outcomes),
        movement,
        allowed,
        str(document.get("local_policy", "")),
    )


def is_violation(
    event: str,
    scanned_at: datetime,
    *,
    held_from: datetime,
    released_at: datetime | None,
    movement: frozenset[str],
) -> bool:
    """Whether a scan ``event`` at ``scanned_at`` breaks a hold in force from ``held_from``
    (exclusive: the scan that found the item is not a violation) until ``released_at``
    (exclusive: a scan at the release moment is the parcel leaving lawfully)."""
    if event not in movement or scanned_at <= held_from:
        return False
    return released_at is None or scanned_at < released_at
