"""The open cases on a landing page (the command centre, the network desk): how many of the
cases within the reader's reach stand in each open state, how many have a clock past its
deadline and how many one due within 24 hours — each a link to the desk's list, filtered.

The counts are the application layer's (:func:`peakguard.app.cases.list_cases`), so the panel
counts exactly the cases the list then shows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from peakguard.app.case_drafts import CaseQuery
from peakguard.app.cases import list_cases
from peakguard.cases.machines import is_final
from peakguard.cases.model import AppealState, CaseKind, ComplaintState
from peakguard.i18n import _, render
from peakguard.identity.model import Permission
from peakguard.web.pages.case_views import CASES, kind_text, state_text
from peakguard.web.pages.panels import PanelContext, PanelView
from peakguard.web.pages.tables import Column, TableView, Value

DUE_SOON = timedelta(hours=24)
OPEN = "open"
"""The list's state filter for every state a case is still worked in."""


def open_states(kind: CaseKind) -> list[str]:
    """The states of ``kind`` a case is still worked in, in the order of the workflow."""
    states = ComplaintState if kind is CaseKind.complaint else AppealState
    return [state.value for state in states if not is_final(kind, state.value)]


def every_open_state() -> tuple[str, ...]:
    """The states in which a case of either kind is still worked (a state open in one kind
    is open in the other wherever both have it)."""
    return tuple(dict.fromkeys(open_states(CaseKind.complaint) + open_states(CaseKind.appeal)))


def list_link(**filters: str) -> str:
    """The desk's list with ``filters``."""
    return CASES + ("?" + urlencode(filters) if filters else "")


class CasesPanel:
    """Open cases by state, overdue and due within 24 hours, for a reader with ``case.read``."""

    key = "cases"
    order = 40

    def view(self, context: PanelContext) -> PanelView | None:
        actor = context.actor
        if not actor.may(Permission.case_read):
            return None
        store, language = context.store, context.language
        now = datetime.now(UTC)

        def count(query: CaseQuery, at: datetime = now) -> int:
            """How many cases match (``limit=0``: counted, none read or decrypted)."""
            return list_cases(store, query, actor=actor, now=at).total

        rows: list[dict[str, Value]] = []
        total = 0
        for kind in CaseKind:
            for state in open_states(kind):
                found = count(CaseQuery(kinds=(kind,), states=(state,), limit=0))
                total += found
                if found:
                    rows.append(
                        {
                            "kind": kind_text(kind.value, language),
                            "state": state_text(kind.value, state, language),
                            "cases": found,
                            "link": list_link(kind=kind.value, state=state),
                        }
                    )
        overdue = count(CaseQuery(overdue=True, limit=0))
        # A running clock past its deadline 24 hours from now: overdue now, or due by then.
        soon = count(CaseQuery(overdue=True, limit=0), now + DUE_SOON) - overdue
        table = TableView(
            key="open_cases",
            title=render(_("Open cases by state"), language),
            columns=(
                Column("kind", render(_("Kind"), language)),
                Column("state", render(_("State"), language), link="link"),
                Column("cases", render(_("Cases"), language), digits=0),
            ),
            rows=rows,
            empty=render(_("No open case within your reach."), language),
            filename="open-cases",
        )
        cards = [
            {
                "label": render(_("Open cases"), language),
                "value": context.formats.number(total),
                "link": list_link(state=OPEN),
                "tone": "",
                "key": "open",
            },
            {
                "label": render(_("Overdue: a clock past its deadline"), language),
                "value": context.formats.number(overdue),
                "link": list_link(due="overdue"),
                "tone": "red" if overdue else "green",
                "key": "overdue",
            },
            {
                "label": render(_("Due within the next 24 hours"), language),
                "value": context.formats.number(soon),
                "link": list_link(due="24h"),
                "tone": "orange" if soon else "",
                "key": "soon",
            },
        ]
        return PanelView(
            key=self.key,
            title=render(_("Complaints and appeals"), language),
            template="case_panel.html",
            values={"cards": cards, "table": table},
            tables=(table,),
        )
