"""The platforms' schedules of the staggering plans (``/app/plans/schedules…``), as
``GET /plan-schedules…`` answers: a platform sees the schedule it must follow in every plan
carrying its releases and nothing of another platform's; a regulator or carrier its own
organisation's plans, rows within its territory or brand
(:mod:`peakguard.app.plan_schedules`). Installed under ``/app`` by :mod:`.plans`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from peakguard.app.plan_schedules import (
    ScheduleSummary,
    ScheduleView,
    get_schedule,
    list_schedules,
)
from peakguard.i18n import _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.optimize.stagger_platforms import PlatformQuota
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import Column, TableView, export_response

router = APIRouter(include_in_schema=False)
SCHEDULES = "/app/plans/schedules"
NAVIGATION = (
    NavItem(
        SCHEDULES,
        _("Pickup schedules"),
        Permission.plan_read,
        2,
        kinds=frozenset({OrganisationKind.platform}),
    ),
    NavItem(
        SCHEDULES,
        _("Platforms' schedules"),
        Permission.plan_read,
        31,
        # Not the system's: an entry narrowed to a kind is that kind's landing candidate
        # (shell.landing_path), and an administrator lands on the start page.
        kinds=frozenset({OrganisationKind.regulator, OrganisationKind.carrier}),
    ),
)
Reader = Annotated[Principal, page_requires(Permission.plan_read)]
"""The API's permission for the schedules; the application narrows what each reader sees."""


def _platforms_text(item: ScheduleSummary) -> str:
    return ", ".join(code or "—" for code in item.platforms)


@router.get("/plans/schedules")
async def schedules_page(request: Request, caller: Reader) -> Response:
    """The finished staggering plans with a schedule the reader may see, newest first."""
    language = page_language(request)
    found = await run_in_threadpool(list_schedules, request.app.state.store, caller)
    view = TableView(
        key="schedules",
        title=render(_("Staggering plans"), language),
        columns=[
            Column("plan", render(_("Plan"), language), link="url"),
            Column("network", render(_("Network"), language)),
            Column("planned_by", render(_("Planned by"), language)),
            Column("finished_at", render(_("Finished"), language)),
            Column("platforms", render(_("Platforms"), language)),
        ],
        rows=[
            {
                "plan": item.scenario or item.job_id[:8],
                "url": f"{SCHEDULES}/{item.job_id}",
                "network": item.network,
                "planned_by": item.planned_by,
                "finished_at": item.finished_at,
                "platforms": _platforms_text(item),
            }
            for item in found
        ],
        empty=render(_("No staggering plan carries a schedule you may see."), language),
    )
    if (exported := export_response([view], request, language)) is not None:
        return exported
    values: dict[str, Any] = {"table_view": view}
    title = render(_("Pickup schedules"), language)
    return render_page(request, caller, "plan_schedules.html", values, title=title)


@router.get("/plans/schedules/{job_id}")
async def schedule_page(
    request: Request, caller: Reader, job_id: Annotated[str, Path(max_length=64)]
) -> Response:
    """One plan's schedule: per platform, origin and day, the parcels to pick up, and each
    platform's customers counted from release, as far as the reader may see."""
    language = page_language(request)
    view = await run_in_threadpool(
        get_schedule, request.app.state.store, caller, job_id, request.app.state.settings
    )
    views = [quotas_table(view.quotas, language), *customer_tables(view, language)]
    if (exported := export_response(views, request, language)) is not None:
        return exported
    values: dict[str, Any] = {
        "summary": view.summary,
        "platforms": _platforms_text(view.summary),
        "quotas": views[0],
        "customers": views[1:],
    }
    title = render(_("Pickup schedule: {plan}", plan=view.summary.scenario), language)
    return render_page(request, caller, "plan_schedule.html", values, title=title)


def quotas_table(quotas: list[PlatformQuota], language: str) -> TableView:
    """Per platform, origin and day: its parcels to pick up and what it released."""
    return TableView(
        key="platform_quotas",
        title=render(_("Schedule per platform, outlet and day"), language),
        columns=[
            Column("platform", render(_("Platform"), language)),
            Column("origin", render(_("Outlet"), language)),
            Column("carrier", render(_("Carrier"), language)),
            Column("day", render(_("Day"), language)),
            Column("quota", render(_("To pick up (parcels)"), language), digits=0),
            Column("released", render(_("Released that day (parcels)"), language), digits=0),
        ],
        rows=[
            {
                "platform": item.platform or render(_("(no platform)"), language),
                "origin": item.origin,
                "carrier": item.carrier,
                "day": item.day.isoformat(),
                "quota": item.quota,
                "released": item.released,
            }
            for item in quotas
        ],
        note=render(
            _(
                "A platform's share of each outlet's pickup quota: releases of one outlet with "
                "the same window wait in the same proportion."
            ),
            language,
        ),
        empty=render(_("No row of this plan is yours to see."), language),
    )


def customer_tables(view: ScheduleView, language: str) -> list[TableView]:
    """Each platform's customers from release, before (picked up as released) and after."""
    tables = []
    for key, title, groups in (
        (
            "customers_before",
            _("Customers before (releases picked up as released)"),
            view.customers_before,
        ),
        ("customers_after", _("Customers with the plan"), view.customers_after),
    ):
        tables.append(
            TableView(
                key=key,
                title=render(title, language),
                columns=[
                    Column("key", render(_("Platform"), language)),
                    Column("parcels", render(_("Parcels"), language), digits=0),
                    Column(
                        "release_to_delivery_hours",
                        render(_("Release to delivery (hours)"), language),
                        digits=1,
                    ),
                    Column(
                        "late_from_release",
                        render(_("Late, counted from release"), language),
                        digits=0,
                    ),
                    Column(
                        "picked_up_after_release_day",
                        render(_("Picked up after their release day"), language),
                        digits=0,
                    ),
                ],
                rows=[
                    g | {"key": g.get("key") or render(_("(no platform)"), language)}
                    for g in groups
                ],
                empty=render(_("Not checked by simulation."), language),
            )
        )
    return tables
