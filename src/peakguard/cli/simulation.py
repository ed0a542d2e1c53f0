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
    print_written,
    progress,
    settings,
)
from peakguard.i18n import _
from peakguard.simulate.run import SimulationSummary
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
