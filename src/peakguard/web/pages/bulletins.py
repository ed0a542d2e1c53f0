"""The bulletin pages: ``/app/bulletins`` (a daily, weekly or monthly bulletin of service
quality, opening on the latest day with events the reader may see) and the drill-down pages
``/app/bulletins/carriers/{code}`` and ``/app/bulletins/regions/{code}`` (a carrier's or an
origin region's figures, worst nodes and worst origin–destination pairs).

The figures are :func:`~peakguard.app.bulletins.measure_bulletin`'s and
:func:`~peakguard.app.bulletin_drill.measure_drill`'s, for the reader, as
``GET /bulletins/...`` answers them; every table exports to CSV and Excel as shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from peakguard.app.bulletin_drill import (
    Drill,
    Focus,
    FocusKind,
    drill_options,
    event_days_in_reach,
    focus_not_found,
    focus_of,
    measure_drill,
)
from peakguard.app.bulletins import (
    daily_period,
    measure_bulletin,
    monthly_period,
    weekly_period,
)
from peakguard.app.context import event_lake
from peakguard.bulletin import ALL_CARRIERS, Bulletin, Period, PeriodKind, Subject
from peakguard.config import Settings
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Permission, Principal
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.bulletin_views import (
    Link,
    cards,
    carriers_view,
    china_time,
    figures_view,
    legs_chart,
    node_views,
    pairs_chart,
    pairs_view,
    rate_chart,
    regions_view,
)
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import TableView, export_response

BULLETINS = "/app/bulletins"
router = APIRouter(prefix=BULLETINS, include_in_schema=False)
NAVIGATION = (NavItem(BULLETINS, _("Bulletins"), Permission.bulletin_read, 40),)
Reader = Annotated[Principal, page_requires(Permission.bulletin_read)]
"""The API's permission for GET /bulletins/...: the page shows what the API would answer."""

PERIOD_FIELDS = {
    PeriodKind.daily: "day",
    PeriodKind.weekly: "week",
    PeriodKind.monthly: "month",
}
"""The form field (and query parameter) that names each kind's period."""


@dataclass
class Choice:
    """The period the page shows, as the form holds it, with any mistake beside its field."""

    kind: PeriodKind = PeriodKind.daily
    day: str = ""
    week: str = ""
    month: str = ""
    period: Period | None = None
    errors: dict[str, str] = field(default_factory=dict)
    days: list[str] = field(default_factory=list)
    """The China days with events the reader may see, latest first."""

    @property
    def field(self) -> str:
        return PERIOD_FIELDS[self.kind]

    def query(self) -> dict[str, str]:
        """The query that shows this period again (on a drill-down or back on the bulletin)."""
        return {"kind": self.kind.value, self.field: getattr(self, self.field)}


def choose_period(request: Request, actor: Principal, lake: Path) -> Choice:
    """The period asked for in the query, each missing field defaulted from the latest day
    with events in reach; a period that cannot be read is said beside its field."""
    language = page_language(request)
    query = request.query_params
    choice = Choice()
    days = event_days_in_reach(lake, actor=actor)
    choice.days = [day.isoformat() for day in reversed(days)]
    try:
        choice.kind = PeriodKind(query.get("kind") or PeriodKind.daily.value)
    except ValueError:
        choice.errors["kind"] = render(_("Choose daily, weekly or monthly."), language)
        return choice
    latest = days[-1] if days else None
    if latest is not None:
        year, week, _weekday = latest.isocalendar()
        choice.day = latest.isoformat()
        choice.week = f"{year}-W{week:02d}"
        choice.month = f"{latest.year}-{latest.month:02d}"
    for name in ("day", "week", "month"):
        given = query.get(name)
        if given:
            setattr(choice, name, given.strip())
    if latest is None:  # nothing the reader may see: the page says so
        return choice
    try:
        if choice.kind is PeriodKind.daily:
            choice.period = daily_period(choice.day, option_prefix="")
        elif choice.kind is PeriodKind.weekly:
            choice.period = weekly_period(choice.week, None, option_prefix="")
        else:
            choice.period = monthly_period(choice.month, option_prefix="")
    except InvalidInputError as refused:
        choice.errors[choice.field] = _problem_text(refused, language)
    return choice


def _problem_text(error: InvalidInputError, language: str) -> str:
    details = " ".join(render(problem.message, language) for problem in error.problems)
    message = render(error.message, language)
    return details if details and message in details else f"{message} {details}".strip()


def drill_link(choice: Choice) -> Link:
    def link(kind: FocusKind, code: str) -> str:
        part = "carriers" if kind is FocusKind.carrier else "regions"
        return f"{BULLETINS}/{part}/{quote(code, safe='')}?{urlencode(choice.query())}"

    return link


def _lake(request: Request) -> Path:
    settings: Settings = request.app.state.settings
    return event_lake(settings)


def _title(choice: Choice, language: str) -> str:
    names: dict[PeriodKind, Message] = {
        PeriodKind.daily: _("Daily bulletin"),
        PeriodKind.weekly: _("Weekly bulletin"),
        PeriodKind.monthly: _("Monthly bulletin"),
    }
    return render(names[choice.kind], language)


@router.get("")
def bulletin_page(request: Request, actor: Reader) -> Response:
    """The bulletin of the chosen period, with the carrier and region rankings."""
    language = page_language(request)
    lake = _lake(request)
    choice = choose_period(request, actor, lake)
    bulletin: Bulletin | None = None
    if choice.period is not None and not choice.errors:
        try:
            bulletin = measure_bulletin(
                lake,
                choice.period,
                actor=actor,
                source_name=choice.field,
                store=request.app.state.store,
            )
        except InvalidInputError as refused:
            choice.errors[choice.field] = _problem_text(refused, language)
    views: list[TableView] = []
    values: dict[str, Any] = {"choice": choice, "bulletin": bulletin}
    if bulletin is not None:
        link = drill_link(choice)
        views = [
            figures_view(bulletin, ALL_CARRIERS, language, "figures"),
            carriers_view(bulletin, language, link),
            regions_view(bulletin, Subject.origin_province, language, link, key="provinces"),
            regions_view(bulletin, Subject.origin_city, language, link, key="cities"),
        ]
        values |= {
            "cards": cards(bulletin.headline(ALL_CARRIERS), language),
            "charts": {
                "rates": rate_chart(bulletin, language, link),
                "legs": legs_chart(bulletin.headlines, language),
            },
            "cutoff": china_time(bulletin.cutoff),
        }
    exported = export_response(views, request, language)
    if exported is not None:
        return exported
    values |= {"views": views, "uses_charts": bulletin is not None}
    status = 422 if choice.errors else 200
    return render_page(
        request,
        actor,
        "bulletin.html",
        values,
        status=status,
        title=_title(choice, language),
    )


@router.get("/carriers/{code}")
def carrier_drill_page(request: Request, actor: Reader, code: str) -> Response:
    """One carrier's part of the bulletin (another carrier's is not found)."""
    return _drill_page(request, actor, focus_of(FocusKind.carrier, code))


@router.get("/regions/{code}")
def region_drill_page(request: Request, actor: Reader, code: str) -> Response:
    """The part of the bulletin of the parcels accepted in one province or city."""
    return _drill_page(request, actor, focus_of(FocusKind.region, code))


def _drill_page(request: Request, actor: Principal, focus: Focus) -> Response:
    language = page_language(request)
    lake = _lake(request)
    choice = choose_period(request, actor, lake)
    if not choice.days:  # nothing in reach at all: as for a focus out of reach
        raise focus_not_found(focus)
    query = request.query_params
    options = drill_options(
        _number(query.get("rows"), "rows"),
        _number(query.get("min_pair_parcels"), "min_pair_parcels"),
        query.get("pair_level") or None,
    )
    drill: Drill | None = None
    if choice.period is not None and not choice.errors:
        try:
            drill = measure_drill(
                lake, choice.period, focus, actor=actor, options=options, source_name=choice.field
            )
        except InvalidInputError as refused:  # no parcels of the focus in the period
            choice.errors[choice.field] = _problem_text(refused, language)
    views: list[TableView] = []
    values: dict[str, Any] = {
        "choice": choice,
        "focus": focus,
        "drill": drill,
        "options": options,
        "back": f"{BULLETINS}?{urlencode(choice.query())}",
    }
    if drill is not None:
        bulletin = drill.bulletin
        views = [figures_view(bulletin, ALL_CARRIERS, language, "figures")]
        if focus.kind is FocusKind.region:
            views.append(carriers_view(bulletin, language, None))
        if focus.kind is FocusKind.carrier or focus.level == "province":
            views.append(regions_view(bulletin, Subject.origin_city, language, None, key="cities"))
        views += [*node_views(bulletin, language), pairs_view(drill, language)]
        values |= {
            "cards": cards(drill.figures, language),
            "charts": {
                "pairs": pairs_chart(drill, language),
                "legs": legs_chart(bulletin.headlines, language),
            },
            "cutoff": china_time(bulletin.cutoff),
        }
    exported = export_response(views, request, language)
    if exported is not None:
        return exported
    values |= {"views": views, "uses_charts": drill is not None}
    name = focus.code if focus.kind is FocusKind.carrier else f"{focus.name} ({focus.code})"
    title = render(_("{focus} in the bulletin", focus=name), language)
    return render_page(
        request,
        actor,
        "bulletin_drill.html",
        values | {"focus_name": name},
        status=422 if choice.errors else 200,
        title=title,
    )


def _number(text: str | None, where: str) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        message = _("{value} is not a whole number.", value=text)
        raise InvalidInputError(message, [Problem(where, message)]) from None


__all__ = ["NAVIGATION", "Choice", "router"]
