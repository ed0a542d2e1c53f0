"""The regulator's command centre (``/app/command``): its territory's map with the hubs coloured
by warning level (a click shows a hub's backlog curve and time to overflow), today's figures
against yesterday's, and the open warnings; a :class:`~.panels.Board` the workflows add to.

The panels here that the carrier's desk shares (the day's figures, the open warnings) read the
application layer's :mod:`peakguard.app.situation`, computed once per page.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from peakguard.app.situation import (
    DayComparison,
    DayReason,
    NetworkState,
    OpenWarning,
    choose_day,
    compare_days,
    network_lanes,
)
from peakguard.bulletin.periods import parse_day
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.simulate.warning_rules import level_label
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.command_map import MapPanel, state_of
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.panels import (
    COMMAND_CENTRE,
    Board,
    PanelContext,
    PanelView,
    tables_of,
)
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import Column, TableView, export_response

router = APIRouter(prefix="/app", include_in_schema=False)

NAVIGATION = (
    NavItem(
        "/app/command",
        _("Command centre"),
        Permission.network_read,
        1,
        kinds=frozenset({OrganisationKind.regulator}),
    ),
)

WARNING_ROWS = 50


# -- what the page is asked for ------------------------------------------------------------------


def asked_day(text: str | None) -> date | None:
    return parse_day(text, "day") if text else None


def asked_hour(text: str | None) -> datetime | None:
    """``2026-11-11T16:00`` (China time, as the simulation's clock reads)."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        message = _("{value} is not an hour; write it as 2026-11-11T16:00.", value=text[:40])
        raise InvalidInputError(message, [Problem("at", message)]) from None


# -- the day's figures ---------------------------------------------------------------------------


def day_sentence(comparison: DayComparison | None, reason: DayReason, day: date | None) -> Message:
    if reason is DayReason.no_events or day is None:
        return _("The event lake holds no scan events within your reach yet.")
    if comparison is not None and comparison.so_far:
        return _(
            "Today, {day}, up to {time} (the latest scan event within your reach), against "
            "yesterday up to the same time.",
            day=day.isoformat(),
            time=comparison.current.cutoff.strftime("%H:%M"),
        )
    if reason is DayReason.latest:
        return _(
            "{day}: the latest day with scan events within your reach (none today), against "
            "the day before.",
            day=day.isoformat(),
        )
    return _("{day}, as asked, against the day before.", day=day.isoformat())


def _change(current: float | None, previous: float | None, rate: bool, language: str) -> str:
    if current is None or previous is None:
        return ""
    if rate:
        points = (current - previous) * 100
        return render(_("{change} points", change=f"{points:+.1f}"), language)
    if previous == 0:
        return ""
    return f"{(current - previous) / previous:+.1%}"


def figure_cards(comparison: DayComparison, context: PanelContext) -> list[dict[str, str]]:
    formats, language = context.formats, context.language
    current, previous = comparison.current, comparison.previous

    def count(value: int) -> str:
        return formats.number(value)

    def share(value: float | None) -> str:
        return "—" if value is None else formats.percent(value, decimals=1)

    rows: list[tuple[Message, Any, Any, bool, Any]] = [
        (_("Parcels accepted"), current.accepted, previous.accepted, False, count),
        (_("Parcels delivered"), current.delivered, previous.delivered, False, count),
        (_("Delivered within 72 h"), current.rate_72h, previous.rate_72h, True, share),
        (
            _("Information loss"),
            current.information_loss_rate,
            previous.information_loss_rate,
            True,
            share,
        ),
    ]
    cards = []
    for label, now, before, rate, shown in rows:
        change = _change(now, before, rate, language)
        detail = render(_("day before: {value}", value=shown(before)), language)
        cards.append(
            {
                "label": render(label, language),
                "value": shown(now),
                "detail": f"{detail} ({change})" if change else detail,
            }
        )
    due = render(
        _(
            "{due} parcels reached their 72 hours that day ({before} the day before).",
            due=formats.number(current.due_72h),
            before=formats.number(previous.due_72h),
        ),
        language,
    )
    cards[2]["detail"] += " · " + due
    return cards


class FiguresPanel:
    """The day's figures against the day before's, from the scan events within reach."""

    key = "figures"
    order = 10

    def view(self, context: PanelContext) -> PanelView | None:
        if not context.actor.may(Permission.bulletin_read):
            return None
        lake = context.settings.resolved_event_lake()
        chosen = choose_day(lake, actor=context.actor, asked=context.day)
        state = state_of(context) if context.actor.may(Permission.network_read) else None
        lanes = None
        if state is not None and state.network is not None:
            name = state.network
            lanes = network_lanes(context.store, name, actor=context.actor)
        comparison = compare_days(lake, chosen, actor=context.actor, lanes=lanes)
        language = context.language
        return PanelView(
            key=self.key,
            title=render(_("The day's figures"), language),
            template="command_figures.html",
            values={
                "sentence": render(day_sentence(comparison, chosen.reason, chosen.day), language),
                "cards": figure_cards(comparison, context) if comparison else [],
                "day": chosen.day.isoformat() if chosen.day else "",
                "bulletin": f"/app/bulletins?kind=daily&day={chosen.day}" if chosen.day else "",
            },
        )


# -- the warnings --------------------------------------------------------------------------------


def warning_rows(warnings: tuple[OpenWarning, ...], language: str) -> list[dict[str, Any]]:
    rows = []
    for warning in warnings[:WARNING_ROWS]:
        network = warning.node_id == "(network)"
        rows.append(
            {
                "node_name": render(_("the whole network"), language)
                if network
                else warning.node_name,
                "node_id": "" if network else warning.node_id,
                "level": render(level_label(warning.level), language),
                "start": warning.start,
                "end": warning.end,
                "reason": warning.reasons.get(language) or warning.reasons.get("en", ""),
                "peak_backlog": warning.peak_backlog,
                "peak_storage_utilisation": warning.peak_storage_utilisation,
            }
        )
    return rows


def warnings_table(state: NetworkState, language: str) -> TableView:
    def label(message: Message) -> str:
        return render(message, language)

    note = ""
    if len(state.warnings) > WARNING_ROWS:
        note = label(
            _(
                "The {shown} most severe of {total} open warnings.",
                shown=WARNING_ROWS,
                total=len(state.warnings),
            )
        )
    return TableView(
        key="warnings",
        title=label(_("Open warnings")),
        columns=(
            Column("node_name", label(_("Hub"))),
            Column("node_id", label(_("Node id"))),
            Column("level", label(_("Level"))),
            Column("start", label(_("From"))),
            Column("end", label(_("Until"))),
            Column("reason", label(_("Why"))),
            Column("peak_backlog", label(_("Peak backlog")), digits=0),
            Column(
                "peak_storage_utilisation",
                label(_("Peak share of storage")),
                percent=True,
                digits=1,
            ),
        ),
        rows=warning_rows(state.warnings, language),
        empty=label(_("No warning is open at or after this hour.")),
        note=note,
        filename="open-warnings",
    )


class WarningsPanel:
    """The warnings of the latest simulation in force at the chosen hour or raised after it,
    worst first."""

    key = "warnings"
    order = 30

    def view(self, context: PanelContext) -> PanelView | None:
        state = state_of(context)
        if state.run is None:
            return None
        table = warnings_table(state, context.language)
        return PanelView(
            key=self.key,
            title=table.title,
            template="command_warnings.html",
            values={"table": table},
            tables=(table,),
        )


COMMAND_CENTRE.add(FiguresPanel(), MapPanel(), WarningsPanel())


# -- the page ------------------------------------------------------------------------------------


def board_page(
    request: Request,
    caller: Principal,
    board: Board,
    template: str,
    title: Message,
    *,
    day: str | None,
    at: str | None,
) -> Response:
    """A landing page: its board's panels for ``caller``, or one of their tables as a file."""
    language = page_language(request)
    context = PanelContext(
        request=request,
        actor=caller,
        language=language,
        store=request.app.state.store,
        settings=request.app.state.settings,
        day=asked_day(day),
        at=asked_hour(at),
    )
    views = board.views(context)
    if (exported := export_response(tables_of(views), request, language)) is not None:
        return exported
    return render_page(
        request,
        caller,
        template,
        {
            "panels": views,
            "uses_charts": any(view.charts for view in views),
            "asked_day": day or "",
            "asked_at": at or "",
        },
        title=render(title, language),
    )


@router.get("/command", response_class=HTMLResponse)
def command_centre(
    request: Request,
    caller: Annotated[Principal, page_requires(Permission.network_read)],
    day: str | None = None,
    at: str | None = None,
) -> Response:
    """The regulator's landing page."""
    return board_page(
        request, caller, COMMAND_CENTRE, "command.html", _("Command centre"), day=day, at=at
    )
