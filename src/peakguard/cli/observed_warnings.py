"""``peakguard warnings``: warnings from observation (监测预警) — evaluate, list, ack, observed,
project. Each command calls the operation its API route calls (``POST /warnings/evaluate``,
``GET /warnings``, ``POST /warnings/{id}/acknowledge``, ``GET /networks/{name}/observed``,
``POST /warnings/projection``), as the local administrator. Thresholds are local policy."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from peakguard.app.bulletins import lake_has_events, parse_moment
from peakguard.app.context import event_lake
from peakguard.app.observed_warnings import (
    LOCAL_POLICY,
    acknowledge,
    observed_state,
    read_warnings,
    source_label,
    warning_reason,
)
from peakguard.app.projection import MAX_HOURS, evaluate_with_projection, project_from_observation
from peakguard.cli.console import LOCAL, handled, opened_store, print_table, say, settings
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.i18n import _, render
from peakguard.simulate.warning_rules import WarningLevel, level_label

observed_warnings_app = typer.Typer(
    no_args_is_help=True,
    help="Warnings from observation: evaluate, list, acknowledge; the observed state; project.",
)

LakeOption = Annotated[
    Path | None, typer.Option(help="the scan-event lake (default: the deployment's)")
]
AtOption = Annotated[
    str | None, typer.Option(help="the moment, with its time zone: 2026-11-11T20:00+08:00")
]


def _at(text: str | None) -> datetime:
    return parse_moment(text, "--at") if text else datetime.now(UTC)


def _lake(chosen: Path | None) -> Path | None:
    folder = event_lake(settings(), chosen)
    return folder if lake_has_events(folder) else None


def _china(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(CHINA_STANDARD_TIME).strftime("%m-%d %H:%M")


@observed_warnings_app.command("evaluate")
def evaluate(
    network: Annotated[str, typer.Argument(help="the stored network's name")],
    at: AtOption = None,
    projection_hours: Annotated[int, typer.Option(min=0, max=MAX_HOURS)] = 24,
    lake: LakeOption = None,
) -> None:
    """Raise, supersede and clear warnings from the observed state and its projection."""
    with handled(), opened_store() as store:
        done = evaluate_with_projection(
            store,
            actor=LOCAL,
            now=_at(at),
            network_name=network,
            events=_lake(lake),
            hours=projection_hours,
        )
    if not done.ran:
        say(_("Another evaluation is running; it does the work."))
        return
    say(
        _(
            "Raised {raised}, superseded {superseded}, cleared {cleared}; {alerts} alert(s) "
            "sent to the duty.",
            raised=len(done.raised),
            superseded=len(done.superseded),
            cleared=len(done.cleared),
            alerts=done.alerts,
        )
    )
    say(LOCAL_POLICY)


@observed_warnings_app.command("list")
def list_warnings(
    state: Annotated[
        list[str] | None, typer.Option(help="open, raised, acknowledged, superseded, cleared")
    ] = None,
    level: Annotated[int | None, typer.Option(min=1, max=4, help="1 (red) … 4 (blue)")] = None,
    network: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
) -> None:
    """The warnings, open first, then the most severe, then the latest."""
    states = {name for value in state or () for name in _states(value)}
    with handled(), opened_store() as store:
        found, total = read_warnings(
            store,
            actor=LOCAL,
            limit=limit,
            states=tuple(sorted(states)),
            level=level,
            network_name=network,
        )
    print_table(
        _("Warnings ({shown} of {total})", shown=len(found), total=total),
        [_("Id"), _("Level"), _("Node"), _("State"), _("Source"), _("Raised"), _("Reason")],
        [
            [
                str(item.id),
                render(level_label(WarningLevel(item.level))),
                f"{item.node_name} ({item.node_id})",
                item.state,
                render(source_label(item.source)),
                _china(item.raised_at),
                render(warning_reason(item)),
            ]
            for item in found
        ],
    )
    say(LOCAL_POLICY)


def _states(value: str) -> tuple[str, ...]:
    return ("raised", "acknowledged") if value == "open" else (value,)


@observed_warnings_app.command("ack")
def ack(
    warning_id: Annotated[int, typer.Argument(min=1, help="the warning's id")],
    version: Annotated[int | None, typer.Option(min=1, help="the version read")] = None,
) -> None:
    """Acknowledge a raised warning (as the duty does)."""
    with handled(), opened_store() as store:
        done = acknowledge(store, warning_id, actor=LOCAL, version=version)
    say(_("Warning {id} acknowledged.", id=done.id))


@observed_warnings_app.command("observed")
def observed(
    network: Annotated[str, typer.Argument(help="the stored network's name")],
    at: AtOption = None,
    window_hours: Annotated[int, typer.Option(min=1, max=168)] = 24,
    lake: LakeOption = None,
) -> None:
    """Each node's backlog (and its source), throughput and capacity now."""
    with handled(), opened_store() as store:
        state = observed_state(
            store, network, actor=LOCAL, at=_at(at), events=_lake(lake), window_hours=window_hours
        )
    print_table(
        _("Observed state of {network} at {at}", network=network, at=_china(state.at)),
        [
            _("Node"),
            _("Backlog"),
            _("Source"),
            _("In"),
            _("Out"),
            _("Sorting per hour"),
            _("Storage"),
            _("Level"),
        ],
        [
            [
                node.node_id,
                "-" if node.backlog is None else f"{node.backlog:.0f}",
                node.backlog_source,
                str(node.arrived),
                str(node.departed),
                f"{node.sorting_capacity_per_hour:.0f}",
                f"{node.storage_capacity:.0f}",
                "-" if node.level is None else render(level_label(WarningLevel(node.level))),
            ]
            for node in state.nodes
        ],
    )
    say(LOCAL_POLICY)


@observed_warnings_app.command("project")
def project(
    network: Annotated[str, typer.Argument(help="the stored network's name")],
    at: AtOption = None,
    hours: Annotated[int, typer.Option(min=1, max=MAX_HOURS)] = 24,
    lake: LakeOption = None,
) -> None:
    """The next hours of each node's backlog, simulated from the observed state."""
    with handled(), opened_store() as store:
        made = project_from_observation(store, LOCAL, network, _at(at), hours, events=_lake(lake))
    rows = []
    for index, node in enumerate(made.node_ids):
        series = made.backlog[index]
        storage = float(made.storage[index])
        full = [hour for hour, value in enumerate(series.tolist()) if value >= storage - 1e-9]
        start = made.observed.get(node, (0.0, "none"))
        rows.append(
            [
                node,
                f"{start[0]:.0f} ({start[1]})",
                f"{series.max(initial=0.0):.0f}",
                f"{series.max(initial=0.0) / storage:.0%}" if storage > 0 else "-",
                str(full[0]) if full else "-",
            ]
        )
    print_table(
        _(
            "Projection of {network} for {hours} h from {at}",
            network=network,
            hours=hours,
            at=_china(made.start),
        ),
        [_("Node"), _("Observed"), _("Peak"), _("Peak ÷ storage"), _("Hours to full")],
        rows,
    )
    if made.left_out:
        say(_("Left out (no route through them): {nodes}", nodes=", ".join(made.left_out)))
    say(LOCAL_POLICY)
