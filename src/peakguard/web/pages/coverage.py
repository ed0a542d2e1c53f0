"""Pages: public service during controls (异地分区覆盖集散), seed 004
(docs/reference/coverage-plans.md).

- ``/app/coverage`` (``network.read``): the coverage plans within reach, newest first; for a
  planner (``plan.run``) the form to plan a closed region, every mistake beside its field.
- ``/app/coverage/{plan_id}`` (``network.read``): one plan — the reasons in words, the backup
  centres and why each was or was not chosen, the split (each part with its volume and centre),
  the sorting depth and targets, the changed routing (经转) and transport relations.

The application layer decides what the reader sees (:mod:`peakguard.app.coverage`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from peakguard.app.access import reach
from peakguard.app.coverage import (
    CoverageView,
    get_coverage_plan,
    list_coverage_plans,
    plan_area_coverage,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import ForbiddenError, InvalidInputError, NotFoundError, Problem
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Permission, Principal
from peakguard.optimize.coverage import SortingDepth
from peakguard.optimize.coverage_parts import depth_label
from peakguard.store.database import Store
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import Column, TableView, export_response

COVERAGE = "/app/coverage"
router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = (
    NavItem(COVERAGE, _("Coverage of closed areas"), Permission.network_read, 34),
)
Reader = Annotated[Principal, page_requires(Permission.network_read)]
Planner = Annotated[Principal, page_requires(Permission.plan_run)]
FORM_FIELDS = ("network", "region", "start", "end", "depth", "carrier")
STATUS_LABELS: dict[str, Message] = {
    "chosen": _("Chosen"),
    "not_needed": _("Not needed"),
    "manual": _("No automated sorter"),
    "no_spare": _("No spare capacity"),
    "too_far": _("Too far by road"),
}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _when(moment: datetime) -> str:
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def _list_table(request: Request, caller: Principal, language: str) -> TableView:
    def label(message: Message) -> str:
        return render(message, language)

    rows: list[dict[str, Any]] = [
        {
            "id": view.id,
            "link": f"{COVERAGE}/{view.id}",
            "region": f"{view.region_name} ({view.region})",
            "carrier": view.carrier,
            "network": view.network,
            "period": f"{_when(view.start)} – {_when(view.end)}",
            "centres": ", ".join(view.centres),
            "parcels": view.parcels,
            "unabsorbed": view.unabsorbed_parcels,
        }
        for view in list_coverage_plans(_store(request), caller)
    ]
    return TableView(
        key="coverage",
        title=label(_("Coverage plans")),
        columns=(
            Column("id", label(_("Plan")), link="link"),
            Column("region", label(_("Closed region"))),
            Column("carrier", label(_("Carrier"))),
            Column("network", label(_("Network"))),
            Column("period", label(_("Closed period (China time)"))),
            Column("centres", label(_("Backup centres"))),
            Column("parcels", label(_("Parcels a day")), digits=0),
            Column("unabsorbed", label(_("Not covered, parcels a day")), digits=0),
        ),
        rows=rows,
        empty=label(_("No coverage plan within your reach.")),
    )


def _list_page(
    request: Request,
    caller: Principal,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    language = page_language(request)
    view = _list_table(request, caller, language)
    if (exported := export_response([view], request, language)) is not None:
        return exported
    depths = [(depth.value, render(depth_label(depth), language)) for depth in SortingDepth]
    page = {
        "table_view": view,
        "here": str(request.url),
        "may_plan": caller.may(Permission.plan_run),
        "form": values or dict.fromkeys(FORM_FIELDS, ""),
        "errors": errors or {},
        "depths": depths,
    }
    return render_page(request, caller, "coverage.html", page, status=status, title=view.title)


@router.get("/coverage")
def coverage_page(request: Request, caller: Reader) -> Response:
    return _list_page(request, caller)


def _moment(text: str, where: str, problems: list[Problem]) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        problems.append(Problem(where, _("give a date and time such as 2026-11-12T00:00")))
        return None


def _refused_field(caller: Principal, values: dict[str, str]) -> str:
    """The form field a refusal is about: another brand than the caller's, a region outside
    its territory, else the network (not found, or not the caller's to read)."""
    scope = reach(caller)
    if scope.carrier is not None and values["carrier"] not in ("", scope.carrier):
        return "carrier"
    if not scope.everything and not values["region"].startswith(scope.prefix):
        return "region"
    return "network"


@router.post("/coverage")
async def plan_form(request: Request, caller: Planner) -> Response:
    """Make the plan; back to the form with every mistake beside its field."""
    language = page_language(request)
    form = await request.form()
    values = {name: str(form.get(name, "") or "")[:200].strip() for name in FORM_FIELDS}
    await form.close()
    problems: list[Problem] = []
    start = _moment(values["start"], "start", problems)
    end = _moment(values["end"], "end", problems)
    depth = None
    if values["depth"]:
        try:
            depth = SortingDepth(values["depth"])
        except ValueError:
            problems.append(Problem("depth", _("choose a sorting depth from the list")))
    if not problems and start is not None and end is not None:
        try:
            view = plan_area_coverage(
                _store(request), caller, values["network"], values["region"], start, end, depth,
                carrier=values["carrier"] or None,
            )  # fmt: skip
        except InvalidInputError as error:
            problems = list(error.problems)
        except (ForbiddenError, NotFoundError) as error:
            problems = [Problem(_refused_field(caller, values), error.message)]
        else:
            return RedirectResponse(f"{COVERAGE}/{view.id}", status_code=303)
    errors = {p.location: render(p.message, language) for p in problems}
    return _list_page(request, caller, values, errors, 422)


@router.get("/coverage/{plan_id}")
def plan_page(request: Request, caller: Reader, plan_id: int) -> Response:
    language = page_language(request)
    view = get_coverage_plan(_store(request), caller, plan_id)
    tables = plan_tables(view, language)
    if (exported := export_response(tables, request, language)) is not None:
        return exported
    values: dict[str, Any] = {
        "plan": view,
        "reasons": [render(m, language) for m in view.reasons],
        "depth": render(depth_label(view.depth), language),
        "period": f"{_when(view.start)} – {_when(view.end)}",
        "tables": tables,
        "here": str(request.url),
    }
    title = render(_("Coverage of {region}", region=view.region_name), language)
    return render_page(request, caller, "coverage_plan.html", values, title=title)


def plan_tables(view: CoverageView, language: str) -> list[TableView]:
    """The centres, the split, the sorting targets, the routing and the transport."""

    def label(message: Message) -> str:
        return render(message, language)

    document = view.rendered(language)
    names = {c["hub"]: c["name"] for c in document["candidates"]}
    part_names = {p["code"]: p["name"] for p in document["parts"]}
    centres = TableView(
        key="centres",
        title=label(_("Backup centres: automation, location, spare capacity")),
        columns=(
            Column("name", label(_("Centre"))),
            Column("status", label(_("Decision"))),
            Column("automated", label(_("Automated sorter"))),
            Column("spare", label(_("Spare a day")), digits=0),
            Column("parcels", label(_("Takes a day")), digits=0),
            Column("nearest_km", label(_("Nearest part, km")), digits=0),
            Column("reason", label(_("Why"))),
        ),
        rows=[
            {
                "name": c["name"],
                "spare": c["spare"],
                "parcels": c["parcels"],
                "nearest_km": c["nearest_km"],
                "reason": c["reason"],
                "status": label(STATUS_LABELS[c["status"]]),
                "automated": label(_("yes")) if c["automated_sorter"] else label(_("no")),
            }
            for c in document["candidates"]
        ],
        filename=f"coverage-{view.id}-centres",
    )
    split = TableView(
        key="split",
        title=label(_("The split: each part, its volume and its centre")),
        columns=(
            Column("name", label(_("Part"))),
            Column("inbound", label(_("Inbound a day")), digits=0),
            Column("outbound", label(_("Outbound a day")), digits=0),
            Column("centre_name", label(_("Centre"))),
            Column("road_hours", label(_("Road hours")), digits=1),
            Column("targets", label(_("Sorted to"))),
            Column("reason", label(_("Why"))),
        ),
        rows=[
            {
                "name": p["name"],
                "inbound": p["inbound"],
                "outbound": p["outbound"],
                "road_hours": p["road_hours"],
                "reason": p["reason"],
                "centre_name": names.get(p["centre"] or "", label(_("not covered"))),
                "targets": ", ".join(t["name"] for t in p["targets"]),
            }
            for p in document["parts"]
        ],
        filename=f"coverage-{view.id}-split",
    )
    return [centres, split, *_relation_tables(view, document, names, part_names, label)]


def _relation_tables(
    view: CoverageView,
    document: dict[str, Any],
    names: dict[str, str],
    part_names: dict[str, str],
    label: Any,
) -> list[TableView]:
    routing = TableView(
        key="routing",
        title=label(_("Changed routing relations (经转关系): origin hub → centre")),
        columns=(
            Column("origin", label(_("Origin hub"))),
            Column("part", label(_("Mail for"))),
            Column("centre", label(_("Now sent to"))),
            Column("previously", label(_("Instead of"))),
        ),
        rows=[
            {
                "origin": r["origin"],
                "part": part_names.get(r["part"], r["part"]),
                "centre": names.get(r["centre"], r["centre"]),
                "previously": ", ".join(r["previously"]),
            }
            for r in document["routing"]
        ],
        empty=label(_("No hub outside the area has a lane into it.")),
        filename=f"coverage-{view.id}-routing",
    )
    transport = TableView(
        key="transport",
        title=label(_("Transport from the centres to the parts (陆运)")),
        columns=(
            Column("centre", label(_("Centre"))),
            Column("part", label(_("Part"))),
            Column("road_km", label(_("Road km")), digits=0),
            Column("road_hours", label(_("Road hours")), digits=1),
            Column("lane", label(_("Lane"))),
        ),
        rows=[
            {
                "road_km": t["road_km"],
                "road_hours": t["road_hours"],
                "centre": names.get(t["centre"], t["centre"]),
                "part": part_names.get(t["part"], t["part"]),
                "lane": t["lane"] or label(_("new road connection")),
            }
            for t in document["transport"]
        ],
        filename=f"coverage-{view.id}-transport",
    )
    return [routing, transport]
