"""The ``peakguard`` command. Every command calls :mod:`peakguard.workflows` or the core;
errors are rendered in the user's language with their locations and mapped to exit codes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from peakguard import __version__
from peakguard.config import Settings
from peakguard.domain.summary import NetworkSummary, summarise
from peakguard.errors import ConfigurationError, InvalidInputError, PeakguardError
from peakguard.event_commands import events_app
from peakguard.forecast_commands import capacity_command, forecast_command
from peakguard.formats.loading import load_network, save_network
from peakguard.i18n import Message, _, current_language, render, set_language
from peakguard.optimize.releases import StaggerParameters
from peakguard.optimize.stagger import PickupPlan
from peakguard.report_commands import report_app
from peakguard.season_capacity import SeasonCapacity, season_summary
from peakguard.simulate.run import SimulationSummary
from peakguard.simulate.warning_rules import WarningLevel, level_label

console = Console()
errors = Console(stderr=True)
app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="peakguard: 快递业务旺季服务保障"
)
network_app = typer.Typer(no_args_is_help=True, help="Express networks: validate, import, export")
app.add_typer(network_app, name="network")
plan_app = typer.Typer(
    no_args_is_help=True, help="Plans that keep nodes inside capacity: staggered pickup, reroute"
)
app.add_typer(plan_app, name="plan")
app.command("forecast")(forecast_command)
app.command("capacity")(capacity_command)
app.add_typer(events_app, name="events")
app.add_typer(report_app, name="report")

T = TypeVar("T")


class State:
    settings: Settings | None = None


def settings() -> Settings:
    if State.settings is None:
        State.settings = Settings()
    return State.settings


@app.callback()
def main_options(
    language: Annotated[str | None, typer.Option("--lang", help="zh_CN or en")] = None,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="SQLAlchemy URL; default SQLite")
    ] = None,
) -> None:
    """peakguard — peak-season service assurance for express delivery."""
    overrides: dict[str, str] = {}
    if language:
        overrides["language"] = language
    if database_url:
        overrides["database_url"] = database_url
    try:
        State.settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        errors.print(f"[red]{first['loc'][0]}: {first['msg']}[/red]")
        raise typer.Exit(ConfigurationError.exit_code) from None
    set_language(State.settings.language)


@contextmanager
def handled() -> Iterator[None]:
    """Render a :class:`PeakguardError` for a person and exit with its code."""
    try:
        yield
    except InvalidInputError as error:
        errors.print(f"[bold red]{render(error.message)}[/bold red]")
        table = Table(show_header=True, header_style="bold")
        table.add_column(render(_("Where")), overflow="fold")
        table.add_column(render(_("What is wrong")), overflow="fold")
        for problem in error.problems:
            table.add_row(problem.location, render(problem.message))
        errors.print(table)
        errors.print(
            render(
                _(
                    "{count} problem(s) found. Correct them and run the command again.",
                    count=error.total,
                )
            )
        )
        raise typer.Exit(error.exit_code) from None
    except PeakguardError as error:
        errors.print(f"[bold red]{render(error.message)}[/bold red]")
        raise typer.Exit(error.exit_code) from None


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    )


def _with_progress(description: str, work: Callable[[], T]) -> T:
    with _progress() as progress:
        task = progress.add_task(description, total=None)
        result = work()
        progress.update(task, completed=1, total=1)
    return result


@network_app.command("validate")
def network_validate(
    path: Annotated[Path, typer.Argument(help=".yaml, .json, .xlsx, or a folder of CSV files")],
    name: Annotated[str | None, typer.Option(help="name to give the network")] = None,
) -> None:
    """Check a network file and report every mistake with its location; stores nothing."""
    with handled():
        network = _with_progress(render(_("Validating")), lambda: load_network(path, name))
        summary = summarise(network)
    console.print(
        render(
            _(
                "{path}: valid network {name} with {nodes} nodes and {lanes} lanes.",
                path=str(path),
                name=network.name,
                nodes=summary.nodes,
                lanes=summary.lanes,
            )
        )
    )
    _warn_unrouted(summary)


@network_app.command("import")
def network_import(
    path: Annotated[Path, typer.Argument(help=".yaml, .json, .xlsx, or a folder of CSV files")],
    name: Annotated[str | None, typer.Option(help="name to store it under")] = None,
    replace: Annotated[bool, typer.Option(help="overwrite a stored network of that name")] = False,
) -> None:
    """Validate a network file and store it; nothing is stored if anything is wrong."""
    from peakguard.workflows import import_network, open_store

    with handled():
        store = open_store(settings())
        network = _with_progress(
            render(_("Importing")), lambda: import_network(store, path, name=name, replace=replace)
        )
    console.print(
        render(
            _(
                "Stored network {name}: {nodes} nodes, {lanes} lanes ({backend}).",
                name=network.name,
                nodes=len(network.nodes),
                lanes=len(network.lanes),
                backend=store.backend,
            )
        )
    )


@network_app.command("export")
def network_export(
    name: Annotated[str, typer.Argument(help="stored network name")],
    out: Annotated[Path, typer.Option("--out", help=".yaml, .json, .xlsx, or a folder for CSV")],
) -> None:
    """Write a stored network as YAML, JSON, Excel or CSV tables."""
    from peakguard.workflows import get_network, open_store

    with handled():
        network = get_network(open_store(settings()), name)
        written = save_network(network, out)
    for path in written:
        console.print(render(_("Wrote {path}", path=str(path))))


@network_app.command("list")
def network_list() -> None:
    """List the stored networks."""
    from peakguard.store.database import transaction
    from peakguard.store.networks import NetworkRepository
    from peakguard.workflows import open_store

    with handled():
        store = open_store(settings())
        with transaction(store.sessions) as session:
            rows = NetworkRepository(session).summaries()
    table = Table(title=render(_("Stored networks")))
    for header in (_("Name"), _("Title"), _("Nodes"), _("Lanes"), _("Source")):
        table.add_column(render(header))
    for row in rows:
        table.add_row(row.name, row.title or "", f"{row.nodes:,}", f"{row.lanes:,}", row.source)
    console.print(table)


@network_app.command("show")
def network_show(
    name: Annotated[str, typer.Argument(help="stored network name, or a network file")],
) -> None:
    """A summary table: nodes, lanes, capacities per carrier, routing coverage."""
    from peakguard.workflows import get_network, open_store

    with handled():
        candidate = Path(name)
        if candidate.exists():
            network = load_network(candidate)
        else:
            network = get_network(open_store(settings()), name)
        summary = _with_progress(render(_("Summarising")), lambda: summarise(network))
    print_summary(summary)


def print_figures(title: Message, rows: Sequence[tuple[Message, str]]) -> None:
    """A two-column table of labelled figures (labels rendered in the user's language)."""
    table = Table(title=render(title), show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for label, value in rows:
        table.add_row(render(label), value)
    console.print(table)


def print_summary(summary: NetworkSummary) -> None:
    rows = [
        (_("Hubs"), summary.nodes_by_kind.get("hub", 0)),
        (_("Outlets"), summary.nodes_by_kind.get("outlet", 0)),
        (_("Stations"), summary.nodes_by_kind.get("station", 0)),
        (_("Consolidation points"), summary.nodes_by_kind.get("consolidation_point", 0)),
        (_("Lanes"), summary.lanes),
        (_("Regions covered"), summary.regions),
        (_("Hub sorting capacity (parcels/day)"), summary.hub_daily_sorting_capacity),
        (
            _("of which in the home province {code} (parcels/day)", code=summary.home_province),
            summary.home_province_hub_daily_sorting_capacity,
        ),
        (_("Storage capacity (parcels)"), summary.storage_capacity),
        (_("Staff"), summary.staff),
        (_("Vehicles"), summary.vehicles),
        (_("Floor area (m²)"), round(summary.floor_area_m2)),
        (_("Hubs with automated sorters"), summary.automated_hubs),
        (_("Normal-day pickups (parcels)"), summary.normal_day_pickups),
        (_("Outlet→station pairs routed"), summary.routed_pairs),
    ]
    print_figures(
        _("Network {name}", name=summary.title or summary.name),
        [(label, f"{value:,}") for label, value in rows],
    )
    carriers = Table(title=render(_("By carrier")))
    for header in (
        _("Carrier"),
        _("Hubs"),
        _("Outlets"),
        _("Stations"),
        _("Hub sorting capacity (parcels/day)"),
        _("Normal-day pickups (parcels)"),
    ):
        carriers.add_column(render(header), justify="right")
    english = current_language() == "en"
    for carrier in summary.carriers:
        shown = carrier.name_en if english and carrier.name_en else carrier.name
        carriers.add_row(
            f"{shown} ({carrier.code})",
            f"{carrier.hubs:,}",
            f"{carrier.outlets:,}",
            f"{carrier.stations:,}",
            f"{carrier.hub_daily_sorting_capacity:,}",
            f"{carrier.normal_day_pickups:,}",
        )
    console.print(carriers)
    _warn_unrouted(summary)


def _warn_unrouted(summary: NetworkSummary) -> None:
    if summary.unrouted_pairs:
        errors.print(
            "[yellow]"
            + render(
                _(
                    "Warning: {count} outlet→station pairs of the same carrier have no route; "
                    "add lanes or routing overrides.",
                    count=summary.unrouted_pairs,
                )
            )
            + "[/yellow]"
        )


@app.command("demo")
def demo(
    out: Annotated[Path, typer.Option("--out", help="folder for the report")] = Path(
        "peakguard-output"
    ),
    seed: Annotated[int, typer.Option(help="random seed of the demo network")] = 2016,
    language: Annotated[
        str | None, typer.Option("--lang", help="zh_CN or en (as the global --lang)")
    ] = None,
) -> None:
    """Build the Sichuan demo network, store it, and write its HTML report."""
    from peakguard.workflows import open_store, run_demo

    if language:
        main_options(language=language, database_url=settings().database_url)

    labels = {
        "build": _("Building the Sichuan demo network"),
        "store": _("Storing it"),
        "summarise": _("Deriving routes and totals"),
        "simulate": _("Simulating the Double 11 season"),
        "report": _("Writing the report"),
        "plan": _("Planning staggered pickup, the reroute and reserves, checked by simulation"),
        "capacity": _("Forecasting the season and sizing the reserves by simulation"),
        "bulletin": _("Measuring the season's scan events into the Double 11 bulletin"),
    }
    with handled(), _progress() as progress:
        task = progress.add_task(render(_("Opening the database")), total=len(labels) + 1)

        def step(name: str) -> None:
            progress.update(task, advance=1, description=render(labels[name]))

        store = open_store(settings())
        result = run_demo(store, out, language=settings().language, seed=seed, step=step)
        progress.update(task, advance=1)
    print_summary(result.summary)
    print_simulation(result.season.summary)
    console.print(render(_("Report written to {path}", path=str(result.report.resolve()))))
    console.print(
        render(_("Season report written to {path}", path=str(result.season_report.resolve())))
    )
    console.print(
        render(
            _(
                "Bulletin written to {path} (from {events} scan events of a sample of the "
                "season's parcels, stored in the lake {lake})",
                path=str(result.bulletin.written[0].resolve()),
                events=f"{result.bulletin.ingest.stored:,}",
                lake=str(result.bulletin.lake.resolve()),
            )
        )
    )
    print_plan(result.assurance.plan)
    console.print(
        render(_("Plan report written to {path}", path=str(result.plan_report.resolve())))
    )
    print_season_capacity(result.capacity)
    console.print(
        render(_("Capacity report written to {path}", path=str(result.capacity_report.resolve())))
    )
    console.print(render(_("Database: {backend}", backend=result.database)))


def print_season_capacity(plan: SeasonCapacity) -> None:
    summary = season_summary(plan)
    rows = [
        (_("Hubs needing reserves"), f"{summary['hubs_needing_reserves']:,}"),
        (
            _("Hubs overflowing, without → with the reserves"),
            f"{summary['hubs_overflowing_without']:,} → {summary['hubs_overflowing_with']:,}",
        ),
        (
            _("Nodes overflowing in the season that happened"),
            f"{summary.get('nodes_overflowing_in_outcome_with_reserves', 0):,}",
        ),
    ]
    if "peak_day_error" in summary:
        rows.append(
            (
                _("Peak-day error: forecast, seasonal-naive"),
                f"{summary['peak_day_error']:.1%}, {summary['peak_day_error_seasonal_naive']:.1%}",
            )
        )
    print_figures(_("Season capacity plan"), rows)


@app.command("simulate")
def simulate_command(
    network: Annotated[str, typer.Option("--network", help="network file, or a stored name")],
    scenario: Annotated[Path, typer.Option("--scenario", help="scenario file (.yaml/.json)")],
    out: Annotated[Path, typer.Option("--out", help="folder for the results")],
    events_sample: Annotated[
        float, typer.Option(help="share of parcels to write as scan events (0: none)", min=0, max=1)
    ] = 0.0,
) -> None:
    """Simulate a peak hour by hour: node-hour results, warnings, blockage report drafts."""
    from peakguard.workflows import open_store, run_simulation

    with handled(), _progress() as progress:
        task = progress.add_task(render(_("Simulating")), total=None)
        candidate = Path(network)
        store = None if candidate.exists() else open_store(settings())
        outcome = run_simulation(network, scenario, out, store=store, events_sample=events_sample)
        progress.update(task, completed=1, total=1)
    print_simulation(outcome.result.summary)
    for path in outcome.written:
        console.print(render(_("Wrote {path}", path=str(path))))


def print_simulation(summary: SimulationSummary) -> None:
    rows = [
        (_("Parcels accepted"), f"{summary.accepted:,.0f}"),
        (_("Parcels delivered"), f"{summary.delivered:,.0f}"),
        (_("On-time rate (against the service standards)"), f"{summary.on_time_rate:.1%}"),
        (_("Mean delivery time (hours)"), f"{summary.mean_delivery_hours:.1f}"),
        (_("Left at nodes at the end"), f"{summary.left_at_nodes:,.0f}"),
        (_("Nodes that overflowed"), f"{summary.nodes_overflowing:,}"),
        (_("Node-hours over storage capacity"), f"{summary.overflow_node_hours:,}"),
    ]
    for level in WarningLevel:
        count = summary.warnings_by_level.get(level.name, 0)
        rows.append((_("Warnings at {level}", level=level_label(level)), f"{count:,}"))
    print_figures(_("Simulation"), rows)


@plan_app.command("stagger")
def plan_stagger(
    network: Annotated[str, typer.Option("--network", help="network file, or a stored name")],
    scenario: Annotated[Path, typer.Option("--scenario", help="scenario file (.yaml/.json)")],
    out: Annotated[Path, typer.Option("--out", help="folder for the quotas and the report")],
    releases: Annotated[
        Path | None,
        typer.Option(help="order releases (.csv/.xlsx); default: the scenario's own demand"),
    ] = None,
    window_days: Annotated[
        int, typer.Option(help="without --releases: days each release may wait", min=0, max=14)
    ] = 2,
    sorting_margin: Annotated[float, typer.Option(help="share of sorting capacity to plan to")] = (
        StaggerParameters.sorting_margin
    ),
    storage_margin: Annotated[float, typer.Option(help="share of storage to plan to")] = (
        StaggerParameters.storage_margin
    ),
    check: Annotated[bool, typer.Option(help="check the plan by simulation")] = True,
) -> None:
    """Pickup quotas per origin, carrier and day that keep the nodes inside capacity (错峰发货)."""
    from peakguard.workflows import open_store, run_stagger

    with handled(), _progress() as progress:
        task = progress.add_task(render(_("Planning the pickups")), total=None)
        parameters = StaggerParameters(sorting_margin=sorting_margin, storage_margin=storage_margin)
        candidate = Path(network)
        store = None if candidate.exists() else open_store(settings())
        outcome = run_stagger(
            network,
            scenario,
            out,
            releases_path=releases,
            window_days=window_days,
            parameters=parameters,
            check=check,
            store=store,
            language=settings().language,
        )
        progress.update(task, completed=1, total=1)
    print_plan(outcome.plan)
    for path in outcome.written:
        console.print(render(_("Wrote {path}", path=str(path))))


@plan_app.command("reroute")
def plan_reroute(
    network: Annotated[str, typer.Option("--network", help="network file, or a stored name")],
    scenario: Annotated[Path, typer.Option("--scenario", help="scenario file (.yaml/.json)")],
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
) -> None:
    """Backup hubs for a closed hub, their shares, and the changed routing (调整路由)."""
    from peakguard.workflows import open_store, run_reroute

    with handled(), _progress() as progress:
        task = progress.add_task(render(_("Rerouting around the closure")), total=None)
        candidate = Path(network)
        store = None if candidate.exists() else open_store(settings())
        outcome = run_reroute(
            network, scenario, out, nodes=node, start=start, end=end, check=check, store=store
        )
        progress.update(task, completed=1, total=1)
    for plan in outcome.plans:
        table = Table(title=render(_("Backups for {nodes}", nodes=", ".join(plan.closure.nodes))))
        for header in (
            _("Backup hub"),
            _("Share of parcels"),
            _("Origins"),
            _("Destinations"),
            _("Mean added transit (hours)"),
        ):
            table.add_column(render(header))
        for backup in plan.backups:
            table.add_row(
                backup.hub,
                f"{backup.parcel_share:.1%}",
                str(len(backup.origins)),
                str(len(backup.destinations)),
                f"{backup.mean_added_transit_hours:+.1f}",
            )
        console.print(table)
        if plan.unabsorbed_parcels > 0.5:
            console.print(
                "[yellow]"
                + render(
                    _(
                        "{parcels} parcels no backup can take: re-plan their pickups "
                        "(peakguard plan stagger).",
                        parcels=f"{plan.unabsorbed_parcels:,.0f}",
                    )
                )
                + "[/yellow]"
            )
    for path in outcome.written:
        console.print(render(_("Wrote {path}", path=str(path))))


def print_plan(plan: PickupPlan) -> None:
    rows = [
        (_("Parcels released"), f"{plan.parcels:,.0f}"),
        (_("Parcels picked up later than released"), f"{plan.delayed_parcels:,.0f}"),
        (_("Delay (parcel-days)"), f"{plan.delay_parcel_days:,.0f}"),
        (_("Worst carrier's mean delay (days)"), f"{plan.worst_carrier_delay_days:.2f}"),
        (_("Worst origin's mean delay (days)"), f"{plan.worst_origin_delay_days:.2f}"),
        (_("Shortfalls (shifts and hours over capacity)"), f"{len(plan.shortfalls):,}"),
        (_("Parcels over capacity, summed"), f"{plan.overflow:,.0f}"),
    ]
    print_figures(_("Staggered pickup plan"), rows)
    if plan.within_capacity:
        console.print(render(_("Every node stays inside capacity.")))
    elif plan.hubs_within_capacity:
        console.print(
            render(
                _("Every open hub stays inside capacity; other nodes fall short (shortfalls.csv).")
            )
        )
    else:
        console.print(
            "[yellow]"
            + render(
                _(
                    "No plan stays inside capacity: this is the least-overflow plan; "
                    "shortfalls.csv says where capacity falls short and by how much."
                )
            )
            + "[/yellow]"
        )


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
) -> None:
    """Start the HTTP API (OpenAPI documentation at /docs)."""
    import uvicorn

    from peakguard.api.app import create_app

    with handled():
        application = create_app(settings())
    console.print(
        render(_("Serving on http://{host}:{port} (documentation at /docs)", host=host, port=port))
    )
    uvicorn.run(application, host=host, port=port, log_level="info")


@app.command("version")
def version() -> None:
    """Print the version."""
    console.print(__version__)


def main() -> None:
    app(prog_name="peakguard")


if __name__ == "__main__":  # pragma: no cover
    main()
