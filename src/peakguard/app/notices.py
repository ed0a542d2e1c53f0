"""Publishing notices to the public: consumer tips (消费提示) per territory and the notices of
controlled areas (管控公告), and reading what is published.

Who publishes: ``notice.publish`` — a regulator inside its territory (for every carrier's
customers), a carrier for its own brand (a provincial company inside its province). Anyone,
anonymous callers included, reads what is published and in force: a notice to the public is
public. Withdrawing is the publisher's side again, on the version it read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.app.controlled_areas import controlled_areas_in
from peakguard.cases.controlled import code_prefix, controlling
from peakguard.errors import InvalidInputError, NotFoundError, Problem, StaleRecordError
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal
from peakguard.notices.tips import ConsumerTip, check_tip
from peakguard.notices.tracking import PublishedNotice
from peakguard.notices.wording import load_wording, moment_text, place_of
from peakguard.store import notices as stored
from peakguard.store.database import Store, transaction
from peakguard.store.notice_tables import PublicNoticeRow


class NoticeKind(StrEnum):
    tip = "tip"
    control = "control"


PUBLISHED = "published"
WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class NoticeView:
    """A notice as every edge shows it (it holds no personal data)."""

    id: int
    kind: str
    state: str
    region: str
    carrier: str | None
    valid_from: datetime
    valid_until: datetime
    title_zh: str
    title_en: str
    text_zh: str
    text_en: str
    publisher: str
    published_by: str
    published_at: datetime
    withdrawn_at: datetime | None
    version: int

    def title(self, language: str) -> str:
        return self.title_en if language.lower().startswith("en") else self.title_zh

    def text(self, language: str) -> str:
        return self.text_en if language.lower().startswith("en") else self.text_zh


def _view(row: PublicNoticeRow) -> NoticeView:
    return NoticeView(
        row.id,
        row.kind,
        row.state,
        row.region,
        row.carrier,
        row.valid_from,
        row.valid_until,
        row.title_zh,
        row.title_en,
        row.text_zh,
        row.text_en,
        row.publisher,
        row.published_by,
        row.published_at,
        row.withdrawn_at,
        row.version,
    )


def _publishing_brand(actor: Principal, region: str, carrier: str | None) -> str | None:
    """The brand a notice of ``actor`` for ``region`` is for (None: every carrier's), or a
    refusal naming the territory or brand it may publish for."""
    require(actor, Permission.notice_publish)
    scope = reach(actor)
    if scope.everything:
        return carrier
    if scope.nothing or not region.startswith(scope.prefix):
        raise InvalidInputError(
            _("The notice has mistakes."),
            [
                Problem(
                    "region", _("{region} is outside the territory you publish for.", region=region)
                )
            ],
        )
    if scope.carrier is not None:
        if carrier not in (None, scope.carrier):
            raise InvalidInputError(
                _("The notice has mistakes."),
                [Problem("carrier", _("A carrier publishes for its own brand only."))],
            )
        return scope.carrier
    if carrier is not None:
        raise InvalidInputError(
            _("The notice has mistakes."),
            [
                Problem(
                    "carrier", _("A regulator's notice is for every carrier: leave the brand out.")
                )
            ],
        )
    return None


def _store_notice(
    store: Store, actor: Principal, tip: ConsumerTip, kind: NoticeKind, now: datetime
) -> NoticeView:
    with transaction(store.sessions) as session:
        row = stored.add_notice(
            session,
            PublicNoticeRow(
                kind=kind.value,
                state=PUBLISHED,
                region=tip.territory,
                carrier=tip.carrier,
                valid_from=tip.valid_from,
                valid_until=tip.valid_until,
                title_zh=tip.title_zh.strip(),
                title_en=tip.title_en.strip(),
                text_zh=tip.text_zh.strip(),
                text_en=tip.text_en.strip(),
                publisher=actor.organisation.code,
                published_by=actor.label(),
                published_at=now,
                version=1,
                updated_at=now,
            ),
        )
        detail = {"kind": kind.value, "region": tip.territory, "carrier": tip.carrier}
        record_in(
            session, store, actor, "notice.publish", "notice", str(row.id), detail=detail, at=now
        )
        return _view(row)


def publish_tip(store: Store, actor: Principal, tip: ConsumerTip, *, now: datetime) -> NoticeView:
    """Publish a consumer tip for ``tip.territory`` (its brand set from the actor)."""
    brand = _publishing_brand(actor, tip.territory, tip.carrier)
    checked = check_tip(
        ConsumerTip(
            tip.territory,
            tip.valid_from,
            tip.valid_until,
            tip.title_zh,
            tip.title_en,
            tip.text_zh,
            tip.text_en,
            brand,
        )
    )
    return _store_notice(store, actor, checked, NoticeKind.tip, now)


def publish_control_notice(
    store: Store,
    actor: Principal,
    region: str,
    *,
    now: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
    text_zh: str | None = None,
    text_en: str | None = None,
    carrier: str | None = None,
) -> NoticeView:
    """Publish the notice of the controlled area ``region``: its window defaults to the
    control in force there at ``now`` (an incident's or a scenario's closure), its text to
    the standard tracking script filled from it. Every parcel bound there shows it on its
    tracking (a carrier's notice: that brand's parcels)."""
    brand = _publishing_brand(actor, region, carrier)
    with transaction(store.sessions) as session:
        area = controlling(controlled_areas_in(session), region, now)
    if (start is None or end is None) and area is None:
        raise InvalidInputError(
            _("The notice has mistakes."),
            [
                Problem(
                    "start",
                    _(
                        "No control is in force in {region} now: give the notice's start and end.",
                        region=region,
                    ),
                )
            ],
        )
    window_start = start or (area.start if area else now)
    window_end = end or (area.end if area else now)
    scripts = load_wording()
    filled = {
        lang: scripts["tracking"][lang].format(
            place=place_of(region, lang), end=moment_text(window_end, lang)
        )
        for lang in ("zh", "en")
    }
    notice = ConsumerTip(
        region,
        window_start,
        window_end,
        "管控公告：" + place_of(region, "zh"),
        "Control notice: " + place_of(region, "en"),
        text_zh or filled["zh"],
        text_en or filled["en"],
        brand,
    )
    try:
        checked = check_tip(notice)
    except InvalidInputError as error:
        # named as the control notice's own fields (start, end, region), not the tip's
        fields = {"valid_from": "start", "valid_until": "end", "territory": "region"}
        problems = [Problem(fields.get(p.location, p.location), p.message) for p in error.problems]
        raise InvalidInputError(_("The notice has mistakes."), problems) from None
    return _store_notice(store, actor, checked, NoticeKind.control, now)


def _managed(actor: Principal, row: PublicNoticeRow) -> bool:
    scope = reach(actor)
    if scope.everything:
        return True
    if scope.nothing or not row.region.startswith(scope.prefix):
        return False
    return row.carrier == scope.carrier


def withdraw_notice(
    store: Store, actor: Principal, notice_id: int, *, expected_version: int, now: datetime
) -> NoticeView:
    """Withdraw a published notice: it stops showing at once (kept, with who and when)."""
    require(actor, Permission.notice_publish)
    with transaction(store.sessions) as session:
        row = stored.notice_row(session, notice_id)
        if row is None or not _managed(actor, row):
            raise NotFoundError(_("No notice {id} that you publish for.", id=notice_id))
        if row.state == WITHDRAWN:
            return _view(row)
        version = stored.update_notice(
            session,
            row,
            expected_version,
            {"state": WITHDRAWN, "withdrawn_by": actor.label(), "withdrawn_at": now},
            now=now,
        )
        if version is None:
            raise StaleRecordError(
                _(
                    "Notice {id} was changed since you read it (version {version}): read it again.",
                    id=notice_id,
                    version=row.version,
                )
            )
        record_in(session, store, actor, "notice.withdraw", "notice", str(notice_id), at=now)
        session.refresh(row)
        return _view(row)


def managed_notices(store: Store, actor: Principal) -> list[NoticeView]:
    """Every notice the actor publishes for (published and withdrawn), newest first."""
    require(actor, Permission.notice_publish)
    with transaction(store.sessions) as session:
        return [_view(row) for row in stored.notice_rows(session) if _managed(actor, row)]


def published_notices(
    store: Store,
    actor: Principal,
    *,
    now: datetime,
    region: str | None = None,
    kind: NoticeKind | None = None,
    carrier: str | None = None,
) -> list[NoticeView]:
    """The notices in force at ``now`` (open to all): inside ``region`` when given (a notice
    of the province shows in its cities), a carrier's only when ``carrier`` names it."""
    del actor  # a notice to the public is public: anyone may read it
    with transaction(store.sessions) as session:
        rows = stored.notice_rows(session, kind=kind.value if kind else None, state=PUBLISHED)
    shown = []
    for row in rows:
        if not row.valid_from <= now < row.valid_until:
            continue
        if region is not None and not region.startswith(code_prefix(row.region)):
            continue
        if row.carrier is not None and carrier is not None and row.carrier != carrier:
            continue
        shown.append(_view(row))
    return shown


def get_notice(store: Store, actor: Principal, notice_id: int) -> NoticeView:
    """One notice: a published one to anyone, a withdrawn one to its publishers only."""
    with transaction(store.sessions) as session:
        row = stored.notice_row(session, notice_id)
    if row is None or (
        row.state != PUBLISHED
        and not (actor.may(Permission.notice_publish) and _managed(actor, row))
    ):
        raise NotFoundError(_("No notice {id} is published.", id=notice_id))
    return _view(row)


def control_notices(store: Store) -> list[PublishedNotice]:
    """The published controlled-area notices, as the tracking core reads them."""
    with transaction(store.sessions) as session:
        rows = stored.notice_rows(session, kind=NoticeKind.control.value, state=PUBLISHED)
    return [
        PublishedNotice(
            f"N{row.id}",
            row.region,
            row.valid_from,
            row.valid_until,
            row.text_zh,
            row.text_en,
            row.carrier,
        )
        for row in rows
    ]
