"""Pages: supervision of staggered shipping and of unauthorised stops of pickup or delivery.

``/app/supervision`` (``report.read``): for the day chosen (default: the lake's latest), the
outlets that stopped pickup and the stations that stopped delivery within the reader's
territory or brand — flagged unless an approved closure covers them — and, for the network
chosen, each origin's pickups against the quotas of its staggered pickup plan in force. Both
tables export to CSV and Excel as shown. The application layer decides what the reader sees
(:mod:`peakguard.app.supervision`); the page shows what it answers, as the API does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from peakguard.app.context import event_lake
from peakguard.app.supervision import (
    StopReport,
    latest_lake_day,
    parse_day,
    parse_region,
    supervised_networks,
    unauthorised_stops,
)
from peakguard.app.supervision_quotas import QuotaReport, quota_deviations
from peakguard.cases.stops import DeviationKind, StopKind, stop_reason
from peakguard.config import Settings
from peakguard.errors import InvalidInputError, NotFoundError
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Permission, Principal
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import Column, TableView, Value, export_response

SUPERVISION = "/app/supervision"
router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = (
    NavItem(SUPERVISION, _("Supervision"), Permission.report_read, 45),
)
Reader = Annotated[Principal, page_requires(Permission.report_read)]
"""The API's permission for GET /supervision/...: the page shows what the API would answer."""
Text = Annotated[str, Query(max_length=64)]

SHOW = {"flagged": _("Flagged stops only"), "all": _("Every stop, excused ones too")}
STOP_KINDS: dict[str, Message] = {
    StopKind.pickup.value: _("Stopped pickup (停收)"),
    StopKind.delivery.value: _("Stopped delivery (停投)"),
}
DEVIATIONS: dict[str, Message] = {
    DeviationKind.over.value: _("Over quota"),
    DeviationKind.under.value: _("Under quota"),
    DeviationKind.within.value: _("Within tolerance"),
}


@dataclass
class Filters:
    """The filters as the form holds them, each mistake beside its field."""

    network: str = ""
    day: str = ""
    region: str = ""
    show: str = "flagged"
    errors: dict[str, str] = field(default_factory=dict)


def _refusal(error: InvalidInputError | NotFoundError, language: str) -> str:
    problems = getattr(error, "problems", ())
    details = " ".join(render(problem.message, language) for problem in problems)
    return details or render(error.message, language)


def _labeller(language: str) -> Callable[[Message], str]:
    def label(message: Message) -> str:
        return render(message, language)

    return label


def stops_table(report: StopReport | None, language: str, every: bool) -> TableView:
    """The stops of the day (flagged only unless ``every``), with their reasons."""
    label = _labeller(language)
    rows: list[dict[str, Value]] = []
    for stop in [] if report is None else (report.stops if every else report.flagged):
        rows.append(
            {
                "node": stop.node.id,
                "network": stop.node.network,
                "carrier": stop.node.carrier,
                "region": stop.node.region,
                "kind": label(STOP_KINDS[stop.kind.value]),
                "count": stop.count,
                "normal": stop.normal,
                "share": stop.share,
                "flagged": label(_("Flagged") if stop.flagged else _("Excused")),
                "reason": label(stop_reason(stop)),
            }
        )
    note = ""
    if report is not None:
        note = label(
            _(
                "{judged} outlets and stations judged on {day}; {flagged} flagged. A day below "
                "{share} % of the node's normal day is a stop; nodes whose normal day is under "
                "{minimum} parcels are not judged (local policy).",
                judged=report.judged,
                day=report.day.isoformat(),
                flagged=len(report.flagged),
                share=round(report.policy.stop_share * 100),
                minimum=round(report.policy.minimum_normal),
            )
        )
    return TableView(
        key="stops",
        title=label(_("Stops of pickup or delivery")),
        columns=(
            Column("node", label(_("Node"))),
            Column("network", label(_("Network"))),
            Column("carrier", label(_("Carrier"))),
            Column("region", label(_("Region"))),
            Column("kind", label(_("Stop"))),
            Column("count", label(_("Parcels that day")), digits=0),
            Column("normal", label(_("Normal day")), digits=0),
            Column("share", label(_("Share of normal")), percent=True, digits=0),
            Column("flagged", label(_("Status"))),
            Column("reason", label(_("Reason"))),
        ),
        rows=rows,
        empty=label(_("No outlet or station within your reach stopped that day.")),
        note=note,
        filename="stops",
    )


def quotas_table(report: QuotaReport | None, language: str, every: bool) -> TableView:
    """Each origin's pickups against its quota (the deviations only unless ``every``)."""
    label = _labeller(language)
    rows: list[dict[str, Value]] = []
    for row, plan in [] if report is None else (report.rows if every else report.deviations):
        rows.append(
            {
                "origin": row.origin,
                "carrier": row.carrier,
                "day": row.day,
                "quota": row.quota,
                "released": row.released,
                "picked_up": row.picked_up,
                "difference": row.difference,
                "allowed": row.allowed,
                "kind": label(DEVIATIONS[row.kind.value]),
                "plan": plan[:8],
            }
        )
    note = ""
    if report is not None:
        note = label(
            _(
                "{compared} origin-days compared with the plans in force; a deviation strays "
                "more than the larger of {share} % of the quota and {parcels} parcels (local "
                "policy).",
                compared=len(report.rows),
                share=round(report.tolerance.share * 100),
                parcels=round(report.tolerance.parcels),
            )
        )
    return TableView(
        key="quotas",
        title=label(_("Pickups against quotas")),
        columns=(
            Column("origin", label(_("Origin"))),
            Column("carrier", label(_("Carrier"))),
            Column("day", label(_("Day"))),
            Column("quota", label(_("Quota")), digits=0),
            Column("released", label(_("Released (agreed)")), digits=0),
            Column("picked_up", label(_("Picked up")), digits=0),
            Column("difference", label(_("Difference")), digits=0),
            Column("allowed", label(_("Allowed")), digits=0),
            Column("kind", label(_("Deviation"))),
            Column("plan", label(_("Plan"))),
        ),
        rows=rows,
        empty=label(
            _("No origin strays from its quota beyond the tolerance.")
            if report is None or report.plans
            else _("No staggered pickup plan of this network has finished: no quota to compare.")
        ),
        note=note,
        filename="quotas",
    )


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _stops(request: Request, caller: Principal, filters: Filters) -> StopReport | None:
    language = page_language(request)
    try:
        day = parse_day(filters.day)
    except InvalidInputError as error:
        filters.errors["day"] = _refusal(error, language)
        return None
    try:
        region = parse_region(filters.region)
    except InvalidInputError as error:
        filters.errors["region"] = _refusal(error, language)
        return None
    if day is None:
        return None
    return unauthorised_stops(
        request.app.state.store,
        event_lake(_settings(request)),
        actor=caller,
        day=day,
        region=region,
        network=filters.network or None,
    )


def _quotas(request: Request, caller: Principal, filters: Filters) -> QuotaReport | None:
    if not filters.network or "day" in filters.errors:
        return None
    settings = _settings(request)
    try:
        return quota_deviations(
            request.app.state.store,
            event_lake(settings),
            settings.home.expanduser(),
            actor=caller,
            network=filters.network,
            day=parse_day(filters.day),
        )
    except NotFoundError as error:
        filters.errors["network"] = _refusal(error, page_language(request))
        return None


@router.get("/supervision")
def supervision_page(
    request: Request,
    caller: Reader,
    network: Text = "",
    day: Text = "",
    region: Text = "",
    show: Text = "flagged",
) -> Response:
    """The day's stops and, for the network chosen, the pickups against the plans' quotas."""
    language = page_language(request)
    store = request.app.state.store
    networks = supervised_networks(store, actor=caller)
    latest: date | None = latest_lake_day(event_lake(_settings(request)))
    filters = Filters(
        network=network.strip() or (networks[0] if len(networks) == 1 else ""),
        day=day.strip() or (latest.isoformat() if latest else ""),
        region=region.strip(),
        show=show if show in SHOW else "flagged",
    )
    stops = _stops(request, caller, filters)
    quotas = _quotas(request, caller, filters)
    every = filters.show == "all"
    views = [stops_table(stops, language, every), quotas_table(quotas, language, every)]
    if (exported := export_response(views, request, language)) is not None:
        return exported
    values: dict[str, Any] = {
        "filters": filters,
        "networks": networks,
        "shows": [(value, render(text, language)) for value, text in SHOW.items()],
        "stops": stops,
        "quotas": quotas,
        "views": views,
        "stop_notes": [render(note, language) for note in (stops.notes if stops else [])],
        "quota_notes": [render(note, language) for note in (quotas.notes if quotas else [])],
    }
    title = render(_("Supervision"), language)
    return render_page(request, caller, "supervision.html", values, title=title)
