"""``peakguard security compliance|watchlist``: the "three 100 %" (三个100%) from the scan
events and the watch list for inspection, as GET /security/compliance and /security/watchlist
answer them (docs/reference/security-compliance.md). ``--format csv|xlsx --output FILE``
writes the file the API's ``?format=`` gives; ``--json FILE`` the API's JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from peakguard.app.context import event_lake
from peakguard.app.security import (
    compliance,
    deployment_watch_settings,
    parse_group,
    parse_level,
    watchlist,
)
from peakguard.app.security_documents import (
    compliance_document,
    compliance_headings,
    compliance_sheet,
    watchlist_document,
    watchlist_sheets,
)
from peakguard.app.supervision import parse_day, parse_region
from peakguard.cli.console import (
    LOCAL,
    SettingsOption,
    handled,
    print_table,
    say,
    settings,
)
from peakguard.cli.events import LakeOption
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.security_export import Sheet, sheet_csv, sheets_workbook
from peakguard.i18n import _, current_language

security_app = typer.Typer(
    no_args_is_help=True, help="Security compliance (三个100%) and the security overview."
)

RegionOption = Annotated[
    str | None, typer.Option("--region", help="a region code: 51, 5101 or 510104")
]
CarrierOption = Annotated[str | None, typer.Option("--carrier", help="one brand, e.g. ZTO")]
FormatOption = Annotated[
    str | None, typer.Option("--format", help="csv or xlsx: write a file to --output")
]
OutputOption = Annotated[Path | None, typer.Option("--output", help="the file to write")]
JsonOption = Annotated[
    Path | None,
    typer.Option("--json", help="also write the answer as JSON to this file (as the API's)"),
]


def _write_file(kind: str | None, output: Path | None, sheets: list[Sheet]) -> None:
    """The CSV (first sheet) or workbook (every sheet) asked for, at ``output``."""
    if kind is None and output is None:
        return
    chosen = (kind or (output.suffix.lstrip(".") if output else "")).lower()
    if chosen not in ("csv", "xlsx"):
        message = _("Files are csv or xlsx, not {kind}.", kind=chosen[:20])
        raise InvalidInputError(message, [Problem("--format", message)])
    if output is None:
        message = _("Give the file to write with --output.")
        raise InvalidInputError(message, [Problem("--output", message)])
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(sheet_csv(sheets[0]) if chosen == "csv" else sheets_workbook(sheets))
    say(_("Wrote {path}", path=str(output)))


def _write_json(path: Path | None, document: dict[str, Any]) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    say(_("Wrote {path}", path=str(path)))


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


@security_app.command("compliance")
def compliance_command(
    day_from: Annotated[
        str | None, typer.Option("--from", help="the first China day (default: 6 days before --to)")
    ] = None,
    day_to: Annotated[
        str | None, typer.Option("--to", help="the last China day (default: the lake's latest)")
    ] = None,
    carrier: CarrierOption = None,
    region: RegionOption = None,
    by: Annotated[str, typer.Option("--by", help="outlet, carrier, region or day")] = "outlet",
    level: Annotated[
        str | None, typer.Option("--level", help="by region: 2 province, 4 city, 6 county")
    ] = None,
    kind: FormatOption = None,
    output: OutputOption = None,
    json_file: JsonOption = None,
    lake: LakeOption = None,
    settings_file: SettingsOption = None,
) -> None:
    """Real-name, inspection and X-ray shares of the accepts (X-ray at the outlet or at a hub),
    worst first."""
    with handled():
        chosen_region = parse_region(region, "--region")
        report = compliance(
            event_lake(settings(), lake),
            actor=LOCAL,
            day_from=parse_day(day_from, "--from"),
            day_to=parse_day(day_to, "--to"),
            carrier=carrier.upper() if carrier else None,
            region=chosen_region,
            by=parse_group(by, "--by"),
            level=parse_level(level, chosen_region, "--level"),
            settings=deployment_watch_settings(settings(), settings_file),
        )
        language = current_language()
        document = compliance_document(report, language=language)
        sheet = compliance_sheet(report, language)
        _write_file(kind, output, [sheet])
    print_table(
        _("Compliance from {first} to {last}", first=document["day_from"], last=document["day_to"]),
        compliance_headings(report.by),
        [[str(cell) if cell is not None else "—" for cell in row] for row in sheet.rows],
    )
    total = document["total"]
    say(
        _(
            "{accepts} accepts: real name {real_name}, inspected {inspected}, X-rayed {x_rayed} "
            "({at_hub} of them at a hub).",
            accepts=f"{total['accepts']:,}",
            real_name=_percent(total["real_name_verified_share"]),
            inspected=_percent(total["inspected_share"]),
            x_rayed=_percent(total["x_rayed_share"]),
            at_hub=f"{total['x_rayed_at_hub']:,}",
        )
    )
    for note in document["notes"]:
        say(note)
    _write_json(json_file, document)


@security_app.command("watchlist")
def watchlist_command(
    day: Annotated[
        str | None, typer.Option("--day", help="the last day judged (default: the lake's latest)")
    ] = None,
    carrier: CarrierOption = None,
    region: RegionOption = None,
    kind: FormatOption = None,
    output: OutputOption = None,
    json_file: JsonOption = None,
    lake: LakeOption = None,
    settings_file: SettingsOption = None,
) -> None:
    """The outlets listed for inspection: below a threshold or sliding, with the daily figures
    that listed them and sample waybills whose acceptance lacked the check."""
    with handled():
        report = watchlist(
            event_lake(settings(), lake),
            actor=LOCAL,
            day=parse_day(day, "--day"),
            carrier=carrier.upper() if carrier else None,
            region=parse_region(region, "--region"),
            settings=deployment_watch_settings(settings(), settings_file),
        )
        language = current_language()
        document = watchlist_document(report, language=language)
        sheets = watchlist_sheets(report, language)
        _write_file(kind, output, sheets)
    say(
        _(
            "{listed} of {judged} outlets listed for inspection (window ending {day}).",
            listed=document["listed"],
            judged=document["judged"],
            day=document["day"] or "—",
        )
    )
    print_table(
        _("Watch list"),
        [_("Carrier"), _("Outlet"), _("Region"), _("Reason"), _("Sample waybills")],
        [
            [
                outlet["carrier"],
                outlet["outlet"],
                outlet["region"],
                reason["text"],
                " ".join(outlet["samples"][reason["check"]]),
            ]
            for outlet in document["outlets"]
            for reason in outlet["reasons"]
        ],
    )
    for note in document["notes"]:
        say(note)
    _write_json(json_file, document)
