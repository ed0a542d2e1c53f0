"""Errors as structured JSON, with the same locations the CLI prints."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from peakguard.api.schemas import ErrorBody, ErrorOut, ProblemOut
from peakguard.errors import (
    ForbiddenError,
    InvalidInputError,
    PeakguardError,
    UnauthenticatedError,
)
from peakguard.formats.network_document import format_path
from peakguard.formats.validation_messages import message_for
from peakguard.i18n import _, normalise_language, render

CODES = {
    "InvalidInputError": "invalid_input",
    "NotFoundError": "not_found",
    "ConflictError": "conflict",
    "StorageError": "storage_unavailable",
    "ConfigurationError": "configuration",
    "ForbiddenError": "forbidden",
    "UnauthenticatedError": "unauthenticated",
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


def install_error_handlers(app: FastAPI, default_language: str) -> None:
    async def peakguard_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, PeakguardError)
        language = request_language(request, default_language)
        problems = error.problems if isinstance(error, InvalidInputError | ForbiddenError) else []
        body = ErrorOut(
            error=ErrorBody(
                code=CODES.get(type(error).__name__, "error"),
                message=render(error.message, language),
                problems=[
                    ProblemOut(location=p.location, message=render(p.message, language))
                    for p in problems
                ],
            )
        )
        headers = (
            {"WWW-Authenticate": 'Bearer realm="peakguard"'}
            if isinstance(error, UnauthenticatedError)
            else None
        )
        return JSONResponse(body.model_dump(), status_code=error.http_status, headers=headers)

    async def request_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        language = request_language(request, default_language)
        problems = [
            ProblemOut(
                location=format_path(tuple(detail["loc"])),
                message=render(message_for(detail), language),
            )
            for detail in error.errors()
        ]
        body = ErrorOut(
            error=ErrorBody(
                code="invalid_input",
                message=render(_("the request has mistakes"), language),
                problems=problems,
            )
        )
        return JSONResponse(body.model_dump(), status_code=422)

    app.add_exception_handler(PeakguardError, peakguard_error)
    app.add_exception_handler(RequestValidationError, request_error)
