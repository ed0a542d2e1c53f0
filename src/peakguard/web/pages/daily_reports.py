"""Pages: daily volume reports: submit (token, file, form), versions, flags, the roll-up.

- ``/app/daily-reports`` (``report.read``): the reports within reach (day, carrier, city, its
  version, its figures, its flags), filtered by days, city and brand; the rows export to CSV
  and Excel.
- ``/app/daily-reports/new`` (``report.submit``): the form a carrier company fills in each
  day; sending one for a day and city already reported is a correction (a new version, with
  its reason). Every mistake is shown beside its field and the form kept.
- ``/app/daily-reports/rollup`` (``report.read``): the administration's daily report of its
  territory: totals per carrier and per city, the flags and the missing reports.
- ``/app/daily-reports/{id}`` (``report.read``): one report, every version and every flag.

The operations are the application layer's (:mod:`peakguard.app.daily_reports`,
:mod:`peakguard.app.daily_rollup`); these pages show what it answers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from peakguard.app.daily_reports import (
    Submission,
    get_report,
    list_reports,
    narrowed,
    report_flags,
    submit_report,
)
from peakguard.app.daily_rollup import daily_rollup, rollup_flag_rows, rollup_rows
from peakguard.cases.daily_reports import (
    FIGURES,
    ClosedOutlet,
    HubBacklog,
    ReportContent,
    content_problems,
    flag_label,
    region_problem,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, NotFoundError, StaleRecordError
from peakguard.formats.limits import INT64_MAX
from peakguard.i18n import Message, _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.daily_reports import message_from
from peakguard.store.database import Store
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import Column, TableView, Value, export_response

router = APIRouter(prefix="/app", include_in_schema=False)
LIST = "/app/daily-reports"
NAVIGATION: tuple[NavItem, ...] = (NavItem(LIST, _("Daily reports"), Permission.report_read, 6),)
Reader = Annotated[Principal, page_requires(Permission.report_read)]
Submitter = Annotated[Principal, page_requires(Permission.report_submit)]
Text = Annotated[str, Query(max_length=200)]
Field = Annotated[str, Form(max_length=20_000)]
ReportId = Annotated[int, Path(ge=1, le=INT64_MAX)]
PAGE_SIZE = 100
LABELS: dict[str, Message] = {
    "picked_up": _("Parcels picked up"),
    "delivered": _("Parcels delivered"),
    "backlog": _("Backlog (total)"),
    "staff": _("Staff on duty"),
    "vehicles": _("Vehicles on duty"),
    "section": _("By"),
    "name": _("Carrier or city"),
    "reports": _("Reports"),
    "closed_outlets": _("Outlets closed"),
    "day": _("Day"),
    "carrier": _("Carrier"),
    "region": _("City"),
    "kind": _("Flag"),
    "version": _("Version"),
    "reason": _("Reason"),
    "threshold": _("Threshold"),
    "submitted_by": _("By"),
    "channel": _("Channel"),
    "submitted_at": _("At"),
    "checks": _("Checks at the deadline"),
    "raised_at": _("Raised"),
}
"""The heading of each column the pages show."""


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _day(text: str, where: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        message = _("{value} is not a day; write it as 2026-11-11", value=text)
        raise InvalidInputError(message, []) from None


def _t(message: Message | str, language: str) -> str:
    return render(message, language)


# --- the list ---------------------------------------------------------------------------------


@router.get("/daily-reports")
def reports_page(
    request: Request,
    caller: Reader,
    day_from: Text = "",
    day_to: Text = "",
    region: Text = "",
    carrier: Text = "",
) -> Response:
    """The reports within reach, newest day first, each with its flags."""
    language = page_language(request)
    chosen = narrowed(
        caller,
        region=region.strip() or None,
        carrier=carrier.strip().upper() or None,
        day_from=_day(day_from, "day_from"),
        day_to=_day(day_to, "day_to"),
    )
    store = _store(request)
    page = list_reports(store, caller, chosen, limit=PAGE_SIZE)
    flagged: dict[tuple[str, str, date], list[str]] = {}
    for flag in report_flags(store, caller, chosen):
        flagged.setdefault((flag.key.carrier, flag.key.region, flag.key.day), []).append(
            _t(flag_label(flag.kind), language)
        )
    rows: list[dict[str, Value]] = [
        {
            "day": r.key.day,
            "carrier": r.key.carrier,
            "region": r.key.region,
            "version": r.version,
            "picked_up": r.latest.picked_up,
            "delivered": r.latest.delivered,
            "backlog": r.latest.backlog,
            "flags": ", ".join(flagged.get((r.key.carrier, r.key.region, r.key.day), [])) or "—",
            "link": f"{LIST}/{r.id}",
        }
        for r in page.reports
    ]
    view = TableView(
        "daily-reports",
        _t(_("Daily reports"), language),
        [
            Column("day", _t(_("Day"), language), link="link"),
            Column("carrier", _t(_("Carrier"), language)),
            Column("region", _t(_("City"), language)),
            Column("version", _t(_("Version"), language), digits=0),
            Column("picked_up", _t(_("Picked up"), language), digits=0),
            Column("delivered", _t(_("Delivered"), language), digits=0),
            Column("backlog", _t(_("Backlog"), language), digits=0),
            Column("flags", _t(_("Flags"), language)),
        ],
        rows,
        empty=_t(_("No report matches."), language),
        note=_t(
            _(
                "{total} reports match; the newest {shown} shown.",
                total=page.total,
                shown=len(rows),
            ),
            language,
        ),
    )
    if (exported := export_response([view], request, language)) is not None:
        return exported
    values = {
        "view": view,
        "filters": {"day_from": day_from, "day_to": day_to, "region": region, "carrier": carrier},
        "may_submit": caller.may(Permission.report_submit),
    }
    return render_page(
        request, caller, "daily_reports.html", values, title=_t(_("Daily reports"), language)
    )


# --- the form ---------------------------------------------------------------------------------


FORM_FIELDS = ("day", "region", "carrier", *FIGURES, "hubs", "closed", "reason")


def _blank(caller: Principal) -> dict[str, str]:
    yesterday = datetime.now(UTC).astimezone(CHINA_STANDARD_TIME).date() - timedelta(days=1)
    values = dict.fromkeys(FORM_FIELDS, "")
    values["day"] = yesterday.isoformat()
    values["carrier"] = caller.organisation.carrier or ""
    return values


def _form(
    request: Request,
    caller: Principal,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    *,
    status: int = 200,
    refusal: str = "",
) -> Response:
    language = page_language(request)
    context = {
        "form": values,
        "errors": errors or {},
        "refusal": refusal,
        "figures": [(name, _t(LABELS[name], language)) for name in FIGURES],
        "own_brand": caller.organisation.kind is OrganisationKind.carrier,
    }
    title = _t(_("Submit a daily report"), language)
    return render_page(
        request, caller, "daily_report_new.html", context, status=status, title=title
    )


@router.get("/daily-reports/new")
def new_report_page(request: Request, caller: Submitter) -> Response:
    """The empty form (yesterday, the caller's own brand)."""
    return _form(request, caller, _blank(caller))


def _lines(text: str, where: str, errors: dict[str, str], language: str) -> list[tuple[str, str]]:
    """``node value`` per line (the value may hold spaces: a closure's reason)."""
    pairs: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.strip().split(None, 1)
        if len(parts) != 2:
            errors.setdefault(
                where,
                _t(
                    _("line {line}: write the node, a space, then its value", line=number), language
                ),
            )
            continue
        pairs.append((parts[0], parts[1].strip()))
    return pairs


def _parsed(values: dict[str, str], language: str) -> tuple[Submission | None, dict[str, str]]:
    errors: dict[str, str] = {}
    day = None
    try:
        day = date.fromisoformat(values["day"].strip())
    except ValueError:
        errors["day"] = _t(_("write the day as 2026-11-11"), language)
    wrong = region_problem(values["region"].strip())
    if wrong is not None:
        errors["region"] = _t(wrong, language)
    counts: dict[str, int] = {}
    for name in FIGURES:
        text = values[name].strip().replace(",", "")
        if not text.isdigit():
            errors[name] = _t(_("a whole number of 0 or more"), language)
        else:
            counts[name] = int(text)
    hubs: list[HubBacklog] = []
    for node, parcels in _lines(values["hubs"], "hubs", errors, language):
        if not parcels.replace(",", "").isdigit():
            errors.setdefault("hubs", _t(_("{node}: a whole number", node=node), language))
        else:
            hubs.append(HubBacklog(node, int(parcels.replace(",", ""))))
    closed = [ClosedOutlet(n, r) for n, r in _lines(values["closed"], "closed", errors, language)]
    if errors or day is None:
        return None, errors
    content = ReportContent(**counts, hub_backlogs=tuple(hubs), closed_outlets=tuple(closed))
    for where, message in content_problems(content):
        field = where.split("[")[0] if "[" in where else where
        field = {"hub_backlogs": "hubs", "closed_outlets": "closed"}.get(field, field)
        errors.setdefault(field, _t(message, language))
    if errors:
        return None, errors
    carrier = values["carrier"].strip().upper() or None
    reason = values["reason"].strip() or None
    return Submission(values["region"].strip(), day, content, carrier, reason), errors


@router.post("/daily-reports/new")
def submit_report_page(
    request: Request,
    caller: Submitter,
    day: Field = "",
    region: Field = "",
    carrier: Field = "",
    picked_up: Field = "",
    delivered: Field = "",
    backlog: Field = "",
    staff: Field = "",
    vehicles: Field = "",
    hubs: Field = "",
    closed: Field = "",
    reason: Field = "",
) -> Response:
    """Keep the report (or its correction) and go to its page; or show the form again."""
    language = page_language(request)
    values = {
        "day": day, "region": region, "carrier": carrier, "picked_up": picked_up,
        "delivered": delivered, "backlog": backlog, "staff": staff, "vehicles": vehicles,
        "hubs": hubs, "closed": closed, "reason": reason,
    }  # fmt: skip
    submission, errors = _parsed(values, language)
    if submission is None:
        return _form(request, caller, values, errors, status=422)
    try:
        kept = submit_report(_store(request), caller, submission, channel="form")
    except InvalidInputError as error:
        found = {p.location: _t(p.message, language) for p in error.problems}
        return _form(request, caller, values, found, status=422)
    except (NotFoundError, StaleRecordError) as error:
        return _form(request, caller, values, status=422, refusal=_t(error.message, language))
    return RedirectResponse(f"{LIST}/{kept.report_id}", status_code=303)


# --- the roll-up ------------------------------------------------------------------------------


@router.get("/daily-reports/rollup")
def rollup_page(request: Request, caller: Reader, day: Text = "", region: Text = "") -> Response:
    """The territory's daily report: totals, flags, missing reports (exports as CSV/Excel)."""
    language = page_language(request)
    chosen = _day(day, "day") or (
        datetime.now(UTC).astimezone(CHINA_STANDARD_TIME).date() - timedelta(days=1)
    )
    found = daily_rollup(_store(request), caller, chosen, region.strip() or None)
    names = ("section", "name", "reports", *FIGURES, "closed_outlets")
    totals = TableView(
        "rollup",
        _t(_("Totals per carrier and per city"), language),
        [
            Column(name, _t(LABELS[name], language), digits=None if i < 2 else 0)
            for i, name in enumerate(names)
        ],
        [dict(zip(names, line, strict=True)) for line in rollup_rows(found)],
        empty=_t(_("No report received for this day."), language),
        filename=f"rollup-{chosen.isoformat()}",
    )
    flag_names = ("day", "carrier", "region", "kind", "version", "reason", "threshold")
    flags = TableView(
        "flags",
        _t(_("Flags and missing reports"), language),
        [Column(name, _t(LABELS[name], language)) for name in flag_names],
        [dict(zip(flag_names, row, strict=True)) for row in rollup_flag_rows(found, language)],
        empty=_t(_("No flag, no missing report."), language),
        filename=f"rollup-flags-{chosen.isoformat()}",
    )
    if (exported := export_response([totals, flags], request, language)) is not None:
        return exported
    values = {"tables": [totals, flags], "day": chosen.isoformat(), "region": region}
    title = _t(_("Daily roll-up"), language)
    return render_page(request, caller, "daily_report_rollup.html", values, title=title)


# --- one report -------------------------------------------------------------------------------


def _checks_text(checks: tuple[dict[str, Any], ...] | None, language: str) -> str:
    if checks is None:
        return _t(_("not checked yet (before the deadline's sweep)"), language)
    return "; ".join(
        f"{item['kind']}: {item['outcome']} ({_t(message_from(item['reason']), language)})"
        for item in checks
    )


@router.get("/daily-reports/{report_id}")
def report_page(request: Request, caller: Reader, report_id: ReportId) -> Response:
    """A report's every version (who, when, how, why, the checks) and its flags."""
    language = page_language(request)
    found = get_report(_store(request), caller, report_id)
    version_names = ("version", *FIGURES, "submitted_by", "channel", "submitted_at", "reason",
                     "checks")  # fmt: skip
    versions = TableView(
        "versions",
        _t(_("Versions (the latest counts)"), language),
        [Column(name, _t(LABELS[name], language)) for name in version_names],
        [
            {
                "version": v.version,
                **{name: getattr(v.content, name) for name in FIGURES},
                "submitted_by": v.submitted_by,
                "channel": v.channel,
                "submitted_at": v.submitted_at,
                "reason": v.reason or "—",
                "checks": _checks_text(v.checks, language),
            }
            for v in reversed(found.versions)
        ],
    )
    flag_names = ("kind", "version", "reason", "threshold", "raised_at")
    flags = TableView(
        "flags",
        _t(_("Flags"), language),
        [Column(name, _t(LABELS[name], language)) for name in flag_names],
        [
            {
                "kind": f.kind,
                "version": f.version,
                "reason": _t(f.reason, language),
                "threshold": _t(f.threshold, language),
                "raised_at": f.raised_at,
            }
            for f in found.flags
        ],
        empty=_t(_("No flag."), language),
    )
    if (exported := export_response([versions, flags], request, language)) is not None:
        return exported
    latest = found.report.latest
    values = {
        "report": found.report,
        "received": found.report.first_received_at.astimezone(CHINA_STANDARD_TIME).strftime(
            "%Y-%m-%d %H:%M"
        ),
        "tables": [versions, flags],
        "hubs": latest.hub_backlogs,
        "closed": latest.closed_outlets,
        "may_correct": caller.may(Permission.report_submit),
    }
    key = found.report.key
    title = _t(
        _("Daily report of {carrier} {region} on {day}", carrier=key.carrier,
          region=key.region, day=key.day.isoformat()),
        language,
    )  # fmt: skip
    return render_page(request, caller, "daily_report.html", values, title=title)
