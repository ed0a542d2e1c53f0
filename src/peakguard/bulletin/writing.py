"""The bulletin written out: ``bulletin.html``, ``bulletin.xlsx`` and ``bulletin.json``.

The one function the CLI and the demo call. It sits at the edge (it uses the web and formats
packages); :mod:`.assemble` stays free of them.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from peakguard.analytics import KpiSettings
from peakguard.bulletin.assemble import assemble_bulletin
from peakguard.bulletin.model import Bulletin, BulletinOptions
from peakguard.bulletin.periods import Period
from peakguard.formats.bulletin_output import write_bulletin_files
from peakguard.web.bulletin_report import write_bulletin_report


def write_bulletin(
    source: Path | str | pa.Table,
    period: Period,
    out_dir: Path,
    *,
    language: str,
    settings: KpiSettings | None = None,
    complaints: pa.Table | None = None,
    lanes: pa.Table | None = None,
    options: BulletinOptions | None = None,
) -> list[Path]:
    """Assemble the bulletin of ``period`` from ``source`` (an event lake folder or an Arrow
    table of scan events) and write it to ``out_dir``: the HTML page, the workbook and the
    JSON, in that order. Raises :class:`~peakguard.bulletin.EmptyPeriodError` (exit code 2)
    when the source has no events in the period."""
    bulletin = assemble_bulletin(
        source, period, settings=settings, complaints=complaints, lanes=lanes, options=options
    )
    return write_bulletin_outputs(bulletin, out_dir, language=language)


def write_bulletin_outputs(bulletin: Bulletin, out_dir: Path, *, language: str) -> list[Path]:
    """The three files of an assembled bulletin."""
    page = write_bulletin_report(bulletin, out_dir / "bulletin.html", language=language)
    return [page, *write_bulletin_files(bulletin, out_dir, language=language)]
