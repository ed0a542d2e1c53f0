"""``peakguard events``: scan events into the event lake, and their retraction
(docs/reference/scan-events.md)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from peakguard.app.context import event_lake
from peakguard.app.events import (
    EventChecks,
    ingest_events,
    read_event_file_table,
    retract_events,
)
from peakguard.cli.console import (
    LOCAL,
    handled,
    opened_store,
    print_figures,
    progress,
    say,
    settings,
)
from peakguard.formats.limits import InputLimits
from peakguard.i18n import _, render

events_app = typer.Typer(
    no_args_is_help=True, help="Scan events: ingest files into the event lake, retract them"
)

LakeOption = Annotated[
    Path | None,
    typer.Option(
        "--lake", help="event lake folder; default PEAKGUARD_EVENT_LAKE or ~/.peakguard/lake"
    ),
]


@events_app.command("ingest")
def ingest_command(
    files: Annotated[
        list[Path],
        typer.Argument(help="scan-event files: .csv, .csv.gz, .parquet or .jsonl"),
    ],
    lake: LakeOption = None,
) -> None:
    """Validate the files and store their events once each; nothing is stored if any row is
    wrong, and sending the same events again stores nothing new."""
    folder = event_lake(settings(), lake)
    limits = settings().input_limits()
    with handled(), progress() as shown:
        task = shown.add_task(render(_("Reading and checking the scan events")), total=None)
        table = read_event_file_table(files, limits=limits)
        shown.update(task, description=render(_("Storing the scan events")))
        with opened_store() as store:
            report = ingest_events(
                store,
                folder,
                table,
                actor=LOCAL,
                source=", ".join(path.name for path in files),
                locate=file_location(files, limits),
                checks=EventChecks.of(settings()),
            )
        shown.update(task, completed=1, total=1)
    print_figures(
        _("Scan events ingested"),
        [
            (_("Events received"), f"{report.received:,}"),
            (_("Repeated inside the files (dropped)"), f"{report.duplicates_in_batch:,}"),
            (_("Already in the lake (dropped)"), f"{report.already_stored:,}"),
            (_("Stored"), f"{report.stored:,}"),
            (_("Partition files written"), f"{report.partitions:,}"),
            (_("Held in the quarantine (not stored)"), f"{report.quarantined:,}"),
        ],
    )
    if report.quarantined:
        say(
            _(
                "{count} events did not fit the registered networks or the clock and are held "
                "in {path} with their reasons; no figure counts them.",
                count=f"{report.quarantined:,}",
                path=str(folder / "quarantine"),
            )
        )
    if not report.network_checked:
        say(
            _(
                "No network is registered: the events' carriers and nodes were not checked "
                "(peakguard network import)."
            )
        )
    say(_("Event lake: {path}", path=str(folder)))


def file_location(files: list[Path], limits: InputLimits) -> Callable[[int, str], str]:
    """Where the ``index``-th event of the files read together is: ``events.csv event 4,
    column node_id`` (the 4th event of that file, counted from 1). The files' sizes are
    counted only when a location is asked for (a refusal), by reading each again."""
    starts: list[int] = []

    def locate(index: int, field: str) -> str:
        if not starts:
            total = 0
            for path in files:
                starts.append(total)
                total += read_event_file_table([path], limits=limits).num_rows
        number = bisect_right(starts, index) - 1
        return render(
            _(
                "{file} event {number}, column {field}",
                file=files[number].name,
                number=index - starts[number] + 1,
                field=field,
            )
        )

    return locate


@events_app.command("retract")
def retract_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="the events to retract, as sent: .csv, .csv.gz, .parquet or .jsonl"),
    ] = None,
    reason: Annotated[
        str, typer.Option("--reason", help="why the events are withdrawn (recorded)")
    ] = "",
    batch: Annotated[
        str | None,
        typer.Option("--batch", help="the batch id an ingest reported; with files, only its"),
    ] = None,
    lake: LakeOption = None,
) -> None:
    """Withdraw stored events by a retraction recorded in the lake and the audit trail; the
    events are never deleted, and an event sent again after its retraction is stored again."""
    folder = event_lake(settings(), lake)
    with handled():
        keys = read_event_file_table(files, limits=settings().input_limits()) if files else None
        with opened_store() as store:
            done = retract_events(
                store,
                folder,
                actor=LOCAL,
                reason=reason,
                batch=batch,
                keys=keys,
                locate=_file_location,
            )
    print_figures(
        _("Scan events retracted"),
        [
            (_("Retraction"), done.id if done.retracted else "-"),
            (_("Retracted"), f"{done.retracted:,}"),
            (_("Already retracted"), f"{len(done.already_retracted):,}"),
            (_("Batches"), ", ".join(done.batches) or "-"),
        ],
    )


def _file_location(index: int, field: str) -> str:
    return render(_("event {number} of the files, column {field}", number=index + 1, field=field))
