"""Pages: the security overview (``/app/security``, ``security.read``).

Per territory and carrier, as far as the reader reaches (a regulator its territory, a carrier
its brand): the "three 100 %" (三个100%) from the scan events over the days chosen — per
outlet, carrier, region or day, X-ray at the outlet and at a hub apart — and the watch list for
inspection with its evidence; then the open rectification orders with their clocks, the
stop-sort holds in force and the recent inspections. Every table exports to CSV and Excel as
shown. The application layer decides what the reader sees (:mod:`peakguard.app.security`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from peakguard.app.context import event_lake
from peakguard.app.security import (
    ComplianceReport,
    GroupBy,
    WatchReport,
    compliance,
    deployment_watch_settings,
    parse_group,
    parse_level,
    watchlist,
)
from peakguard.app.supervision import parse_day, parse_region
from peakguard.config import Settings
from peakguard.errors import InvalidInputError
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Permission, Principal
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.security_panels import overview_tables
from peakguard.web.pages.security_tables import compliance_table, watch_table
from peakguard.web.pages.tables import TableView, export_response

SECURITY = "/app/security"
router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = (NavItem(SECURITY, _("Security"), Permission.security_read, 46),)
Reader = Annotated[Principal, page_requires(Permission.security_read)]
"""The API's permission for GET /security/...: the page shows what the API would answer."""
Text = Annotated[str, Query(max_length=64)]
GROUPS: dict[str, Message] = {
    GroupBy.outlet.value: _("Per outlet"),
    GroupBy.carrier.value: _("Per carrier"),
    GroupBy.region.value: _("Per region"),
    GroupBy.day.value: _("Per day"),
}


@dataclass
class Filters:
    """The filters as the form holds them, each mistake beside its field."""

    day_from: str = ""
    day_to: str = ""
    carrier: str = ""
    region: str = ""
    by: str = GroupBy.outlet.value
    errors: dict[str, str] = field(default_factory=dict)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _refusal(error: InvalidInputError, language: str) -> str:
    details = " ".join(render(problem.message, language) for problem in error.problems)
    return details or render(error.message, language)


def _parsed(
    filters: Filters, language: str
) -> tuple[date | None, date | None, str, GroupBy] | None:
    """The filters read, or None with each mistake beside its field."""
    values: dict[str, Any] = {}
    for name, parse in (
        ("day_from", lambda: parse_day(filters.day_from, "day_from")),
        ("day_to", lambda: parse_day(filters.day_to, "day_to")),
        ("region", lambda: parse_region(filters.region)),
        ("by", lambda: parse_group(filters.by)),
    ):
        try:
            values[name] = parse()
        except InvalidInputError as error:
            filters.errors[name] = _refusal(error, language)
    if filters.errors:
        return None
    return values["day_from"], values["day_to"], values["region"], values["by"]


def _reports(
    request: Request, caller: Principal, filters: Filters, language: str
) -> tuple[ComplianceReport | None, WatchReport | None]:
    parsed = _parsed(filters, language)
    if parsed is None:
        return None, None
    day_from, day_to, region, by = parsed
    settings = _settings(request)
    lake = event_lake(settings)
    watch = deployment_watch_settings(settings)
    carrier = filters.carrier.strip().upper() or None
    try:
        figures = compliance(
            lake,
            actor=caller,
            day_from=day_from,
            day_to=day_to,
            carrier=carrier,
            region=region,
            by=by,
            level=parse_level(None, region),
            settings=watch,
        )
    except InvalidInputError as error:
        filters.errors["day_from"] = _refusal(error, language)
        return None, None
    listed = watchlist(
        lake, actor=caller, day=figures.day_to, carrier=carrier, region=region, settings=watch
    )
    return figures, listed


@router.get("/security")
def security_page(
    request: Request,
    caller: Reader,
    day_from: Text = "",
    day_to: Text = "",
    carrier: Text = "",
    region: Text = "",
    by: Text = GroupBy.outlet.value,
) -> Response:
    """The compliance figures, the watch list, the open orders, holds and inspections."""
    language = page_language(request)
    filters = Filters(
        day_from.strip(),
        day_to.strip(),
        carrier.strip(),
        region.strip(),
        by if by in GROUPS else GroupBy.outlet.value,
    )
    figures, listed = _reports(request, caller, filters, language)
    views: list[TableView] = [
        compliance_table(figures, language),
        watch_table(listed, language),
        *overview_tables(request.app.state.store, caller, language),
    ]
    if (exported := export_response(views, request, language)) is not None:
        return exported
    values: dict[str, Any] = {
        "filters": filters,
        "groups": [(value, render(text, language)) for value, text in GROUPS.items()],
        "figures": figures,
        "listed": listed,
        "views": views,
        "notes": [render(note, language) for note in (figures.notes if figures else [])],
    }
    title = render(_("Security"), language)
    return render_page(request, caller, "security.html", values, title=title)
