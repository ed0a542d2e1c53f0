"""The list of outlets in abnormal operation (经营异常网点清单, 快递市场管理办法 art. 39), kept per
territory: an outlet is entered with its reason, from and (optionally) until a date, by whom;
it is removed with a reason; nothing is deleted, so the list's history stays readable.

``inspection.conduct`` enters and removes (a regulator office in its territory, a carrier's
security officer for its own brand); ``security.read`` reads (a regulator its territory, a
carrier its brand). Every change is audited; a removal names the version it read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.app.case_drafts import clean_text
from peakguard.app.inspection_plans import PLACE_KINDS, REGION
from peakguard.domain.regions import reference_regions
from peakguard.errors import ForbiddenError, InvalidInputError, NotFoundError, Problem
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal
from peakguard.store import security_lists as stored
from peakguard.store.database import Store, transaction
from peakguard.store.networks import NetworkRepository
from peakguard.store.security_lists import AbnormalOutletRecord

REASON_LIMIT = 2000


@dataclass(frozen=True)
class AbnormalOutletEntry:
    """An outlet to enter: a node of a stored network, or a carrier, region and outlet name."""

    reason: str
    listed_from: date
    listed_until: date | None = None
    network: str | None = None
    node_id: str | None = None
    carrier: str | None = None
    region: str | None = None
    outlet: str | None = None


def _place(
    session: Session, entry: AbnormalOutletEntry, problems: list[Problem]
) -> tuple[str, str, str]:
    if entry.node_id:
        repository = NetworkRepository(session)
        stored_network = repository.version(entry.network or "")
        node = None if stored_network is None else repository.node(stored_network.id, entry.node_id)
        if node is None or node.kind not in PLACE_KINDS:
            problems.append(
                Problem("node_id", _("no outlet, station or hub of that id in the network"))
            )
            return "", "", ""
        return node.carrier, node.region, entry.outlet or node.name
    region = entry.region or ""
    if (
        not entry.carrier
        or not entry.outlet
        or not REGION.match(region)
        or region not in reference_regions()
    ):
        problems.append(
            Problem(
                "outlet",
                _("give a node of a stored network, or the carrier, region code and outlet name"),
            )
        )
        return "", "", ""
    return entry.carrier, region, entry.outlet


def add_abnormal_outlet(
    store: Store, actor: Principal, entry: AbnormalOutletEntry, *, now: datetime | None = None
) -> AbnormalOutletRecord:
    """Enter an outlet on the abnormal-operation list."""
    require(actor, Permission.inspection_conduct)
    moment = now or datetime.now(UTC)
    problems: list[Problem] = []
    reason = clean_text(entry.reason, "reason", problems, REASON_LIMIT)
    if not reason:
        problems.append(Problem("reason", _("say why the outlet is in abnormal operation")))
    if entry.listed_until is not None and entry.listed_until < entry.listed_from:
        problems.append(Problem("listed_until", _("must not be before the first day listed")))
    outlet_name = clean_text(entry.outlet, "outlet", problems, 200)
    with transaction(store.sessions) as session:
        carrier, region, outlet = _place(session, entry, problems)
        if problems:
            raise InvalidInputError(_("The entry has mistakes."), problems)
        if not reach(actor).covers(carrier, region):
            raise ForbiddenError(
                _("{who} may not list an outlet outside its reach.", who=actor.label())
            )
        record = stored.add_abnormal_outlet(
            session,
            {
                "carrier": carrier,
                "region": region,
                "network": entry.network if entry.node_id else None,
                "node_id": entry.node_id or None,
                "outlet": outlet_name or outlet,
                "reason": reason,
                "listed_from": entry.listed_from,
                "listed_until": entry.listed_until,
                "listed_by": actor.label(),
                "listed_at": moment,
            },
        )
        record_in(
            session,
            store,
            actor,
            "abnormal_outlet.add",
            "abnormal_outlet",
            str(record.id),
            detail={"carrier": carrier, "region": region, "node": entry.node_id},
            at=moment,
        )
    return record


def remove_abnormal_outlet(
    store: Store,
    actor: Principal,
    entry_id: int,
    *,
    reason: str,
    expected_version: int,
    now: datetime | None = None,
) -> AbnormalOutletRecord:
    """Take an outlet off the list, with the reason (the entry is kept as history)."""
    require(actor, Permission.inspection_conduct)
    moment = now or datetime.now(UTC)
    problems: list[Problem] = []
    text = clean_text(reason, "reason", problems, REASON_LIMIT)
    if not text:
        problems.append(Problem("reason", _("say why the outlet comes off the list")))
    if problems:
        raise InvalidInputError(_("The removal has mistakes."), problems)
    with transaction(store.sessions) as session:
        record = stored.abnormal_outlet(session, entry_id)
        if record is None or not reach(actor).covers(record.carrier, record.region):
            raise NotFoundError(_("There is no such entry on the abnormal-outlet list."))
        if record.removed_at is not None:
            raise InvalidInputError(
                _("The outlet is already off the list."), [Problem("entry", _("already removed"))]
            )
        version = stored.remove_abnormal_outlet(
            session,
            entry_id,
            expected_version,
            {"removed_by": actor.label(), "removed_at": moment, "removal_reason": text},
        )
        record_in(
            session,
            store,
            actor,
            "abnormal_outlet.remove",
            "abnormal_outlet",
            str(entry_id),
            detail={"version": version},
            at=moment,
        )
        removed = stored.abnormal_outlet(session, entry_id)
    assert removed is not None
    return removed


def abnormal_outlets(
    store: Store, actor: Principal, *, include_removed: bool = False
) -> list[AbnormalOutletRecord]:
    """The list as the reader may see it (with the removed entries when ``include_removed``)."""
    require(actor, Permission.security_read)
    scope = reach(actor)
    if scope.nothing:
        return []
    with store.sessions() as session:
        return stored.abnormal_outlets(
            session, carrier=scope.carrier, prefix=scope.prefix, include_removed=include_removed
        )
