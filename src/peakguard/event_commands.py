"""``peakguard events``: scan events into the event lake (docs/reference/scan-events.md).

Registered in :mod:`peakguard.cli` with ``app.add_typer(events_app, name="events")``. The CLI's
helpers are imported inside the commands, so this module can be imported by ``peakguard.cli``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peakguard.i18n import _, render

events_app = typer.Typer(no_args_is_help=True, help="Scan events: ingest files into the event lake")


@events_app.command("ingest")
def ingest_command(
    files: Annotated[
        list[Path],
        typer.Argument(help="scan-event files: .csv, .csv.gz, .parquet or .jsonl"),
    ],
    lake: Annotated[
        Path | None,
        typer.Option(
            "--lake", help="event lake folder; default PEAKGUARD_EVENT_LAKE or ~/.peakguard/lake"
        ),
    ] = None,
) -> None:
    """Validate the files and store their events once each; nothing is stored if any row is
    wrong, and sending the same events again stores nothing new."""
    from peakguard.cli import _progress, console, handled, print_figures, settings
    from peakguard.formats.scan_event_document import read_event_files
    from peakguard.store.event_lake import ingest

    folder = lake or settings().resolved_event_lake()
    with handled(), _progress() as progress:
        task = progress.add_task(render(_("Reading and checking the scan events")), total=None)
        table = read_event_files(files)
        progress.update(task, description=render(_("Storing the scan events")))
        report = ingest(folder, table, source=", ".join(path.name for path in files)[:500])
        progress.update(task, completed=1, total=1)
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
