"""The public announcement of a network blockage (快递市场管理办法 art. 39: a carrier whose
service network is blocked announces it to the public): a draft generated from the incident in
Chinese and English through the translation layer, edited and approved by a regulator or the
carrier. Only a draft here: publishing notices is another issue's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.app.case_drafts import clean_text
from peakguard.cases.incidents import type_label
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, NotFoundError, Problem
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store, transaction
from peakguard.store.incidents import IncidentRecord, load_incident, update_incident

LANGUAGES = ("zh_CN", "en")
DRAFT = "draft"
APPROVED = "approved"
STATUS_LABELS: dict[str, Message] = {DRAFT: _("draft"), APPROVED: _("approved")}
"""The draft's status in words, for the reader."""
TEXT_LIMIT = 4000
HOTLINE = "[hotline]"
"""Placeholder for the carrier's customer-service number, filled in by whoever approves."""


@dataclass(frozen=True)
class AnnouncementView:
    """The draft: its texts by language, whether approved, and by whom."""

    texts: dict[str, str]
    status: str
    edited_by: str | None
    edited_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None


def _moment(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def draft_texts(incident: IncidentRecord, places: str) -> dict[str, str]:
    """The announcement in each language: the area, the services, since when, until when,
    what customers should expect, and the hotline placeholder."""
    message = _(
        "Announcement: because of {cause}, the {carrier} express service network in {places} "
        "(region {region}) is blocked since {since} (China time) and is expected to resume by "
        "{until}. Pickup and delivery there are suspended or delayed; parcels already sent are "
        "kept safe and will be delivered once service resumes. For your parcel, call {hotline}. "
        "We apologise for the inconvenience.",
        cause=type_label(incident.incident_type),
        carrier=incident.carrier,
        places=places or incident.region,
        region=incident.region,
        since=_moment(incident.blocked_at or incident.period_start),
        until=_moment(incident.period_end) if incident.period_end else _("a time to be announced"),
        hotline=HOTLINE,
    )
    return {language: render(message, language) for language in LANGUAGES}


def new_announcement(incident: IncidentRecord, places: str) -> dict[str, Any]:
    """The stored form of a fresh draft."""
    return {
        "texts": draft_texts(incident, places),
        "status": DRAFT,
        "edited_by": None,
        "edited_at": None,
        "approved_by": None,
        "approved_at": None,
    }


def announcement_view(stored: dict[str, Any] | None) -> AnnouncementView | None:
    if stored is None:
        return None

    def moment(key: str) -> datetime | None:
        value = stored.get(key)
        return None if value is None else datetime.fromisoformat(value)

    return AnnouncementView(
        texts={str(k): str(v) for k, v in dict(stored["texts"]).items()},
        status=str(stored["status"]),
        edited_by=stored.get("edited_by"),
        edited_at=moment("edited_at"),
        approved_by=stored.get("approved_by"),
        approved_at=moment("approved_at"),
    )


def edit_announcement(
    store: Store,
    reference: str,
    *,
    expected_version: int,
    texts: dict[str, str] | None = None,
    approve: bool = False,
    actor: Principal,
    now: datetime | None = None,
) -> AnnouncementView:
    """Replace the draft's texts (``texts``: language → text) and/or approve it; an edit
    after approval makes it a draft again. Audited; StaleRecordError for a stale version."""
    require(actor, Permission.incident_report)
    moment = now or datetime.now(UTC)
    problems: list[Problem] = []
    cleaned: dict[str, str] = {}
    for language, text in (texts or {}).items():
        where = f"texts.{language}"
        if language not in LANGUAGES:
            message = _(
                "is not a language of the announcement; they are {names}", names="zh_CN, en"
            )
            problems.append(Problem(where, message))
            continue
        kept = clean_text(text, where, problems, TEXT_LIMIT)
        if not kept:
            problems.append(Problem(where, _("is required")))
        else:
            cleaned[language] = kept
    if problems:
        raise InvalidInputError(_("The announcement has mistakes."), problems)
    with transaction(store.sessions) as session:
        incident = load_incident(session, reference)
        if incident is None or not reach(actor).covers(incident.carrier, incident.region):
            raise NotFoundError(
                _("No incident {reference} is within your reach.", reference=reference)
            )
        stored = incident.announcement
        if stored is None:
            raise InvalidInputError(
                _("The incident has no announcement."),
                [Problem("announcement", _("only a blockage of the service network has one"))],
            )
        if cleaned:
            stored = {**stored, "texts": {**stored["texts"], **cleaned}, "status": DRAFT}
            stored |= {"edited_by": actor.label(), "edited_at": moment.isoformat()}
            stored |= {"approved_by": None, "approved_at": None}
        if approve:
            stored |= {"status": APPROVED, "approved_by": actor.label()}
            stored |= {"approved_at": moment.isoformat()}
        update_incident(
            session, incident.id, expected_version, {"announcement": stored}, now=moment
        )
        record_in(
            session,
            store,
            actor,
            "incident.announcement",
            "incident",
            reference,
            detail={"edited": sorted(cleaned), "approved": approve},
            at=moment,
        )
    view = announcement_view(stored)
    assert view is not None
    return view
