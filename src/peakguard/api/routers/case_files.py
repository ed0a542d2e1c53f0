"""The files of cases over the API: a 12305 or carrier export imported whole
(``POST /cases/imports``), evidence kept with a case and read back
(``/cases/{reference}/evidence``), and the monthly appeals bulletin
(``GET /bulletins/appeals``).

A file comes as a multipart upload (its ``file`` field, named by the browser) or as the raw
body with its name in the ``file_name`` query parameter. Every operation is the application's
own (:mod:`peakguard.app.case_import`, :mod:`peakguard.app.case_evidence`,
:mod:`peakguard.app.appeals_bulletin`); a refused file is a 422 located where the application
locates it (``file`` for evidence, the row and heading for an import).
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from peakguard.api.case_schemas import EvidenceAddedOut, ImportOut
from peakguard.api.errors import request_language
from peakguard.api.schemas import documented
from peakguard.api.security import requires
from peakguard.app.appeals_bulletin import monthly_appeals_bulletin
from peakguard.app.bulletins import lake_has_events, monthly_period
from peakguard.app.case_evidence import add_evidence, read_evidence
from peakguard.app.case_import import ImportReport, import_cases
from peakguard.app.context import event_lake
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.appeals_bulletin_output import appeals_bulletin_document
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store

router = APIRouter()

Reference = Annotated[str, Path(max_length=40)]
FileName = Annotated[
    str | None,
    Query(max_length=200, description="the file's name, when the body is the file itself"),
]
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "application/octet-stream": {
                "schema": {
                    "type": "string",
                    "format": "binary",
                    "description": "the file itself, named by the file_name query parameter",
                }
            },
        },
    }
}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def uploaded(request: Request, file_name: str | None, default: str) -> tuple[str, bytes]:
    """The uploaded file's name and bytes: the multipart ``file`` field, or the raw body
    named by ``file_name`` (``default`` when none is given). A form without a file is a 422
    at ``file``."""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() == "multipart/form-data":
        try:
            form = await request.form()
        except HTTPException:  # a form that is not multipart at all: a located mistake
            form = FormData()
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                message = _("send the file in the form's field named file")
                raise InvalidInputError(_("the request has mistakes"), [Problem("file", message)])
            content = await upload.read()
            return file_name or upload.filename or default, content
        finally:
            await form.close()  # its temporary files
    return file_name or default, await request.body()


@router.post(
    "/cases/imports",
    response_model=ImportOut,
    tags=["cases"],
    responses=documented(422),
    openapi_extra=UPLOAD_BODY,
)
async def import_case_file(
    request: Request,
    actor: Annotated[Principal, requires(Permission.case_import)],
    file_name: FileName = None,
) -> ImportOut:
    """Import a 12305 or carrier export of cases (CSV or Excel), as ``peakguard cases
    import``: the whole file or none of it (422 listing every mistake at its row and
    heading); a case an earlier import kept is skipped, so a second import of one export
    opens nothing. Needs ``case.handle`` too."""
    name, content = await uploaded(request, file_name, "cases.csv")
    report: ImportReport = await run_in_threadpool(
        partial(
            import_cases,
            _store(request),
            content,
            name,
            actor=actor,
            limits=request.app.state.settings.input_limits(),
        )
    )
    return ImportOut(
        created=report.created,
        skipped_existing=report.skipped_existing,
        references=list(report.references),
        ignored_columns=list(report.ignored_columns),
    )


@router.post(
    "/cases/{reference}/evidence",
    response_model=EvidenceAddedOut,
    status_code=201,
    tags=["cases"],
    responses=documented(404, 422),
    openapi_extra=UPLOAD_BODY,
)
async def add_case_evidence(
    request: Request,
    reference: Reference,
    actor: Annotated[Principal, requires(Permission.case_handle)],
    file_name: FileName = None,
) -> EvidenceAddedOut:
    """Keep an evidence file with the case (a PDF, JPEG, PNG, WebP, MP3 or AMR file, judged
    by its own bytes; 10 MiB at most; otherwise 422 at ``file``), by a side that works the
    case. The same bytes twice are kept once (``added`` false)."""
    name, content = await uploaded(request, file_name, "evidence")
    kept = await run_in_threadpool(
        partial(add_evidence, _store(request), reference, name, content, actor=actor)
    )
    return EvidenceAddedOut(
        sha256=kept.sha256,
        file_name=kept.file_name,
        media_type=kept.media_type,
        size=kept.size,
        added=kept.added,
    )


@router.get(
    "/cases/{reference}/evidence/{sha256}",
    response_class=Response,
    tags=["cases"],
    responses={**documented(404), 200: {"content": {"application/octet-stream": {}}}},
)
def read_case_evidence(
    request: Request,
    reference: Reference,
    sha256: Annotated[str, Path(pattern=r"^[0-9a-fA-F]{64}$")],
    actor: Annotated[Principal, requires(Permission.case_personal_read)],
) -> Response:
    """The evidence file's bytes as an attachment, for a handling role of a side that works
    the case (evidence may show personal data); every read is audited."""
    kept, content = read_evidence(_store(request), reference, sha256, actor=actor)
    return Response(
        content,
        media_type=kept.media_type,
        headers={
            "Content-Disposition": _attachment(kept.file_name),
            "X-Content-Type-Options": "nosniff",
        },
    )


def _attachment(file_name: str) -> str:
    """A Content-Disposition naming ``file_name`` (RFC 6266: an ASCII fallback, the name in
    UTF-8 as ``filename*``)."""
    fallback = file_name.encode("ascii", "replace").decode("ascii").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name)}"


@router.get("/bulletins/appeals", tags=["bulletins"], responses=documented(422))
def appeals_bulletin(
    request: Request,
    actor: Annotated[Principal, requires(Permission.bulletin_read)],
    month: Annotated[str, Query(description="the calendar month, e.g. 2026-11")],
) -> dict[str, Any]:
    """The monthly appeals bulletin (申诉通报) of the caller's reach, as ``peakguard report
    appeals`` writes its JSON: appeals and valid appeals per million parcels by carrier and
    category, against the month before. Needs ``case.read`` too."""
    monthly_period(month, option_prefix="")  # a mistaken month is a 422 to any reader
    settings = request.app.state.settings
    lake = event_lake(settings)
    if not lake_has_events(lake):  # as the service-quality bulletins answer it
        message = _("No scan events are stored yet: send them with POST /events/bulk.")
        raise InvalidInputError(message, [Problem("lake", message)])
    bulletin = monthly_appeals_bulletin(_store(request), lake, month, actor=actor, option_prefix="")
    return appeals_bulletin_document(bulletin, request_language(request, settings.language))
