"""Importing a network from the browser: a name, a file, and whether to replace.

The file is what ``peakguard network import`` reads: a YAML or JSON document, an Excel
workbook, or the CSV tables (``nodes.csv``, ``lanes.csv``, … chosen together). It is read by the
application layer exactly as the command reads it, so every mistake is located the same way
(``network.xlsx: sheet "nodes", row 7, column storage_capacity``); the page lists them beside the
file field (at most :data:`MAX_LISTED`, with the total) and stores nothing. A correct file is
stored in one transaction and the browser goes to the network's page.

The upload is bounded by the deployment's request limit (``Settings.input_limits()``): the body
guard in front of every route counts a multipart body as it streams in and refuses it past the
limit, before this route reads it.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from peakguard.app.networks import read_network_file, save_network
from peakguard.config import Settings
from peakguard.domain.network import Network
from peakguard.errors import ConflictError, ForbiddenError, InvalidInputError, Problem
from peakguard.formats.tables import TABLE_COLUMNS
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.network_views import network_path
from peakguard.web.pages.networks import IMPORT_NOTICE_COOKIE
from peakguard.web.pages.rendering import page_language, render_page

router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = ()
"""Reached from the networks page's "Import a network" button, not from the menu."""

MAX_LISTED = 100
"""Problems listed beside the file field; the total is said when there are more."""
DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
NAME_LOCATION = "--name"
"""Where the application layer locates a mistake in the name given beside the file."""

Writer = Annotated[Principal, page_requires(Permission.network_write)]


@dataclass
class ImportForm:
    """The form as the user filled it, and what is wrong with it."""

    name: str = ""
    replace: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)
    total: int = 0


class Refused(Exception):  # noqa: N818 - a field's refusal, shown beside it
    """The upload cannot be read as a network: ``field`` says beside which field."""

    def __init__(self, field_name: str, message: Message) -> None:
        super().__init__(field_name)
        self.field = field_name
        self.message = message


@router.get("/networks/import")
def import_form(request: Request, caller: Writer) -> Response:
    """The import form."""
    return _form(request, caller, ImportForm())


@router.post("/networks/import")
def import_upload(
    request: Request,
    caller: Writer,
    file: Annotated[list[UploadFile] | None, File()] = None,
    name: Annotated[str, Form(max_length=200)] = "",
    replace: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Read the upload as the command reads a file; store it (all or nothing) and go to the
    network's page, or show the form again with every mistake beside its field."""
    language = page_language(request)
    form = ImportForm(name=name.strip(), replace=bool(replace))
    uploads = [upload for upload in (file or []) if upload.filename]
    settings: Settings = request.app.state.settings
    with tempfile.TemporaryDirectory(prefix="peakguard-import-") as folder:
        try:
            path, label = place_upload(uploads, Path(folder), form.name)
        except Refused as refused:
            form.errors[refused.field] = render(refused.message, language)
            return _form(request, caller, form, status=422)
        network = _read(path, form, settings, language, hide=folder)
    if network is None:
        return _form(request, caller, form, status=422)
    store: Store = request.app.state.store
    try:
        save_network(store, network, actor=caller, source=f"web: {label}", replace=form.replace)
    except ConflictError as conflict:
        message = conflict.message if form.replace else _name_taken(network.name)
        form.errors["name"] = render(message, language)
        return _form(request, caller, form, status=409)
    except ForbiddenError as refusal:
        form.errors["file"] = render(refusal.message, language)
        _list(form, refusal.problems, len(refusal.problems), language, hide="")
        return _form(request, caller, form, status=403)
    response = RedirectResponse(network_path(network.name), status_code=303)
    response.set_cookie(
        IMPORT_NOTICE_COOKIE,
        quote(network.name, safe=""),
        max_age=120,
        path="/app/networks",
        httponly=True,
        samesite="lax",
    )
    return response


def _name_taken(name: str) -> Message:
    return _(
        "A network named {name} is stored already: tick “Replace an existing network” to "
        "replace it, or give this one another name.",
        name=name,
    )


def safe_filename(filename: str) -> str:
    """The upload's own file name, without any folder, kept to letters, digits and ``._-``
    (the name the mistakes are located in)."""
    base = re.split(r"[\\/]", filename)[-1]
    cleaned = re.sub(r"[^\w.\-]+", "_", base).strip("._")[:120]
    return cleaned or "upload"


def place_upload(uploads: list[UploadFile], folder: Path, name: str) -> tuple[Path, str]:
    """Write the uploaded files into ``folder`` as the reader wants them: one document or
    workbook under its own name, or the CSV tables in a folder of their own. Returns the path
    to read and how the files are named in the audit trail."""
    if not uploads:
        raise Refused("file", _("Choose the network's file."))
    names = [safe_filename(upload.filename or "") for upload in uploads]
    suffixes = {Path(each).suffix.lower() for each in names}
    if suffixes == {".csv"}:
        return _place_tables(uploads, names, folder, name), ", ".join(names)
    if len(uploads) > 1:
        raise Refused(
            "file",
            _(
                "Choose one file (YAML, JSON or Excel), or the CSV tables together; not {files}.",
                files=", ".join(names),
            ),
        )
    if suffixes.isdisjoint(DOCUMENT_SUFFIXES):
        raise Refused(
            "file",
            _(
                "{file} is not a network file: choose a .yaml, .yml, .json or .xlsx file, or "
                "the network's .csv tables (nodes.csv, lanes.csv, …).",
                file=names[0],
            ),
        )
    path = folder / names[0]
    _write(uploads[0], path)
    return path, names[0]


def _place_tables(uploads: list[UploadFile], names: list[str], folder: Path, name: str) -> Path:
    tables = folder / "tables"
    tables.mkdir()
    known = ", ".join(f"{table}.csv" for table in TABLE_COLUMNS)
    for upload, filename in zip(uploads, names, strict=True):
        table = Path(filename).stem.lower()
        if table not in TABLE_COLUMNS:
            raise Refused(
                "file",
                _(
                    "{file} is not one of the network's tables ({known}).",
                    file=filename,
                    known=known,
                ),
            )
        path = tables / f"{table}.csv"
        if path.exists():
            raise Refused("file", _("The table {file} was chosen twice.", file=f"{table}.csv"))
        _write(upload, path)
    if not name and not (tables / "network.csv").exists():
        raise Refused(
            "name",
            _("CSV tables do not name their network (unless network.csv does): give it one."),
        )
    return tables / "nodes.csv"


def _write(upload: UploadFile, path: Path) -> None:
    upload.file.seek(0)
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out)


def _read(
    path: Path, form: ImportForm, settings: Settings, language: str, *, hide: str
) -> Network | None:
    """The network read from ``path`` (under the name given, if any), or None with every
    mistake noted in ``form``: a bad name beside the name field, and the file's own mistakes
    (read again without the name, so that both are shown at once) beside the file field."""
    limits = settings.input_limits()
    try:
        return read_network_file(path, form.name or None, limits=limits)
    except InvalidInputError as error:
        name_problems = [p for p in error.problems if p.location == NAME_LOCATION]
        if not name_problems:
            form.errors["file"] = _shown(error.message, language, hide)
            _list(form, error.problems, error.total, language, hide=hide)
            return None
    form.errors["name"] = "; ".join(render(p.message, language) for p in name_problems)
    try:
        read_network_file(path, None, limits=limits)
    except InvalidInputError as error:
        form.errors["file"] = _shown(error.message, language, hide)
        _list(form, error.problems, error.total, language, hide=hide)
    return None


def _shown(message: Message | str, language: str, hide: str) -> str:
    """A message as shown: the temporary folder the upload was read from left out."""
    text = render(message, language)
    return text.replace(hide + "/", "").replace(hide, "") if hide else text


def _list(
    form: ImportForm, problems: list[Problem], total: int, language: str, *, hide: str
) -> None:
    form.problems = [
        (_shown(problem.location, language, hide), _shown(problem.message, language, hide))
        for problem in problems[:MAX_LISTED]
    ]
    form.total = max(total, len(problems))


def _form(request: Request, caller: Principal, form: ImportForm, *, status: int = 200) -> Response:
    language = page_language(request)
    settings: Settings = request.app.state.settings
    megabytes = settings.input_limits().max_request_bytes / (1024 * 1024)
    values = {
        "form": form,
        "errors": form.errors,
        "limit": render(_("At most {megabytes} MB in all.", megabytes=f"{megabytes:g}"), language),
        "more": render(
            _(
                "The first {shown} of {total} mistakes are listed.",
                shown=len(form.problems),
                total=form.total,
            ),
            language,
        )
        if form.total > len(form.problems)
        else "",
    }
    title = render(_("Import a network"), language)
    return render_page(request, caller, "network_import.html", values, status=status, title=title)
