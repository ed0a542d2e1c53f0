"""``peakguard simulate``: a peak played through a network hour by hour."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peakguard.app.bounds import work_bounds
from peakguard.app.settings_files import choose_settings
from peakguard.app.simulation import read_scenario_file, simulate_scenario, write_simulation_files
from peakguard.cli.console import (
    LOCAL,
    SettingsOption,
    handled,
    network_named,
    plain,
    print_figures,
    print_table,
    print_written,
    progress,
    say,
    settings,
)
from peakguard.i18n import _
from peakguard.simulate.gridlock import find_gridlocks
from peakguard.simulate.run import SimulationResult, SimulationSummary
from peakguard.simulate.warning_rules import WarningLevel, WarningThresholds, level_label

NetworkOption = Annotated[str, typer.Option("--network", help="network file, or a stored name")]
ScenarioOption = Annotated[Path, typer.Option("--scenario", help="scenario file (.yaml/.json)")]


def simulate_command(
    network: NetworkOption,
    scenario: ScenarioOption,
    out: Annotated[Path, typer.Option("--out", help="folder for the results")],
    events_sample: Annotated[
        float, typer.Option(help="share of parcels to write as scan events (0: none)", min=0, max=1)
    ] = 0.0,
    settings_file: SettingsOption = None,
) -> None:
    """Simulate a peak hour by hour: node-hour results, warnings, blockage report drafts.
    A settings file's \\[warnings] section replaces the scenario's warning thresholds."""
    with handled(), progress() as shown:
        task = shown.add_task(plain(_("Simulating")), total=None)
        chosen_settings = choose_settings(settings_file, [WarningThresholds])
        chosen = network_named(network)
        outcome = simulate_scenario(
            chosen,
            read_scenario_file(scenario, chosen, limits=settings().input_limits()),
            actor=LOCAL,
            bounds=work_bounds(settings()),
            events_sample=events_sample,
            warnings=chosen_settings.given_section(WarningThresholds),
        )
        written = write_simulation_files(outcome, out)
        shown.update(task, completed=1, total=1)
    print_simulation(outcome.result.summary)
    print_gridlocks(outcome.result)
    print_written(written)


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


GRIDLOCKS_SHOWN = 20
"""Gridlocks printed (the longest); summary.json has every one."""


def print_gridlocks(result: SimulationResult) -> None:
    """The run's gridlocks, longest first (nothing when there is none): the hubs refusing each
    other's parcels for want of room, from when, for how long, who waits for room at whom."""
    gridlocks = sorted(find_gridlocks(result.run), key=lambda g: (-g.hours, g.start_hour))
    if not gridlocks:
        return
    names = {node.id: node.name for node in result.network.nodes}
    rows = [
        (
            ", ".join(names.get(hub, hub) for hub in gridlock.hubs),
            result.scenario.moment(gridlock.start_hour).strftime("%Y-%m-%d %H:%M"),
            f"{gridlock.hours:,}" + ("+" if gridlock.to_the_end else ""),
            "; ".join(
                f"{names.get(wait.hub, wait.hub)} → {names.get(wait.waits_for, wait.waits_for)}"
                f" {wait.parcels:,.0f}"
                for wait in gridlock.waits
            ),
        )
        for gridlock in gridlocks[:GRIDLOCKS_SHOWN]
    ]
    print_table(
        _("Gridlock: hubs full and refusing each other's parcels"),
        [_("Hubs"), _("From (China time)"), _("Hours"), _("Waits for room at (parcels held back)")],
        rows,
    )
    if len(gridlocks) > GRIDLOCKS_SHOWN:
        say(
            _(
                "The {shown} longest of {count} gridlocks; summary.json lists them all.",
                shown=GRIDLOCKS_SHOWN,
                count=len(gridlocks),
            )
        )
