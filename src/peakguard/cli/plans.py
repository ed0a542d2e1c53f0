"""``peakguard plan stagger|reroute``: plans that keep the nodes inside capacity."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from peakguard.app.bounds import work_bounds
from peakguard.app.plan_schedules import get_schedule, list_schedules
from peakguard.app.plans import (
    RerouteOutcome,
    closure_requests,
    plan_reroute,
    plan_stagger,
    read_releases_file,
    scenario_releases,
    write_reroute_files,
    write_stagger_files,
)
from peakguard.app.settings_files import choose_settings
from peakguard.app.simulation import read_scenario_file
from peakguard.cli.console import (
    LOCAL,
    SettingsOption,
    handled,
    network_named,
    opened_store,
    plain,
    print_figures,
    print_table,
    print_written,
    progress,
    say,
    settings,
)
from peakguard.cli.simulation import NetworkOption, ScenarioOption
from peakguard.i18n import _
from peakguard.optimize.comparison import PlanComparison
from peakguard.optimize.releases import StaggerParameters
from peakguard.optimize.reroute_parameters import RerouteParameters
from peakguard.optimize.stagger import PickupPlan
from peakguard.optimize.stagger_customers import CustomerGroup
from peakguard.optimize.stagger_platforms import PlatformSchedule

plan_app = typer.Typer(
    no_args_is_help=True, help="Plans that keep nodes inside capacity: staggered pickup, reroute"
)


@plan_app.command("stagger")
def plan_stagger_command(
    network: NetworkOption,
    scenario: ScenarioOption,
    out: Annotated[Path, typer.Option("--out", help="folder for the quotas and the report")],
    releases: Annotated[
        Path | None,
        typer.Option(help="order releases (.csv/.xlsx); default: the scenario's own demand"),
    ] = None,
    window_days: Annotated[
        int, typer.Option(help="without --releases: days each release may wait", min=0, max=14)
    ] = 2,
    sorting_margin: Annotated[
        float | None,
        typer.Option(
            help="share of sorting capacity to plan to (default "
            f"{StaggerParameters.sorting_margin}, or the settings file's)"
        ),
    ] = None,
    storage_margin: Annotated[
        float | None,
        typer.Option(
            help="share of storage to plan to (default "
            f"{StaggerParameters.storage_margin}, or the settings file's)"
        ),
    ] = None,
    check: Annotated[bool, typer.Option(help="check the plan by simulation")] = True,
    settings_file: SettingsOption = None,
) -> None:
    """Pickup quotas per origin, carrier and day that keep the nodes inside capacity (错峰发货)."""
    with handled(), progress() as shown:
        task = shown.add_task(plain(_("Planning the pickups")), total=None)
        parameters = choose_settings(settings_file, [StaggerParameters]).get(
            StaggerParameters, sorting_margin=sorting_margin, storage_margin=storage_margin
        )
        chosen = network_named(network)
        season = read_scenario_file(scenario, chosen, limits=settings().input_limits())
        orders = (
            read_releases_file(releases, chosen, season, limits=settings().input_limits())
            if releases is not None
            else scenario_releases(
                chosen, season, window_days=window_days, bounds=work_bounds(settings())
            )
        )
        outcome = plan_stagger(
            chosen,
            season,
            orders,
            actor=LOCAL,
            parameters=parameters,
            check=check,
            bounds=work_bounds(settings()),
        )
        written = write_stagger_files(outcome, out, language=settings().language)
        shown.update(task, completed=1, total=1)
    print_plan(outcome.plan, outcome.comparison)
    if outcome.platforms is not None:
        print_platforms(outcome.platforms)
    print_written(written)


@plan_app.command("reroute")
def plan_reroute_command(
    network: NetworkOption,
    scenario: ScenarioOption,
    out: Annotated[Path, typer.Option("--out", help="folder for the reroute files")],
    node: Annotated[
        list[str] | None,
        typer.Option("--node", help="node to close (repeat); default: the scenario's closures"),
    ] = None,
    start: Annotated[
        datetime | None, typer.Option(help="closure start (with --node), e.g. 2026-11-12T00:00")
    ] = None,
    end: Annotated[datetime | None, typer.Option(help="closure end (with --node)")] = None,
    check: Annotated[bool, typer.Option(help="check the reroute by simulation")] = True,
    settings_file: SettingsOption = None,
) -> None:
    """Backup hubs for a closed hub, their shares, and the changed routing (调整路由)."""
    with handled(), progress() as shown:
        task = shown.add_task(plain(_("Rerouting around the closure")), total=None)
        parameters = choose_settings(settings_file, [RerouteParameters]).get(RerouteParameters)
        chosen = network_named(network)
        season = read_scenario_file(scenario, chosen, limits=settings().input_limits())
        closures = closure_requests(season, node, start, end, option_prefix="--")
        outcome = plan_reroute(
            chosen,
            season,
            closures,
            actor=LOCAL,
            parameters=parameters,
            check=check,
            bounds=work_bounds(settings()),
        )
        written = write_reroute_files(outcome, out)
        shown.update(task, completed=1, total=1)
    print_reroute(outcome)
    print_written(written)


def print_reroute(outcome: RerouteOutcome) -> None:
    for plan in outcome.plans:
        print_table(
            _("Backups for {nodes}", nodes=", ".join(plan.closure.nodes)),
            (
                _("Backup hub"),
                _("Share of parcels"),
                _("Origins"),
                _("Destinations"),
                _("Mean added transit (hours)"),
            ),
            (
                (
                    backup.hub,
                    f"{backup.parcel_share:.1%}",
                    str(len(backup.origins)),
                    str(len(backup.destinations)),
                    f"{backup.mean_added_transit_hours:+.1f}",
                )
                for backup in plan.backups
            ),
        )
        if plan.unabsorbed_parcels > 0.5:
            say(
                _(
                    "{parcels} parcels no backup can take: re-plan their pickups "
                    "(peakguard plan stagger).",
                    parcels=f"{plan.unabsorbed_parcels:,.0f}",
                ),
                style="yellow",
            )


def print_plan(plan: PickupPlan, comparison: PlanComparison | None = None) -> None:
    if comparison is not None:
        print_customers_first(comparison)
    rows = [
        (_("Parcels released"), f"{plan.parcels:,.0f}"),
        (_("Parcels picked up later than released"), f"{plan.delayed_parcels:,.0f}"),
        (_("Delay (parcel-days)"), f"{plan.delay_parcel_days:,.0f}"),
        (_("Worst carrier's mean delay (days)"), f"{plan.worst_carrier_delay_days:.2f}"),
        (_("Worst origin's mean delay (days)"), f"{plan.worst_origin_delay_days:.2f}"),
        (_("Shortfalls (shifts and hours over capacity)"), f"{len(plan.shortfalls):,}"),
        (_("Parcels over capacity, summed"), f"{plan.overflow:,.0f}"),
        (_("Origin-days held at their pickup floor"), f"{plan.origin_days_at_floor:,}"),
    ]
    print_figures(_("Staggered pickup plan"), rows)
    if plan.within_capacity:
        say(_("Every node stays inside capacity."))
    elif plan.hubs_within_capacity:
        say(_("Every open hub stays inside capacity; other nodes fall short (shortfalls.csv)."))
    else:
        say(
            _(
                "No plan stays inside capacity: this is the least-overflow plan; "
                "shortfalls.csv says where capacity falls short and by how much."
            ),
            style="yellow",
        )


def print_customers_first(comparison: PlanComparison) -> None:
    """The first line: whether customers wait longer, the clock started at release; and the
    nodes the plan puts over storage that the releases as released did not."""
    before, after = comparison.customers_before.total, comparison.customers_after.total
    figures = {
        "before_hours": f"{before.release_to_delivery_hours:.1f}",
        "after_hours": f"{after.release_to_delivery_hours:.1f}",
        "before_late": f"{before.late_from_release:,.0f}",
        "after_late": f"{after.late_from_release:,.0f}",
    }
    if comparison.customers_wait_longer:
        say(
            _(
                "Customers wait longer under this plan: from release to delivery {before_hours} "
                "hours on average before, {after_hours} with it; parcels later than their "
                "service standard counted from release, {before_late} before, {after_late} "
                "with it.",
                **figures,
            ),
            style="yellow",
        )
    else:
        say(
            _(
                "Customers do not wait longer under this plan: from release to delivery "
                "{before_hours} hours on average before, {after_hours} with it; parcels later "
                "than their service standard counted from release, {before_late} before, "
                "{after_late} with it.",
                **figures,
            )
        )
    say(
        _(
            '"Before" is the same releases picked up on their release day, with the '
            "scenario's other parcels as background, the same in both runs."
        )
    )
    print_customer_groups(comparison)
    for item in comparison.new_overflow_nodes:
        say(
            _(
                "The plan puts {node} over its storage for {hours} hours (peak {peak}); the "
                "releases as released did not.",
                node=item.node,
                hours=item.overflow_hours_after,
                peak=f"{item.peak_storage_after:.0%}",
            ),
            style="yellow",
        )


def print_customer_groups(comparison: PlanComparison) -> None:
    """Per carrier and per origin, counted from release: before (as released) and with the
    plan."""
    before = {
        (kind, item.key): item
        for kind, items in (
            ("carrier", comparison.customers_before.carriers),
            ("origin", comparison.customers_before.origins),
        )
        for item in items
    }
    rows = []
    for key_kind, kind, items in (
        ("carrier", plain(_("per carrier")), comparison.customers_after.carriers),
        ("origin", plain(_("per origin")), comparison.customers_after.origins),
    ):
        for item in items:
            old = before.get((key_kind, item.key))
            rows.append(
                (
                    kind,
                    item.key,
                    f"{item.parcels:,.0f}",
                    f"{old.release_to_delivery_hours:.1f}" if old else "–",
                    f"{item.release_to_delivery_hours:.1f}",
                    f"{old.late_from_release:,.0f}" if old else "–",
                    f"{item.late_from_release:,.0f}",
                )
            )
    print_table(
        _("Customers, counted from release"),
        (
            _("Customers counted"),
            _("Carrier or origin"),
            _("Parcels released"),
            _("Release to delivery, before (hours)"),
            _("Release to delivery, with the plan (hours)"),
            _("Late from release, before"),
            _("Late from release, with the plan"),
        ),
        rows,
    )


@plan_app.command("schedules")
def plan_schedules_command(
    plan: Annotated[
        str | None, typer.Argument(help="a staggering plan's job id; none: list the plans")
    ] = None,
    platform: Annotated[
        str | None, typer.Option(help="only this platform's schedule (its organisation code)")
    ] = None,
) -> None:
    """The platforms' schedules of the staggering plans run as jobs (错峰发货 per platform)."""
    with handled(), opened_store() as store:
        if plan is None:
            found = list_schedules(store, LOCAL, platform=platform)
            print_table(
                _("Staggering plans with a platform's schedule"),
                (_("Plan"), _("Network"), _("Scenario"), _("Planned by"), _("Platforms")),
                [
                    (s.job_id, s.network, s.scenario, s.planned_by, ", ".join(s.platforms))
                    for s in found
                ],
            )
            return
        view = get_schedule(store, LOCAL, plan, settings(), platform=platform)
    print_platforms(
        PlatformSchedule(
            view.quotas,
            [_group_of(g) for g in view.customers_before],
            [_group_of(g) for g in view.customers_after],
        ),
        every=True,
    )


def _group_of(document: dict[str, Any]) -> CustomerGroup:
    """A platform's customers' figures as the job's result keeps them (the parcels delivered
    are not kept, nor printed: the parcels released stand in)."""
    return CustomerGroup(
        key=str(document["key"]),
        parcels=float(document["parcels"]),
        delivered=float(document["parcels"]),
        release_to_delivery_hours=float(document["release_to_delivery_hours"]),
        late_from_release=float(document["late_from_release"]),
        delayed=float(document["picked_up_after_release_day"]),
    )


MAX_PLATFORM_ROWS = 60
"""Rows of the platforms' schedule printed; platform_quotas.csv holds every one."""


def print_platforms(schedule: PlatformSchedule, *, every: bool = False) -> None:
    """Each platform's schedule (its share of the origins' quotas) and, when checked, its
    customers counted from release. Nothing when no release names a platform (unless
    ``every``: every row printed)."""
    if not any(item.platform for item in schedule.quotas) and not every:
        return
    no_platform = plain(_("(no platform)"))
    rows = [
        (
            item.platform or no_platform,
            item.origin,
            item.day.isoformat(),
            f"{item.quota:,.0f}",
            f"{item.released:,.0f}",
        )
        for item in schedule.quotas
        if item.quota > 0.5 or item.released > 0.5
    ]
    print_table(
        _("Schedule per platform (its share of each origin's quota)"),
        (_("Platform"), _("Origin"), _("Day"), _("To pick up"), _("Released that day")),
        rows if every else rows[:MAX_PLATFORM_ROWS],
    )
    if len(rows) > MAX_PLATFORM_ROWS and not every:
        say(_("platform_quotas.csv holds all {count} rows.", count=f"{len(rows):,}"))
    before = {item.key: item for item in schedule.customers_before}
    customer_rows = [
        (
            item.key or no_platform,
            f"{item.parcels:,.0f}",
            f"{before[item.key].release_to_delivery_hours:.1f}" if item.key in before else "–",
            f"{item.release_to_delivery_hours:.1f}",
            f"{before[item.key].late_from_release:,.0f}" if item.key in before else "–",
            f"{item.late_from_release:,.0f}",
        )
        for item in schedule.customers_after
    ]
    if customer_rows:
        print_table(
            _("Customers per platform, counted from release"),
            (
                _("Platform"),
                _("Parcels released"),
                _("Release to delivery, before (hours)"),
                _("Release to delivery, with the plan (hours)"),
                _("Late from release, before"),
                _("Late from release, with the plan"),
            ),
            customer_rows,
        )
