"""Errors as structured JSON, with the same locations the CLI prints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from peakguard.api.schemas import ErrorBody, ErrorOut, ProblemOut
from peakguard.errors import (
    BusyError,
    ForbiddenError,
    InvalidInputError,
    PeakguardError,
    Problem,
    UnauthenticatedError,
)
from peakguard.formats.network_document import format_path
from peakguard.formats.validation_messages import message_for
from peakguard.i18n import Message, _, normalise_language, render

RETRY_AFTER_SECONDS = 30
"""What a busy server tells a client to wait before trying a long operation again."""

MAX_LISTED = 100
"""Problems listed in one answer; a request of a million mistakes is not answered with a
million lines (it took 150 s and 2 GB to say so)."""

CODES = {
    "InvalidInputError": "invalid_input",
    "NotFoundError": "not_found",
    "ConflictError": "conflict",
    "StaleRecordError": "stale_record",
    "IllegalTransitionError": "illegal_transition",
    "StorageError": "storage_unavailable",
    "ConfigurationError": "configuration",
    "ForbiddenError": "forbidden",
    "UnauthenticatedError": "unauthenticated",
    "WorkLimitError": "work_limit",
    "BusyError": "busy",
}


def request_language(request: Request, default: str) -> str:
    """``?lang=`` first, then the Accept-Language header, then the server's setting."""
    candidates = [request.query_params.get("lang", "")]
    header = request.headers.get("accept-language", "")
    candidates += [part.split(";")[0].strip() for part in header.split(",")]
    for candidate in candidates:
        if candidate:
            try:
                return normalise_language(candidate)
            except ValueError:
                continue
    return default


def error_response(
    status: int,
    code: str,
    message: Message,
    language: str,
    problems: list[Problem] | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    total: int | None = None,
) -> JSONResponse:
    """The one error body, :class:`ErrorOut`, in ``language``: the first :data:`MAX_LISTED`
    problems, and how many there are (``total``, when more were found than given)."""
    listed = (problems or [])[:MAX_LISTED]
    body = ErrorOut(
        error=ErrorBody(
            code=code,
            message=render(message, language),
            problems=[
                ProblemOut(location=p.location, message=render(p.message, language)) for p in listed
            ],
            total=max(total or 0, len(problems or [])),
        )
    )
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


class BodyTooLarge(HTTPException):
    """A request body over its route's limit (raised while the body streams in)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413)
        self.limit = limit


def too_large_message(limit: int) -> Message:
    return _(
        "The request body is larger than this route takes ({megabytes} MB): send less in "
        "one request.",
        megabytes=f"{limit / (1024 * 1024):g}",
    )


def _http_message(status: int) -> tuple[str, Message]:
    """The code and sentence of an error the framework raises (an unknown path, a method)."""
    if status == 404:
        return "not_found", _("There is no such route: see the API reference at /docs.")
    if status == 405:
        return "method_not_allowed", _("The route does not take this method.")
    if status == 413:
        return "payload_too_large", _("The request body is too large.")
    return "bad_request", _("The request cannot be read.")


class PageErrors(Protocol):
    """How the web application answers errors on its own paths (as pages, not JSON)."""

    def owns(self, request: Request) -> bool: ...
    def refusal(self, request: Request, error: PeakguardError) -> Response: ...
    def framework(self, request: Request, error: HTTPException) -> Response: ...
    def request(self, request: Request, error: RequestValidationError) -> Response: ...
    def too_large(self, request: Request, message: Message) -> Response: ...


def page_errors(request: Request) -> PageErrors | None:
    """The page renderer when ``request`` is for a page (``app.state.page_errors``), else None."""
    pages: PageErrors | None = getattr(request.app.state, "page_errors", None)
    return pages if pages is not None and pages.owns(request) else None


def install_error_handlers(app: FastAPI, default_language: str) -> None:
    async def peakguard_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, PeakguardError)
        if pages := page_errors(request):
            return pages.refusal(request, error)
        language = request_language(request, default_language)
        problems = error.problems if isinstance(error, InvalidInputError | ForbiddenError) else []
        headers: dict[str, str] | None = None
        if isinstance(error, UnauthenticatedError):
            headers = {"WWW-Authenticate": 'Bearer realm="peakguard"'}
        elif isinstance(error, BusyError):
            headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        code = next(
            (CODES[kind.__name__] for kind in type(error).__mro__ if kind.__name__ in CODES),
            "error",
        )
        total = error.total if isinstance(error, InvalidInputError) else None
        return error_response(
            error.http_status, code, error.message, language, problems, headers, total=total
        )

    async def request_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        if pages := page_errors(request):
            return pages.request(request, error)
        language = request_language(request, default_language)
        details = error.errors()
        problems = [
            Problem(format_path(tuple(detail["loc"])), message_for(detail))
            for detail in details[:MAX_LISTED]
        ]
        message = _("the request has mistakes")
        return error_response(422, "invalid_input", message, language, problems, total=len(details))

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if (pages := page_errors(request)) and not isinstance(error, BodyTooLarge):
            return pages.framework(request, error)
        code, message = _http_message(error.status_code)
        if isinstance(error, BodyTooLarge):
            message = too_large_message(error.limit)
        language = request_language(request, default_language)
        return error_response(error.status_code, code, message, language, headers=error.headers)

    app.add_exception_handler(PeakguardError, peakguard_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, request_error)
