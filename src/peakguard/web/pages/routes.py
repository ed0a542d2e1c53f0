"""The web application put together: its page modules, menu, static files and error pages.

:func:`install_pages` is what :func:`peakguard.api.app.create_app` calls. A new page module
(a workflow's pages) adds itself to :data:`PAGE_MODULES`: its ``router`` is included and its
``NAVIGATION`` joins the menu.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from peakguard.errors import InvalidInputError, PeakguardError, Problem
from peakguard.formats.network_document import format_path
from peakguard.formats.validation_messages import message_for
from peakguard.i18n import Message, _, render
from peakguard.identity.model import ANONYMOUS, Principal
from peakguard.web.pages import (
    bulletins,
    case_forms,
    cases,
    command,
    consolidation,
    coverage,
    daily_reports,
    desk,
    duty,
    emergency,
    forecasts,
    holds,
    incidents,
    inspections,
    jobs,
    network_import,
    networks,
    notices,
    observed_warnings,
    passes,
    plans,
    public,
    real_name,
    rectification,
    security,
    shell,
    shuttles,
    supervision,
    supply_orders,
)
from peakguard.web.pages.access import LoginRequired, login_location
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.prepared import install_view_preparer
from peakguard.web.pages.rendering import page_language, render_page

STATIC = Path(__file__).resolve().parent / "static"
PAGE_MODULES: Sequence[ModuleType] = (
    shell,
    bulletins,
    case_forms,
    cases,
    jobs,
    plans,
    forecasts,
    network_import,
    networks,
    command,
    desk,
    duty,
    observed_warnings,
    incidents,
    emergency,
    daily_reports,
    supervision,
    security,
    inspections,
    rectification,
    holds,
    real_name,
    supply_orders,
    consolidation,
    shuttles,
    passes,
    coverage,
    notices,
    public,
)
"""Every page module, in menu order of their entries."""


def page_path(request: Request) -> bool:
    path = request.url.path
    return path == "/app" or path.startswith("/app/")


def error_page(
    request: Request,
    status: int,
    message: Message,
    problems: Sequence[Problem] = (),
) -> HTMLResponse:
    """An error as a page in the visitor's language (a page route's refusal, a missing page)."""
    principal: Principal = getattr(request.state, "principal", None) or ANONYMOUS
    language = page_language(request)
    titles = {
        403: _("Not allowed"),
        404: _("Not found"),
        409: _("Changed by someone else"),
        413: _("Too large"),
        422: _("Cannot be read"),
        503: _("Busy"),
        504: _("Took too long"),
    }
    title = render(titles.get(status, _("Something went wrong")), language)
    return render_page(
        request,
        principal,
        "error.html",
        {
            "status": status,
            "message": render(message, language),
            "problems": [(p.location, render(p.message, language)) for p in problems],
        },
        status=status,
        title=title,
    )


def peakguard_error_page(request: Request, error: PeakguardError) -> Response:
    problems = error.problems if isinstance(error, InvalidInputError) else []
    return error_page(request, error.http_status, error.message, problems)


def install_pages(app: FastAPI) -> None:
    """Include every page module, serve the static files, answer page errors as pages."""
    navigation: list[NavItem] = []
    for module in PAGE_MODULES:
        app.include_router(module.router)
        navigation.extend(module.NAVIGATION)
    app.include_router(shell.root_router)
    app.state.page_navigation = navigation
    app.state.page_errors = PageErrorPages()
    app.mount("/app/static", StaticFiles(directory=STATIC), name="static")

    async def login_required(request: Request, signal: Exception) -> Response:
        assert isinstance(signal, LoginRequired)
        return RedirectResponse(login_location(signal.target), status_code=303)

    app.add_exception_handler(LoginRequired, login_required)
    install_view_preparer(app)


def http_error_page(request: Request, error: HTTPException) -> Response:
    """A framework error (no such page, wrong method) on a page path, as a page."""
    if error.status_code == 404:
        return error_page(request, 404, _("There is no such page. Use the menu to find your way."))
    return error_page(request, error.status_code, _("The page cannot answer this request."))


def validation_error_page(request: Request, error: RequestValidationError) -> Response:
    problems = [
        Problem(format_path(tuple(detail["loc"])), message_for(detail)) for detail in error.errors()
    ]
    return error_page(request, 422, _("the request has mistakes"), problems)


class PageErrorPages:
    """:class:`peakguard.api.errors.PageErrors` for the pages under ``/app``."""

    def owns(self, request: Request) -> bool:
        return page_path(request) and not request.url.path.startswith("/app/static/")

    def refusal(self, request: Request, error: PeakguardError) -> Response:
        return peakguard_error_page(request, error)

    def framework(self, request: Request, error: HTTPException) -> Response:
        return http_error_page(request, error)

    def request(self, request: Request, error: RequestValidationError) -> Response:
        return validation_error_page(request, error)

    def too_large(self, request: Request, message: Message) -> Response:
        """A form's upload over the deployment's limit: the page says so (413)."""
        return error_page(request, 413, message)
