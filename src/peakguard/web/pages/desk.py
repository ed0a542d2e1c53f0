"""The carrier's network desk (``/app/desk``): its hubs' load (normal-day volume against sorting
capacity, and the latest simulation's peak and warnings), its brand's figures of the day
against the day before, its open warnings; a :class:`~.panels.Board` to which quotas, the cases
forwarded to it and the day's report will add their panels."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from peakguard.app.situation import NetworkState
from peakguard.bulletin.assemble import region_name
from peakguard.domain.regions import prefecture_code
from peakguard.i18n import Message, _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.command import FiguresPanel, WarningsPanel, board_page
from peakguard.web.pages.command_map import level_text, pressure, run_values, state_of
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.panels import NETWORK_DESK, PanelContext, PanelView
from peakguard.web.pages.tables import Column, TableView

router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION = (
    NavItem(
        "/app/desk",
        _("Network desk"),
        Permission.network_read,
        1,
        kinds=frozenset({OrganisationKind.carrier}),
    ),
)
LOAD_ROWS = 60


def load_rows(state: NetworkState, language: str) -> list[dict[str, Any]]:
    simulated = state.run is not None
    rows = []
    for hub in sorted(state.hubs, key=pressure)[:LOAD_ROWS]:
        has_run = simulated and bool(hub.series)
        rows.append(
            {
                "node_name": hub.node.name,
                "node_id": hub.node.id,
                "city": region_name(prefecture_code(hub.node.region)),
                "daily_volume": hub.node.daily_volume,
                "daily_capacity": hub.daily_capacity,
                "load": hub.load,
                "peak_storage_utilisation": hub.peak_storage_utilisation,
                "peak_sorting_utilisation": hub.peak_sorting_utilisation,
                "worst_level": render(level_text(hub.worst_level, has_run), language),
                "level": render(level_text(hub.level, has_run), language),
                "hours_to_overflow": hub.hours_to_overflow,
            }
        )
    return rows


def load_table(state: NetworkState, language: str) -> TableView:
    def label(message: Message) -> str:
        return render(message, language)

    note = label(
        _(
            "Load: the normal day's volume over the day's sorting capacity, from the network. "
            "Peaks and warnings: from the latest simulation; hours to overflow from the hour "
            "shown, empty when the backlog stays below storage to the run's end."
        )
    )
    if len(state.hubs) > LOAD_ROWS:
        shown = _(
            "The {shown} hubs under most pressure of {total}.",
            shown=LOAD_ROWS,
            total=len(state.hubs),
        )
        note = label(shown) + " " + note
    return TableView(
        key="hub_load",
        title=label(_("Hubs' load")),
        columns=(
            Column("node_name", label(_("Hub"))),
            Column("node_id", label(_("Node id"))),
            Column("city", label(_("City"))),
            Column("daily_volume", label(_("Normal day's volume")), digits=0),
            Column("daily_capacity", label(_("Sorting capacity a day")), digits=0),
            Column("load", label(_("Load")), percent=True, digits=1),
            Column(
                "peak_sorting_utilisation",
                label(_("Simulated peak sorting load")),
                percent=True,
                digits=1,
            ),
            Column(
                "peak_storage_utilisation",
                label(_("Simulated peak share of storage")),
                percent=True,
                digits=1,
            ),
            Column("worst_level", label(_("Worst warning of the run"))),
            Column("level", label(_("Warning at the hour shown"))),
            Column("hours_to_overflow", label(_("Hours to overflow")), digits=0),
        ),
        rows=load_rows(state, language),
        empty=label(_("No hub of your brand is in a stored network.")),
        note=note,
        filename="hub-load",
    )


class HubLoadPanel:
    """The brand's hubs: their load on a normal day and in the latest simulation."""

    key = "hub_load"
    order = 20

    def view(self, context: PanelContext) -> PanelView | None:
        state = state_of(context)
        language = context.language
        table = load_table(state, language)
        return PanelView(
            key=self.key,
            title=table.title,
            template="desk_load.html",
            values={
                "table": table,
                **run_values(state, language),
            },
            tables=(table,),
        )


NETWORK_DESK.add(FiguresPanel(), HubLoadPanel(), WarningsPanel())


@router.get("/desk", response_class=HTMLResponse)
def network_desk(
    request: Request,
    caller: Annotated[Principal, page_requires(Permission.network_read)],
    day: str | None = None,
    at: str | None = None,
) -> Response:
    """The carrier's landing page."""
    return board_page(request, caller, NETWORK_DESK, "desk.html", _("Network desk"), day=day, at=at)
