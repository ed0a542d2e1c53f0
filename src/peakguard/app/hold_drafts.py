"""What a stop-sort hold's placing says, checked: every mistake located before anything is
written, and a batch's waybills resolved from the lake's accept events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds

from peakguard.app.case_drafts import clean_text
from peakguard.app.security_evidence import checked_file
from peakguard.cases.holds import MAX_WAYBILLS, HoldScope, HoldState, hold_rules
from peakguard.domain.regions import reference_regions
from peakguard.domain.scans import china_day
from peakguard.domain.text import hidden_character, normalise
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.identity.model import Principal
from peakguard.store.event_files import event_paths
from peakguard.store.event_lake import event_dataset

EVIDENCE_LIMIT = 8000
CODE_LIMIT = 64
MAX_FILES = 10
MAX_WINDOW = timedelta(days=7)
"""A batch's acceptance window is at most a week (a longer one is a typing mistake)."""


@dataclass(frozen=True)
class HoldDraft:
    """What the person placing a hold says."""

    scope: str
    """waybill, bag or batch."""
    carrier: str
    region: str
    """The six-digit region of the place where the item was found."""
    node_id: str
    """Where it was found (the outlet, hub or station)."""
    category: str
    """The suspected item's category (``hold_rules.toml``)."""
    held_from: datetime
    """When it was found: scans after this moment are violations."""
    evidence: str
    """What was seen (files go beside it)."""
    waybills: tuple[str, ...] = ()
    """The waybill (scope waybill), the bag's waybills, or a batch's listed waybills."""
    bag_code: str | None = None
    outlet: str | None = None
    """A batch's outlet; with the window, its waybills come from the lake's accept events."""
    window_start: datetime | None = None
    window_end: datetime | None = None


@dataclass(frozen=True)
class CheckedDraft:
    draft: HoldDraft
    carrier: str
    node_id: str
    evidence: str
    waybills: tuple[str, ...]
    file_names: tuple[str, ...]

    def values(self, actor: Principal, moment: datetime) -> dict[str, Any]:
        draft = self.draft
        return {
            "scope": draft.scope,
            "state": HoldState.held.value,
            "carrier": self.carrier,
            "region": draft.region,
            "node_id": self.node_id,
            "bag_code": _code(draft.bag_code),
            "outlet": _code(draft.outlet),
            "window_start": draft.window_start,
            "window_end": draft.window_end,
            "category": draft.category,
            "held_from": draft.held_from,
            "evidence": self.evidence,
            "placed_by": actor.label(),
            "placing_organisation_id": actor.organisation.id,
            "placing_organisation": actor.organisation.code,
            "created_at": moment,
            "updated_at": moment,
        }


def _code(value: str | None) -> str | None:
    return None if value is None else (normalise(value) or None)


def _code_problem(value: str, where: str) -> Problem | None:
    if not value:
        return Problem(where, _("is required"))
    if len(value) > CODE_LIMIT:
        return Problem(where, _("at most {limit} characters", limit=CODE_LIMIT))
    hidden = hidden_character(value)
    if hidden is not None:
        return Problem(where, _("contains an invisible character {c}", c=hidden))
    return None


def _moment_problems(draft: HoldDraft, now: datetime) -> list[Problem]:
    problems: list[Problem] = []
    moments = (
        ("held_from", draft.held_from),
        ("window_start", draft.window_start),
        ("window_end", draft.window_end),
    )
    for name, moment in moments:
        if moment is not None and moment.tzinfo is None:
            problems.append(Problem(name, _("must carry a time zone")))
    if problems:
        return problems
    if draft.held_from > now:
        problems.append(Problem("held_from", _("is in the future: give when the item was found")))
    return problems


def _scope_problems(draft: HoldDraft, waybills: tuple[str, ...]) -> list[Problem]:
    problems: list[Problem] = []
    if draft.scope == HoldScope.waybill and len(waybills) != 1:
        problems.append(Problem("waybills", _("a waybill hold names exactly one waybill")))
    if draft.scope == HoldScope.bag:
        bag = _code(draft.bag_code) or ""
        problem = _code_problem(bag, "bag_code")
        if problem is not None:
            problems.append(problem)
        if not waybills:
            problems.append(Problem("waybills", _("list the waybills in the bag")))
    if draft.scope == HoldScope.batch:
        window = draft.window_start is not None and draft.window_end is not None
        if not waybills and not (draft.outlet and window):
            message = _("give the outlet and the acceptance window, or list the waybills")
            problems.append(Problem("outlet", message))
        if window:
            assert draft.window_start is not None
            assert draft.window_end is not None
            if draft.window_end <= draft.window_start:
                problems.append(Problem("window_end", _("must be after the window's start")))
            elif draft.window_end - draft.window_start > MAX_WINDOW:
                problems.append(Problem("window_end", _("the window is at most 7 days")))
    if draft.scope != HoldScope.bag and draft.bag_code:
        problems.append(Problem("bag_code", _("is given only for a bag hold")))
    return problems


def _waybill_problems(waybills: Sequence[str]) -> list[Problem]:
    problems = []
    for index, waybill in enumerate(waybills):
        problem = _code_problem(waybill, f"waybills[{index}]")
        if problem is not None:
            problems.append(problem)
    if len(waybills) > MAX_WAYBILLS:
        problems.append(Problem("waybills", _("at most {most} waybills", most=MAX_WAYBILLS)))
    return problems[:200]


def checked_draft(
    draft: HoldDraft,
    *,
    lake: Path | None,
    files: Sequence[tuple[str, bytes]],
    now: datetime,
) -> CheckedDraft:
    """The draft with its waybills resolved; InvalidInputError locating every mistake."""
    problems: list[Problem] = []
    if draft.scope not in set(HoldScope):
        choices = ", ".join(HoldScope)
        problems.append(Problem("scope", _("must be one of {choices}", choices=choices)))
    if draft.category not in hold_rules().categories:
        choices = ", ".join(hold_rules().categories)
        problems.append(Problem("category", _("must be one of {choices}", choices=choices)))
    carrier = normalise(draft.carrier).upper()
    node = normalise(draft.node_id)
    for where, value in (("carrier", carrier), ("node_id", node)):
        problem = _code_problem(value, where)
        if problem is not None:
            problems.append(problem)
    if draft.region not in reference_regions():
        problems.append(Problem("region", _("must be a six-digit GB/T 2260 code")))
    problems += _moment_problems(draft, now)
    evidence = clean_text(draft.evidence, "evidence", problems, EVIDENCE_LIMIT) or ""
    if not evidence:
        problems.append(Problem("evidence", _("is required: describe what was seen")))
    waybills = tuple(normalise(waybill) for waybill in draft.waybills)
    problems += _waybill_problems(waybills)
    problems += _scope_problems(draft, waybills)
    names = _file_names(files, problems)
    if not problems and draft.scope == HoldScope.batch and not waybills:
        waybills = _resolved_batch(draft, carrier, lake, problems)
    if problems:
        raise InvalidInputError(_("The hold has mistakes."), problems)
    return CheckedDraft(draft, carrier, node, evidence, tuple(dict.fromkeys(waybills)), names)


def _file_names(files: Sequence[tuple[str, bytes]], problems: list[Problem]) -> tuple[str, ...]:
    if len(files) > MAX_FILES:
        problems.append(Problem("files", _("at most {most} files", most=MAX_FILES)))
        return ()
    names = []
    for index, (name, content) in enumerate(files):
        try:
            names.append(checked_file(name, content)[0])
        except InvalidInputError as wrong:
            problems += [Problem(f"files[{index}]", item.message) for item in wrong.problems]
    return tuple(names)


def _resolved_batch(
    draft: HoldDraft, carrier: str, lake: Path | None, problems: list[Problem]
) -> tuple[str, ...]:
    assert draft.window_start is not None
    assert draft.window_end is not None
    outlet = _code(draft.outlet) or ""
    found = (
        accepted_waybills(lake, carrier, outlet, draft.window_start, draft.window_end)
        if lake is not None
        else []
    )
    if not found:
        problems.append(
            Problem(
                "outlet",
                _(
                    "{outlet} accepted no {carrier} parcel between {start} and {end} in the "
                    "scan events; check the outlet and the window, or list the waybills",
                    outlet=outlet,
                    carrier=carrier,
                    start=draft.window_start,
                    end=draft.window_end,
                ),
            )
        )
    elif len(found) > MAX_WAYBILLS:
        problems.append(
            Problem(
                "window_end",
                _(
                    "the window holds {count} waybills, more than {most}: split the batch",
                    count=len(found),
                    most=MAX_WAYBILLS,
                ),
            )
        )
    return tuple(found)


def accepted_waybills(
    lake: Path, carrier: str, outlet: str, start: datetime, end: datetime
) -> list[str]:
    """The waybills ``outlet`` of ``carrier`` accepted in ``[start, end)``, from the lake."""
    first, last = china_day(start), china_day(end)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    if not event_paths(lake, days=days):
        return []
    moment = pa.timestamp("us", tz="UTC")
    condition = (
        (ds.field("day") >= pa.scalar(first, pa.date32()))
        & (ds.field("day") <= pa.scalar(last, pa.date32()))
        & (ds.field("carrier") == carrier)
        & (ds.field("node_id") == outlet)
        & (ds.field("event") == "accept")
        & (ds.field("time") >= pa.scalar(start.astimezone(UTC), moment))
        & (ds.field("time") < pa.scalar(end.astimezone(UTC), moment))
    )
    table = event_dataset(lake).to_table(columns=["waybill"], filter=condition)
    return sorted(set(table.column("waybill").to_pylist()))
