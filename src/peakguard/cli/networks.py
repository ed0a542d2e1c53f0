"""``peakguard network``: validate, import, export, list and show express networks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peakguard.app.networks import (
    export_network,
    get_network,
    import_network,
    list_networks,
    read_network_file,
    summarise_network,
)
from peakguard.cli.console import (
    LOCAL,
    handled,
    network_named,
    opened_store,
    print_figures,
    print_table,
    print_written,
    say,
    settings,
    with_progress,
)
from peakguard.domain.summary import NetworkSummary
from peakguard.i18n import _, current_language

network_app = typer.Typer(no_args_is_help=True, help="Express networks: validate, import, export")


@network_app.command("validate")
def network_validate(
    path: Annotated[Path, typer.Argument(help=".yaml, .json, .xlsx, or a folder of CSV files")],
    name: Annotated[str | None, typer.Option(help="name to give the network")] = None,
) -> None:
    """Check a network file and report every mistake with its location; stores nothing."""
    with handled():
        network = with_progress(
            _("Validating"), lambda: read_network_file(path, name, limits=settings().input_limits())
        )
        summary = summarise_network(network)
    say(
        _(
            "{path}: valid network {name} with {nodes} nodes and {lanes} lanes.",
            path=str(path),
            name=network.name,
            nodes=summary.nodes,
            lanes=summary.lanes,
        )
    )
    warn_unrouted(summary)


@network_app.command("import")
def network_import(
    path: Annotated[Path, typer.Argument(help=".yaml, .json, .xlsx, or a folder of CSV files")],
    name: Annotated[str | None, typer.Option(help="name to store it under")] = None,
    replace: Annotated[bool, typer.Option(help="overwrite a stored network of that name")] = False,
) -> None:
    """Validate a network file and store it; nothing is stored if anything is wrong."""
    with handled(), opened_store() as store:
        network = with_progress(
            _("Importing"),
            lambda: import_network(
                store,
                path,
                actor=LOCAL,
                name=name,
                replace=replace,
                limits=settings().input_limits(),
            ),
        )
    say(
        _(
            "Stored network {name}: {nodes} nodes, {lanes} lanes ({backend}).",
            name=network.name,
            nodes=len(network.nodes),
            lanes=len(network.lanes),
            backend=store.backend,
        )
    )


@network_app.command("export")
def network_export(
    name: Annotated[str, typer.Argument(help="stored network name")],
    out: Annotated[Path, typer.Option("--out", help=".yaml, .json, .xlsx, or a folder for CSV")],
) -> None:
    """Write a stored network as YAML, JSON, Excel or CSV tables."""
    with handled():
        with opened_store() as store:
            network = get_network(store, name, actor=LOCAL)
        written = export_network(network, out)
    print_written(written)


@network_app.command("list")
def network_list() -> None:
    """List the stored networks."""
    with handled(), opened_store() as store:
        rows = list_networks(store, actor=LOCAL)
    print_table(
        _("Stored networks"),
        (_("Name"), _("Title"), _("Nodes"), _("Lanes"), _("Source")),
        (
            (row.name, row.title or "", f"{row.nodes:,}", f"{row.lanes:,}", row.source)
            for row in rows
        ),
    )


@network_app.command("show")
def network_show(
    name: Annotated[str, typer.Argument(help="stored network name, or a network file")],
) -> None:
    """A summary table: nodes, lanes, capacities per carrier, routing coverage."""
    with handled():
        network = network_named(name)
        summary = with_progress(_("Summarising"), lambda: summarise_network(network))
    print_summary(summary)


def print_summary(summary: NetworkSummary) -> None:
    """The network's size and capacities, then the same per carrier."""
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
    print_carriers(summary)
    warn_unrouted(summary)


def print_carriers(summary: NetworkSummary) -> None:
    english = current_language() == "en"
    print_table(
        _("By carrier"),
        (
            _("Carrier"),
            _("Hubs"),
            _("Outlets"),
            _("Stations"),
            _("Hub sorting capacity (parcels/day)"),
            _("Normal-day pickups (parcels)"),
        ),
        (
            (
                f"{carrier.name_en if english and carrier.name_en else carrier.name} "
                f"({carrier.code})",
                f"{carrier.hubs:,}",
                f"{carrier.outlets:,}",
                f"{carrier.stations:,}",
                f"{carrier.hub_daily_sorting_capacity:,}",
                f"{carrier.normal_day_pickups:,}",
            )
            for carrier in summary.carriers
        ),
        justify="right",
    )


def warn_unrouted(summary: NetworkSummary) -> None:
    if summary.unrouted_pairs:
        say(
            _(
                "Warning: {count} outlet→station pairs of the same carrier have no route; "
                "add lanes or routing overrides.",
                count=summary.unrouted_pairs,
            ),
            style="yellow",
            stderr=True,
        )
