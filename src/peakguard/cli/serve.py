"""``peakguard serve`` and ``peakguard version``."""

from __future__ import annotations

import gc
from typing import Annotated

import typer
import uvicorn

from peakguard import __version__
from peakguard.api.app import create_app
from peakguard.api.running import start_workers
from peakguard.cli.console import console, handled, settings
from peakguard.i18n import _, render


def serve_command(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    access_log: Annotated[
        bool,
        typer.Option(
            help="log one line per request; off, light reads run with a third of the tail "
            "latency (docs/benchmarks.md) — the audit trail records writes and refusals either way"
        ),
    ] = True,
) -> None:
    """Start the HTTP API (OpenAPI documentation at /docs)."""
    with handled():
        application = create_app(settings())
    # Each regulator's and carrier's landing page and bulletin are measured at start and
    # after every change of the event lake, so a user's first view reads what is kept.
    application.state.prepare_views = True
    start_workers()  # the long operations' fork server, ready before the first request
    # What import and start-up made lives as long as the server: keep the collector off it
    # (a full collection walked ~270,000 such objects, a third of a light read's time).
    gc.collect()
    gc.freeze()
    console.print(
        render(_("Serving on http://{host}:{port} (documentation at /docs)", host=host, port=port))
    )
    uvicorn.run(application, host=host, port=port, log_level="info", access_log=access_log)


def version_command() -> None:
    """Print the version."""
    console.print(__version__)
