"""Pages: the warnings from observation (监测预警) a duty desk watches.

- ``/app/warnings`` (``warning.read``): the open warnings first, each in its level's colour
  (I red, II orange, III yellow, IV blue) with its node, source (observed now, or projected by
  the simulator started from the observed state), reason and an acknowledge button for the
  duty (``duty.keep``); then every warning listed, exportable; the thresholds are labelled
  local policy.
- ``/app/warnings/{id}`` (``warning.read``): one warning, its figures and its life (raised,
  acknowledged, superseded by or superseding another, cleared).
- ``POST /app/warnings/{id}/acknowledge`` (``duty.keep``): acknowledge; back to the warning.

What a caller sees (its territory's or its brand's nodes) is the application layer's decision
(:mod:`peakguard.app.observed_warnings`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from peakguard.app.observed_warnings import (
    LOCAL_POLICY,
    acknowledge,
    read_warning,
    read_warnings,
    source_label,
    warning_reason,
)
from peakguard.errors import ConflictError, InvalidInputError, Problem
from peakguard.i18n import Message, _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.simulate.warning_rules import WarningLevel, level_label
from peakguard.store.database import Store
from peakguard.store.observed_warnings import WarningRecord
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import Column, TableView, export_response

WARNINGS = "/app/warnings"
router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = (
    NavItem(
        WARNINGS,
        _("Warnings"),
        Permission.warning_read,
        6,
        kinds=frozenset({OrganisationKind.regulator, OrganisationKind.carrier}),
    ),
)
Reader = Annotated[Principal, page_requires(Permission.warning_read)]
Keeper = Annotated[Principal, page_requires(Permission.duty_keep)]
STATE_CHOICES = {
    "open": _("Open (raised or acknowledged)"),
    "all": _("Every state"),
}
LIST_SIZE = 200
WarningId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def state_text(state: str, language: str) -> str:
    labels = {
        "raised": _("raised"),
        "acknowledged": _("acknowledged"),
        "superseded": _("superseded"),
        "cleared": _("cleared"),
    }
    return render(labels.get(state, _("unknown")), language)


def shown(record: WarningRecord, language: str) -> dict[str, object]:
    """A warning as the pages show it."""
    level = WarningLevel(record.level)
    return {
        "id": record.id,
        "link": f"{WARNINGS}/{record.id}",
        "colour": level.name,
        "level": render(level_label(level), language),
        "node": f"{record.node_name} ({record.node_id})",
        "network": record.network_name,
        "state": state_text(record.state, language),
        "raw_state": record.state,
        "source": render(source_label(record.source), language),
        "backlog_source": record.backlog_source,
        "reason": render(warning_reason(record), language),
        "raised_at": record.raised_at,
        "acknowledged_at": record.acknowledged_at,
        "acknowledged_by": record.acknowledged_by or "",
        "ended_at": record.ended_at,
        "supersedes": f"{WARNINGS}/{record.supersedes_id}" if record.supersedes_id else "",
        "supersedes_id": record.supersedes_id,
        "version": record.version,
        "figures": sorted(record.figures.items()),
    }


def warning_table(records: list[WarningRecord], language: str, total: int) -> TableView:
    def label(text: Message) -> str:
        return render(text, language)

    return TableView(
        key="warnings",
        title=render(_("Warnings"), language),
        columns=[
            Column("id", label(_("Id")), link="link"),
            Column("level", label(_("Level"))),
            Column("node", label(_("Node"))),
            Column("network", label(_("Network"))),
            Column("state", label(_("State"))),
            Column("source", label(_("Source"))),
            Column("reason", label(_("Reason"))),
            Column("raised_at", label(_("Raised"))),
            Column("acknowledged_by", label(_("Acknowledged by"))),
        ],
        rows=[shown(record, language) for record in records],  # type: ignore[misc]
        empty=render(_("No warning matches."), language),
        note=render(_("{total} warnings match.", total=total), language) if total else "",
    )


@router.get("/warnings")
def warnings_page(
    request: Request,
    caller: Reader,
    state: Annotated[str, Query(max_length=20)] = "open",
    level: Annotated[str, Query(max_length=2)] = "",
) -> Response:
    """The open warnings by level colour, then every warning matching the filters."""
    language = page_language(request)
    if state not in STATE_CHOICES:
        message = _("{value} is not one of the choices offered", value=state)
        raise InvalidInputError(message, [Problem("state", message)])
    if level and level not in {"1", "2", "3", "4"}:
        message = _("{value} is not one of the choices offered", value=level)
        raise InvalidInputError(message, [Problem("level", message)])
    store = _store(request)
    states = ("raised", "acknowledged") if state == "open" else ()
    chosen = int(level) if level else None
    listed, total = read_warnings(store, actor=caller, limit=LIST_SIZE, states=states, level=chosen)
    view = warning_table(listed, language, total)
    if (exported := export_response([view], request, language)) is not None:
        return exported
    opened, _count = read_warnings(
        store, actor=caller, limit=LIST_SIZE, states=("raised", "acknowledged")
    )
    values = {
        "open": [shown(record, language) for record in opened],
        "view": view,
        "filters": {"state": state, "level": level},
        "states": [(key, render(text, language)) for key, text in STATE_CHOICES.items()],
        "levels": [(str(int(g)), render(level_label(g), language)) for g in WarningLevel],
        "may_ack": caller.may(Permission.duty_keep),
        "policy": render(LOCAL_POLICY, language),
    }
    title = render(_("Warnings"), language)
    return render_page(request, caller, "watch.html", values, title=title)


def _warning_page(
    request: Request, caller: Principal, warning_id: int, *, message: str = "", status: int = 200
) -> Response:
    language = page_language(request)
    record = read_warning(_store(request), warning_id, actor=caller)
    values = {
        "warning": shown(record, language),
        "may_ack": caller.may(Permission.duty_keep) and record.state == "raised",
        "message": message,
        "policy": render(LOCAL_POLICY, language),
    }
    title = render(_("Warning {id}", id=warning_id), language)
    return render_page(request, caller, "watch_warning.html", values, title=title, status=status)


@router.get("/warnings/{warning_id}")
def warning_page(request: Request, caller: Reader, warning_id: WarningId) -> Response:
    """One warning with its figures and its life."""
    return _warning_page(request, caller, warning_id)


@router.post("/warnings/{warning_id}/acknowledge")
def acknowledge_warning(
    request: Request,
    caller: Keeper,
    warning_id: WarningId,
    version: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Acknowledge at the version read; a change since (or a warning no longer raised) shows
    the warning as it now is, with why nothing was recorded."""
    expected = int(version) if version.isdigit() else None
    try:
        acknowledge(_store(request), warning_id, actor=caller, version=expected)
    except ConflictError as error:
        text = render(error.message, page_language(request))
        return _warning_page(request, caller, warning_id, message=text, status=409)
    return RedirectResponse(f"{WARNINGS}/{warning_id}", status_code=303)
