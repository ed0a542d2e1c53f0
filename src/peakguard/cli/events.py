"""``peakguard events``: scan events into the event lake (docs/reference/scan-events.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peakguard.app.context import event_lake
from peakguard.app.events import ingest_events, read_event_file_table
from peakguard.cli.console import (
    LOCAL,
    console,
    handled,
    opened_store,
    print_figures,
    progress,
    settings,
)
from peakguard.i18n import _, render

events_app = typer.Typer(no_args_is_help=True, help="Scan events: ingest files into the event lake")

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
    with handled(), progress() as shown:
        task = shown.add_task(render(_("Reading and checking the scan events")), total=None)
        table = read_event_file_table(files)
        shown.update(task, description=render(_("Storing the scan events")))
        with opened_store() as store:
            report = ingest_events(
                store,
                folder,
                table,
                actor=LOCAL,
                source=", ".join(path.name for path in files),
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
        ],
    )
    console.print(render(_("Event lake: {path}", path=str(folder))))
