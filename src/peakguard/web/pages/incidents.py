"""The pages where a provincial duty officer and a carrier's operations centre follow incidents
(突发事件信息报告).

- ``/app/incidents`` (``incident.read``): the incidents within reach, open ones first, each with
  its blockage clock and the time left (overdue marked); exports to CSV and Excel.
- ``/app/incidents/new`` (``incident.report``): open one with the first report (a carrier) or
  record it (a postal administration); every mistake beside its field, the form kept.
- ``/app/incidents/{reference}`` (``incident.read``): the facts, the clock, the reports in
  order, the announcement draft, the reroute's backups, and the forms the caller may use (a
  report, an announcement edit or approval, a reroute), each carrying the version read.

Who sees which incident, and who may report, is the application layer's decision
(:mod:`peakguard.app.incidents`); these pages show what it answers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from peakguard.app.announcements import STATUS_LABELS, edit_announcement
from peakguard.app.incident_reroute import plan_incident_reroute
from peakguard.app.incidents import (
    ClockView,
    IncidentDraft,
    IncidentView,
    add_report,
    get_incident,
    list_incidents,
    open_incident,
)
from peakguard.cases.incidents import FIGURES, IncidentType, allowed, report_label, type_label
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import (
    ForbiddenError,
    IllegalTransitionError,
    InvalidInputError,
    Problem,
    StaleRecordError,
)
from peakguard.i18n import Message, _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.database import Store
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import Column, TableView, export_response

INCIDENTS = "/app/incidents"
router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION = (
    NavItem(
        INCIDENTS,
        _("Incidents"),
        Permission.incident_read,
        8,
        kinds=frozenset({OrganisationKind.regulator, OrganisationKind.carrier}),
    ),
)
Reader = Annotated[Principal, page_requires(Permission.incident_read)]
Reporter = Annotated[Principal, page_requires(Permission.incident_report)]
Field = Annotated[str, Form(max_length=20_000)]
FORM_FIELDS = (
    "type", "carrier", "region", "start", "until", "blocked", "network", "nodes",
    "description", "text", *FIGURES,
)  # fmt: skip


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def incident_path(reference: str) -> str:
    return f"{INCIDENTS}/{quote(reference, safe='')}"


def _left(clock: ClockView | None, language: str) -> str:
    """The clock in a few words: time left, overdue by, met or breached."""
    if clock is None:
        return "—"
    if clock.time_left is None:
        outcome = _("met") if clock.outcome == "met" else _("breached")
        return render(outcome, language)
    hours = clock.time_left / timedelta(hours=1)
    if hours < 0:
        return render(_("overdue by {hours:.1f} h", hours=-hours), language)
    return render(_("{hours:.1f} h left", hours=hours), language)


def list_table(request: Request, caller: Principal, language: str) -> TableView:
    lines = list_incidents(_store(request), actor=caller, now=datetime.now(UTC))
    rows: list[dict[str, Any]] = [
        {
            "reference": line.incident.reference,
            "link": incident_path(line.incident.reference),
            "type": render(type_label(line.incident.incident_type), language),
            "state": line.incident.state,
            "carrier": line.incident.carrier,
            "region": line.incident.region,
            "since": line.incident.period_start,
            "until": line.incident.period_end,
            "due": None if line.clock is None else line.clock.due_at,
            "clock": _left(line.clock, language),
            "overdue": render(_("overdue"), language)
            if line.clock is not None and line.clock.overdue
            else "",
        }
        for line in lines
    ]
    label = _labelled(language)
    return TableView(
        key="incidents",
        title=label(_("Incidents")),
        columns=(
            Column("reference", label(_("Reference")), link="link"),
            Column("type", label(_("Type"))),
            Column("state", label(_("State"))),
            Column("carrier", label(_("Carrier"))),
            Column("region", label(_("Region"))),
            Column("since", label(_("Since (China time)"))),
            Column("until", label(_("Expected until"))),
            Column("due", label(_("First report due"))),
            Column("clock", label(_("Blockage report clock"))),
            Column("overdue", label(_("Overdue"))),
        ),
        rows=rows,
        empty=label(_("No incident within your reach.")),
        note=label(_("Open incidents first; a blockage's first report is due within 24 hours.")),
    )


def _labelled(language: str) -> Any:
    return lambda message: render(message, language)


@router.get("/incidents")
def incidents_page(request: Request, caller: Reader) -> Response:
    language = page_language(request)
    view = list_table(request, caller, language)
    if (exported := export_response([view], request, language)) is not None:
        return exported
    values = {
        "table_view": view,
        "here": str(request.url),
        "may_report": caller.may(Permission.incident_report),
    }
    return render_page(request, caller, "incidents.html", values, title=view.title)


def _new_page(
    request: Request,
    caller: Principal,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    language = page_language(request)
    page = {
        "types": [(kind.value, render(type_label(kind.value), language)) for kind in IncidentType],
        "values": values or {"carrier": caller.organisation.carrier or ""},
        "errors": errors or {},
        "figures": FIGURES,
        "done": request.query_params.get("done", "")[:40],
    }
    title = render(_("Report an incident"), language)
    return render_page(request, caller, "incident_new.html", page, status=status, title=title)


@router.get("/incidents/new")
def new_incident_page(request: Request, caller: Reporter) -> Response:
    return _new_page(request, caller)


def _moment(text: str, where: str, problems: list[Problem]) -> datetime | None:
    if not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        problems.append(Problem(where, _("give a moment such as 2026-11-11T06:00 (China time)")))
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_STANDARD_TIME)


def _figures(values: dict[str, str], problems: list[Problem]) -> dict[str, object]:
    figures: dict[str, object] = {}
    for name in FIGURES:
        text = values.get(name, "").strip()
        if not text:
            continue
        if not text.isdigit():
            problems.append(Problem(f"figures.{name}", _("must be a whole number, 0 or more")))
        else:
            figures[name] = int(text)
    return figures


def _errors(problems: list[Problem], language: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in problems:
        key = problem.location.split("[")[0].removeprefix("figures.")
        found.setdefault(key, render(problem.message, language))
    return found


@router.post("/incidents/new")
async def open_incident_form(request: Request, caller: Reporter) -> Response:
    """Open the incident; back to the form with every mistake beside its field."""
    language = page_language(request)
    form = await request.form()
    values = {name: str(form.get(name, ""))[:20_000] for name in FORM_FIELDS}
    problems: list[Problem] = []
    start = _moment(values["start"], "start", problems)
    if start is None and not problems:
        problems.append(Problem("start", _("is required")))
    until = _moment(values["until"], "until", problems)
    figures = _figures(values, problems)
    if problems:
        return _new_page(request, caller, values, _errors(problems, language), 422)
    nodes = tuple(node.strip() for node in values["nodes"].replace(",", " ").split() if node)
    draft = IncidentDraft(
        incident_type=values["type"],
        carrier=values["carrier"],
        region=values["region"].strip(),
        period_start=start or datetime.now(UTC),
        period_end=until,
        blocked=values["blocked"] == "yes",
        network=values["network"].strip() or None,
        nodes=nodes,
        description=values["description"],
        text=values["text"],
        figures=figures,
    )
    try:
        view = open_incident(_store(request), draft, actor=caller)
    except InvalidInputError as error:
        return _new_page(request, caller, values, _errors(error.problems, language), 422)
    except ForbiddenError as error:
        errors = {"carrier": render(error.message, language)}
        return _new_page(request, caller, values, errors, 403)
    if not caller.may(Permission.incident_read):  # a data reporter sends, does not read
        target = "/app/incidents/new?" + urlencode({"done": view.reference})
        return RedirectResponse(target, status_code=303)
    return RedirectResponse(incident_path(view.reference), status_code=303)


def _reports_table(view: IncidentView, language: str) -> TableView:
    label = _labelled(language)
    rows: list[dict[str, Any]] = [
        {
            "seq": report.seq,
            "kind": render(report_label(report.kind), language)
            + (f" → {report.corrects}" if report.corrects else ""),
            "at": report.at,
            "author": report.author,
            "text": report.text,
            "figures": ", ".join(f"{k}: {v:,}" for k, v in sorted(report.figures.items())),
        }
        for report in view.reports
    ]
    return TableView(
        key="reports",
        title=label(_("Reports, in order")),
        columns=(
            Column("seq", label(_("No.")), digits=0),
            Column("kind", label(_("Kind"))),
            Column("at", label(_("At (China time)"))),
            Column("author", label(_("By"))),
            Column("text", label(_("Text"))),
            Column("figures", label(_("Figures"))),
        ),
        rows=rows,
        filename=f"{view.reference}-reports",
    )


def _backups_table(view: IncidentView, language: str) -> TableView:
    label = _labelled(language)
    rows: list[dict[str, Any]] = [
        {
            "closed": ", ".join(closure["nodes"]),
            "hub": backup["hub"],
            "parcels": backup["parcels"],
            "parcel_share": backup["parcel_share"],
            "origin_share": backup["origin_share"],
            "destination_share": backup["destination_share"],
            "added": backup["mean_added_transit_hours"],
        }
        for closure in (view.incident.reroute or {}).get("closures", [])
        for backup in closure["backups"]
    ]
    return TableView(
        key="backups",
        title=label(_("Reroute: backup hubs")),
        columns=(
            Column("closed", label(_("Closed hub"))),
            Column("hub", label(_("Backup hub"))),
            Column("parcels", label(_("Parcels")), digits=0),
            Column("parcel_share", label(_("Share of parcels")), percent=True),
            Column("origin_share", label(_("Share of senders' parcels")), percent=True),
            Column("destination_share", label(_("Share of receivers' parcels")), percent=True),
            Column("added", label(_("Added transit hours")), digits=1),
        ),
        rows=rows,
        empty=label(_("Not rerouted yet.")),
        filename=f"{view.reference}-backups",
    )


def _facts(view: IncidentView, language: str) -> list[tuple[str, str]]:
    incident, clock = view.incident, view.clock

    def when(moment: datetime | None) -> str:
        return (
            "—"
            if moment is None
            else moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")
        )

    facts: list[tuple[Message, str]] = [
        (_("Type"), render(type_label(incident.incident_type), language)),
        (_("Carrier"), incident.carrier),
        (_("Region"), incident.region),
        (_("Reported by"), incident.reporting_organisation),
        (_("Affected nodes"), ", ".join(incident.nodes) or "—"),
        (_("Since (China time)"), when(incident.period_start)),
        (_("Expected until"), when(incident.period_end)),
        (_("Service network blocked since"), when(incident.blocked_at)),
        (_("Description"), incident.description or "—"),
    ]
    if clock is not None:
        facts += [
            (_("First report due"), when(clock.due_at)),
            (_("Blockage report clock"), _left(clock, language)),
            (_("Rule"), f"{clock.limit} h · {clock.source} ({clock.rule_key})"),
        ]
    return [(render(name, language), value) for name, value in facts]


def _incident_page(
    request: Request,
    caller: Principal,
    reference: str,
    *,
    status: int = 200,
    message: str = "",
    errors: dict[str, str] | None = None,
) -> Response:
    language = page_language(request)
    view = get_incident(_store(request), reference, actor=caller)
    tables = [_reports_table(view, language), _backups_table(view, language)]
    if (exported := export_response(tables, request, language)) is not None:
        return exported
    values = {
        "incident": view.incident,
        "facts": _facts(view, language),
        "reports_view": tables[0],
        "backups_view": tables[1],
        "announcement": view.announcement,
        "announcement_status": render(
            STATUS_LABELS.get(view.announcement.status, view.announcement.status), language
        )
        if view.announcement is not None
        else "",
        "may_report": caller.may(Permission.incident_report),
        "kinds": [(kind, render(report_label(kind), language)) for kind in allowed(view.state)],
        "figures": FIGURES,
        "message": message,
        "errors": errors or {},
        "done": request.query_params.get("done", ""),
        "here": str(request.url),
        "path": incident_path(reference),
    }
    title = view.reference
    return render_page(request, caller, "incident.html", values, status=status, title=title)


@router.get("/incidents/{reference}")
def incident_page(request: Request, caller: Reader, reference: str) -> Response:
    return _incident_page(request, caller, reference)


def _version(text: str, problems: list[Problem]) -> int:
    if not text.isdigit():
        problems.append(Problem("version", _("reload the page: the form lost its version")))
        return 0
    return int(text)


def _refused(request: Request, caller: Principal, reference: str, error: Exception) -> Response:
    """The incident's page with the refusal above it; a reporter who may not read incidents
    (a data reporter) gets the refusal alone."""
    if not caller.may(Permission.incident_read):
        raise error
    language = page_language(request)
    if isinstance(error, InvalidInputError):
        return _incident_page(
            request, caller, reference, status=422,
            message=render(error.message, language), errors=_errors(error.problems, language),
        )  # fmt: skip
    if isinstance(error, StaleRecordError | IllegalTransitionError):
        return _incident_page(
            request, caller, reference, status=409, message=render(error.message, language)
        )
    assert isinstance(error, ForbiddenError)
    return _incident_page(
        request, caller, reference, status=403, message=render(error.message, language)
    )


REFUSALS = (InvalidInputError, StaleRecordError, IllegalTransitionError, ForbiddenError)


@router.post("/incidents/{reference}/reports")
async def add_report_form(request: Request, caller: Reporter, reference: str) -> Response:
    """Add the report; back to the incident (a stale version or a report the state does not
    allow is shown above the forms)."""
    form = await request.form()
    values = {name: str(form.get(name, ""))[:20_000] for name in (*FIGURES, "kind", "text")}
    problems: list[Problem] = []
    version = _version(str(form.get("version", "")), problems)
    figures = _figures(values, problems)
    corrects_text = str(form.get("corrects", "")).strip()
    corrects = int(corrects_text) if corrects_text.isdigit() else None
    blocked_at = _moment(str(form.get("blocked_at", ""))[:100], "blocked_at", problems)
    try:
        if problems:
            raise InvalidInputError(_("The report has mistakes."), problems)
        add_report(
            _store(request), reference, values["kind"], expected_version=version,
            text=values["text"], figures=figures, corrects=corrects, blocked_at=blocked_at,
            actor=caller,
        )  # fmt: skip
    except REFUSALS as error:
        return _refused(request, caller, reference, error)
    target = incident_path(reference) + "?" + urlencode({"done": values["kind"]})
    return RedirectResponse(target, status_code=303)


@router.post("/incidents/{reference}/announcement")
def announcement_form(
    request: Request,
    caller: Reporter,
    reference: str,
    version: Field = "",
    zh_CN: Field = "",  # noqa: N803 - the language's name
    en: Field = "",
    approve: Field = "",
) -> Response:
    """Save the announcement's texts and/or approve it."""
    problems: list[Problem] = []
    expected = _version(version, problems)
    texts = {key: value for key, value in (("zh_CN", zh_CN), ("en", en)) if value.strip()}
    try:
        if problems:
            raise InvalidInputError(_("The announcement has mistakes."), problems)
        edit_announcement(
            _store(request), reference, expected_version=expected, texts=texts,
            approve=approve == "yes", actor=caller,
        )  # fmt: skip
    except REFUSALS as error:
        return _refused(request, caller, reference, error)
    target = incident_path(reference) + "?" + urlencode({"done": "announcement"})
    return RedirectResponse(target, status_code=303)


@router.post("/incidents/{reference}/reroute")
def reroute_form(
    request: Request, caller: Reporter, reference: str, version: Field = ""
) -> Response:
    """Reroute around the incident's hubs and attach the backups."""
    problems: list[Problem] = []
    expected = _version(version, problems)
    try:
        if problems:
            raise InvalidInputError(_("The incident cannot be rerouted."), problems)
        plan_incident_reroute(_store(request), caller, reference, expected_version=expected)
    except REFUSALS as error:
        return _refused(request, caller, reference, error)
    target = incident_path(reference) + "?" + urlencode({"done": "reroute"})
    return RedirectResponse(target, status_code=303)
