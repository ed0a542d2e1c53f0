"""The "three 100 %" (三个100%) from the scan events and the watch list for inspection
(GET /security/compliance, GET /security/watchlist; ``?format=csv|xlsx`` for a file), as
``peakguard security compliance|watchlist``: thin routes over :mod:`peakguard.app.security`
(docs/reference/security-compliance.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from peakguard.api.errors import request_language
from peakguard.api.schemas import documented
from peakguard.api.security import requires
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
    compliance_sheet,
    watchlist_document,
    watchlist_sheets,
)
from peakguard.app.supervision import parse_region
from peakguard.config import Settings
from peakguard.formats.security_export import CSV_TYPE, XLSX_TYPE, sheet_csv, sheets_workbook
from peakguard.identity.model import Permission, Principal

router = APIRouter(prefix="/security", tags=["security"])
Reader = Annotated[Principal, requires(Permission.security_read)]
"""A regulator reads its territory's outlets, a carrier its own brand's."""
Format = Annotated[Literal["json", "csv", "xlsx"], Query(description="json, csv or xlsx")]
Carrier = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
Region = Annotated[
    str | None, Query(max_length=40, description="a province's 2 digits, a city's 4, a county's 6")
]
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON, or with format a CSV file or an Excel workbook.",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
            XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _file(content: bytes, media_type: str, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type=media_type, headers=headers)


@router.get("/compliance", responses=FILE_RESPONSES | documented(422))
def compliance_figures(
    request: Request,
    actor: Reader,
    day_from: date | None = None,
    day_to: date | None = None,
    carrier: Carrier = None,
    region: Region = None,
    by: Annotated[
        Literal["outlet", "carrier", "region", "day"], Query(description="what to add up by")
    ] = "outlet",
    level: Annotated[
        Literal["2", "4", "6"] | None,
        Query(description="by region: 2 province, 4 city, 6 county digits"),
    ] = None,
    format: Format = "json",
) -> Any:
    """Real-name, inspection and X-ray shares of the accepts (X-ray at the outlet or at a
    hub) from ``day_from`` to ``day_to`` (default: the 7 days to the lake's latest), within
    the caller's reach, added up per outlet, carrier, region or day; worst first."""
    settings = _settings(request)
    chosen_region = parse_region(region)
    report = compliance(
        event_lake(settings),
        actor=actor,
        day_from=day_from,
        day_to=day_to,
        carrier=carrier.upper() if carrier else None,
        region=chosen_region,
        by=parse_group(by),
        level=parse_level(level, chosen_region),
        settings=deployment_watch_settings(settings),
    )
    language = request_language(request, settings.language)
    if format == "csv":
        return _file(sheet_csv(compliance_sheet(report, language)), CSV_TYPE, "compliance.csv")
    if format == "xlsx":
        workbook = sheets_workbook([compliance_sheet(report, language)])
        return _file(workbook, XLSX_TYPE, "compliance.xlsx")
    return compliance_document(report, language=language)


@router.get("/watchlist", responses=FILE_RESPONSES | documented(422))
def watch_list(
    request: Request,
    actor: Reader,
    day: Annotated[
        date | None, Query(description="the last day judged (default: the lake's latest)")
    ] = None,
    carrier: Carrier = None,
    region: Region = None,
    format: Format = "json",
) -> Any:
    """The outlets within the caller's reach listed for inspection: below a threshold or
    sliding over the window ending ``day``, each with the daily figures that listed it and
    sample waybills whose acceptance lacked the check."""
    settings = _settings(request)
    report = watchlist(
        event_lake(settings),
        actor=actor,
        day=day,
        carrier=carrier.upper() if carrier else None,
        region=parse_region(region),
        settings=deployment_watch_settings(settings),
    )
    language = request_language(request, settings.language)
    if format == "csv":
        return _file(sheet_csv(watchlist_sheets(report, language)[0]), CSV_TYPE, "watchlist.csv")
    if format == "xlsx":
        workbook = sheets_workbook(watchlist_sheets(report, language))
        return _file(workbook, XLSX_TYPE, "watchlist.xlsx")
    return watchlist_document(report, language=language)
