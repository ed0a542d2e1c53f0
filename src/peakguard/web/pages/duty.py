"""Pages: the 24-hour duty (值班值守).

- ``/app/duty`` (``duty.read``): the board — who is on duty now and next (a loud banner when
  nobody is), the alerts with me with a big acknowledge button, the office's open alerts,
  handovers waiting for me, the duty log with an add-entry form, the handover form.
- ``/app/duty/roster`` (``duty.read``): the roster of a week (or the days asked); with
  ``duty.manage`` an edit form, one line per shift: ``day shift leader officer1 officer2 …``.
- The forms post to ``/app/duty/log``, ``/app/duty/handovers``, ``…/handovers/{id}/accept``,
  ``…/alerts/{id}/acknowledge`` (``duty.keep``) and ``/app/duty/roster`` (``duty.manage``);
  each goes back to its page, a mistake shows as the error page naming its field.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from peakguard.app import duty as desk
from peakguard.app.alerts import acknowledge, alert_message, office_alerts
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _, render
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store
from peakguard.store.duty import AlertRecord
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import Column, TableView, export_response

BOARD = "/app/duty"
ROSTER = "/app/duty/roster"
router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = (NavItem(BOARD, _("Duty"), Permission.duty_read, 7),)
Reader = Annotated[Principal, page_requires(Permission.duty_read)]
Keeper = Annotated[Principal, page_requires(Permission.duty_keep)]
Manager = Annotated[Principal, page_requires(Permission.duty_manage)]
Field = Annotated[str, Form(max_length=20_000)]
Day = Annotated[str, Query(max_length=10)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _alert_rows(found: list[AlertRecord], language: str) -> list[dict[str, Any]]:
    return [
        {
            "id": alert.id,
            "raised_at": alert.raised_at,
            "kind": alert.kind,
            "subject": alert.subject,
            "summary": render(alert_message(alert), language),
            "step": alert.step,
            "acknowledged_by": alert.acknowledged_by,
        }
        for alert in found
    ]


def _tables(store: Store, caller: Principal, language: str) -> list[TableView]:
    def t(text: str) -> str:
        return render(_(text), language)

    office = office_alerts(store, caller, open_only=False)[:100]
    log = desk.read_log(store, caller, limit=100)
    return [
        TableView(
            "alerts",
            t("The office's alerts (open first)"),
            [
                Column("raised_at", t("Raised")),
                Column("kind", t("Kind")),
                Column("subject", t("About")),
                Column("summary", t("Alert")),
                Column("step", t("Escalation step"), digits=0),
                Column("acknowledged_by", t("Acknowledged by")),
            ],
            _alert_rows(office, language),
            empty=t("No alerts."),
        ),
        TableView(
            "log",
            t("Duty log"),
            [
                Column("at", t("Time")),
                Column("author", t("By")),
                Column("subject", t("About")),
                Column("text", t("Entry")),
            ],
            [vars(entry) for entry in log],
            empty=t("The log is empty."),
        ),
    ]


@router.get("/duty")
def board(request: Request, caller: Reader) -> Response:
    """The duty board of the caller's office."""
    language = page_language(request)
    store = _store(request)
    tables = _tables(store, caller, language)
    exported = export_response(tables, request, language)
    if exported is not None:
        return exported
    now = desk.duty_now(store, caller)
    mine = office_alerts(store, caller, mine=True, open_only=True) if caller.user_id else []
    waiting = [
        handover
        for handover in desk.list_handovers(store, caller)
        if handover.accepted_at is None and handover.to_user == caller.name
    ]
    values = {
        "now": now,
        "nobody": render(desk.no_one_on_duty(), language),
        "mine": _alert_rows(mine, language),
        "waiting": waiting,
        "tables": tables,
        "may_keep": caller.may(Permission.duty_keep),
        "china": CHINA_STANDARD_TIME,
        "done": request.query_params.get("done", ""),
    }
    return render_page(request, caller, "duty.html", values, title=render(_("Duty"), language))


@router.post("/duty/log")
def add_log(request: Request, caller: Keeper, text: Field = "", subject: Field = "") -> Response:
    """Append an entry to the duty log."""
    desk.add_log_entry(_store(request), caller, text=text, subject=subject or None)
    return _back(BOARD + "?done=log")


@router.post("/duty/handovers")
def hand_over(request: Request, caller: Keeper, to: Field = "", note: Field = "") -> Response:
    """Hand the duty over (the open alerts are listed on it)."""
    desk.hand_over(_store(request), caller, to=to.strip(), note=note)
    return _back(BOARD + "?done=handover")


@router.post("/duty/handovers/{handover_id}/accept")
def accept(request: Request, caller: Keeper, handover_id: int, note: Field = "") -> Response:
    """Take over the duty handed to me."""
    desk.accept_handover(_store(request), caller, handover_id, note=note or None)
    return _back(BOARD + "?done=accepted")


@router.post("/duty/alerts/{alert_id}/acknowledge")
def acknowledge_alert(
    request: Request, caller: Keeper, alert_id: int, note: Field = ""
) -> Response:
    """Acknowledge an alert: it stops escalating."""
    acknowledge(_store(request), caller, alert_id, note=note or None)
    return _back(BOARD + "?done=acknowledged")


def _day(text: str, where: str, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        message = _("give a day as YYYY-MM-DD")
        raise InvalidInputError(message, [Problem(where, message)]) from None


def _today() -> date:
    return datetime.now(UTC).astimezone(CHINA_STANDARD_TIME).date()


@router.get("/duty/roster")
def roster_page(request: Request, caller: Reader, first: Day = "", last: Day = "") -> Response:
    """The roster of the days asked (this week by default); the edit form for duty.manage."""
    language = page_language(request)
    start = _day(first, "first", _today())
    end = _day(last, "last", start + timedelta(days=6))
    view = desk.get_roster(_store(request), caller, first=start, last=end)

    def names(watch: desk.WatchView) -> str:
        return " ".join(person.username for person in watch.officers)

    rows = [
        {
            "day": watch.day,
            "shift": watch.shift,
            "starts_at": watch.starts_at,
            "leader": watch.leader.display_name if watch.leader else None,
            "officers": ", ".join(p.display_name for p in watch.officers) or None,
        }
        for watch in view.watches
    ]
    table = TableView(
        "roster",
        render(_("Roster"), language),
        [
            Column("day", render(_("Day"), language)),
            Column("shift", render(_("Shift"), language)),
            Column("starts_at", render(_("Starts"), language)),
            Column("leader", render(_("Leader on duty"), language)),
            Column("officers", render(_("Duty officers in order"), language)),
        ],
        rows,
    )
    exported = export_response([table], request, language)
    if exported is not None:
        return exported
    lines = "\n".join(
        f"{w.day.isoformat()} {w.shift} {w.leader.username if w.leader else '-'} {names(w)}".strip()
        for w in view.watches
        if w.staffed
    )
    values = {
        "view": view,
        "table": table,
        "lines": lines,
        "may_manage": caller.may(Permission.duty_manage),
        "done": request.query_params.get("done", ""),
    }
    return render_page(
        request, caller, "duty_roster.html", values, title=render(_("Roster"), language)
    )


def parse_lines(text: str) -> list[desk.WatchInput]:
    """Roster lines ``day shift leader officer1 officer2 …`` (``-``: no leader); every bad
    line located."""
    watches: list[desk.WatchInput] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if not words:
            continue
        try:
            day = date.fromisoformat(words[0])
        except ValueError:
            day = None
        if day is None or len(words) < 3:
            problems.append(Problem(f"lines[{number}]", _("write: day shift leader officers…")))
            continue
        leader = None if words[2] == "-" else words[2]
        watches.append(desk.WatchInput(day, words[1], leader, tuple(words[3:])))
    if problems:
        raise InvalidInputError(_("the roster has mistakes"), problems)
    return watches


@router.post("/duty/roster")
def save_roster(
    request: Request,
    caller: Manager,
    first: Field = "",
    last: Field = "",
    version: Field = "",
    lines: Field = "",
) -> Response:
    """Replace the roster of the period shown (refused if someone saved it meanwhile)."""
    start = _day(first, "first", date.min) if first else None
    end = _day(last, "last", date.min) if last else None
    if start is None or end is None or not version.isdigit():
        message = _("the form is incomplete: reload the roster page")
        raise InvalidInputError(message, [Problem("first", message)])
    desk.set_roster(
        _store(request),
        caller,
        first=start,
        last=end,
        watches=parse_lines(lines),
        expected_version=int(version),
    )
    return _back(f"{ROSTER}?first={start.isoformat()}&last={end.isoformat()}&done=saved")
