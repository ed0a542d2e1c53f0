"""What an inspection plan must say, checked: who conducts it (a regulator office alone or
jointly with public security, or a carrier company's self-inspection), the carrier company and
the place inspected (a node of a stored network, or an address in a region), the inspectors
(users of the conducting organisation) and the checklist used."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from peakguard.app.access import reach
from peakguard.app.case_drafts import clean_text
from peakguard.cases.inspections import Checklist, InspectionState
from peakguard.domain.regions import reference_regions
from peakguard.errors import ForbiddenError, InvalidInputError, Problem
from peakguard.i18n import Message, _
from peakguard.identity.model import Organisation, OrganisationKind, Principal
from peakguard.identity.territory import reach_of, region_prefix
from peakguard.store.accounts import organisation_of, organisation_row, user_row
from peakguard.store.networks import NetworkRepository

REGION = re.compile(r"^[1-8][0-9]{5}$")
TEXT_LIMIT = 4000
PLACE_KINDS = frozenset({"outlet", "station", "hub"})


class InspectionKind(StrEnum):
    planned = "planned"
    """明察: announced in advance."""
    unannounced = "unannounced"
    """暗访: the carrier does not see it until it is completed."""


class ConductedBy(StrEnum):
    regulator = "regulator"
    joint = "joint"
    """Jointly with public security (the partner body and its officers recorded)."""
    self_inspection = "self"
    """The carrier company's own self-inspection."""


def kind_label(kind: str) -> Message:
    return _("unannounced (暗访)") if kind == InspectionKind.unannounced else _("planned (明察)")


def conducted_label(conducted_by: str) -> Message:
    labels = {
        ConductedBy.regulator: _("regulator"),
        ConductedBy.joint: _("regulator with public security"),
        ConductedBy.self_inspection: _("self-inspection"),
    }
    return labels.get(ConductedBy(conducted_by), _("regulator"))


@dataclass(frozen=True)
class InspectionPlan:
    """A new inspection. ``organisation`` is the conducting organisation's code (default: the
    actor's; the command line's local administrator must name it)."""

    kind: str
    conducted_by: str
    company: str
    scheduled_at: datetime
    inspectors: tuple[str, ...]
    network: str | None = None
    node_id: str | None = None
    address: str | None = None
    region: str | None = None
    partner_body: str | None = None
    partner_officers: tuple[str, ...] = field(default=())
    note: str = ""
    organisation: str | None = None


@dataclass(frozen=True)
class Place:
    carrier: str
    region: str
    network: str | None
    node_id: str | None
    address: str | None


def _choice(value: str, choices: type[StrEnum], where: str, problems: list[Problem]) -> None:
    if value not in {item.value for item in choices}:
        options = ", ".join(item.value for item in choices)
        problems.append(Problem(where, _("give one of: {choices}", choices=options)))


def _organisation(
    session: Session, code: str, where: str, problems: list[Problem]
) -> Organisation | None:
    row = organisation_row(session, code)
    if row is None or row.disabled:
        problems.append(Problem(where, _("no such organisation")))
        return None
    return organisation_of(row)


def _place(
    session: Session, plan: InspectionPlan, company: Organisation, problems: list[Problem]
) -> Place | None:
    carrier = company.carrier or ""
    if plan.node_id:
        repository = NetworkRepository(session)
        stored = repository.version(plan.network or "")
        node = None if stored is None else repository.node(stored.id, plan.node_id)
        if node is None or node.kind not in PLACE_KINDS:
            problems.append(
                Problem(
                    "node_id",
                    _(
                        "no outlet, station or hub of that id in network {network}",
                        network=plan.network or "—",
                    ),
                )
            )
            return None
        if node.carrier != carrier:
            problems.append(Problem("node_id", _("the node is not the inspected company's")))
            return None
        return Place(carrier, node.region, plan.network, node.id, plan.address)
    region = plan.region or ""
    if not plan.address or not REGION.match(region) or region not in reference_regions():
        problems.append(
            Problem(
                "place", _("give a node of a stored network, or an address and its region code")
            )
        )
        return None
    return Place(carrier, region, None, None, plan.address)


def _company(session: Session, code: str, problems: list[Problem]) -> Organisation | None:
    company = _organisation(session, code, "company", problems)
    if company is not None and (
        company.kind is not OrganisationKind.carrier or not company.carrier
    ):
        problems.append(Problem("company", _("give a carrier company")))
        return None
    return company


def _conductor(
    actor: Principal, session: Session, plan: InspectionPlan, problems: list[Problem]
) -> Organisation | None:
    if plan.organisation is None or plan.organisation == actor.organisation.code:
        if actor.organisation.kind is OrganisationKind.system:
            problems.append(Problem("organisation", _("name the conducting organisation")))
            return None
        return _organisation(session, actor.organisation.code, "organisation", problems)
    if actor.organisation.kind is not OrganisationKind.system:
        raise ForbiddenError(
            _("{who} may plan inspections only for its own organisation.", who=actor.label())
        )
    return _organisation(session, plan.organisation, "organisation", problems)


def _conduct_allowed(conductor: Organisation, plan: InspectionPlan, place: Place) -> Message | None:
    """Why ``conductor`` may not conduct this inspection (None: it may)."""
    if plan.conducted_by == ConductedBy.self_inspection:
        if conductor.kind is not OrganisationKind.carrier or conductor.carrier != place.carrier:
            return _("a self-inspection is conducted by a company of the inspected brand")
    elif conductor.kind is not OrganisationKind.regulator:
        return _("an inspection by a regulator is conducted by a regulator office")
    if not reach_of(conductor).covers(place.carrier, place.region):
        return _("the place is outside the conducting organisation's reach")
    return None


def _inspectors(
    session: Session, conductor: Organisation, plan: InspectionPlan, problems: list[Problem]
) -> list[int]:
    if not plan.inspectors:
        problems.append(Problem("inspectors", _("name at least one inspector")))
    found = []
    for number, username in enumerate(plan.inspectors):
        row = user_row(session, username)
        if row is None or row.disabled or row.organisation_id != conductor.id:
            problems.append(
                Problem(
                    f"inspectors[{number}]", _("not an active user of the conducting organisation")
                )
            )
        else:
            found.append(row.id)
    return found


def _texts(plan: InspectionPlan, problems: list[Problem]) -> dict[str, Any]:
    _choice(plan.kind, InspectionKind, "kind", problems)
    _choice(plan.conducted_by, ConductedBy, "conducted_by", problems)
    partner = clean_text(plan.partner_body, "partner_body", problems, 200)
    officers = [
        clean_text(name, f"partner_officers[{n}]", problems, 100)
        for n, name in enumerate(plan.partner_officers)
    ]
    if plan.conducted_by == ConductedBy.joint and not partner:
        problems.append(
            Problem("partner_body", _("name the public security body inspecting jointly"))
        )
    if plan.conducted_by != ConductedBy.joint and (partner or any(officers)):
        problems.append(Problem("partner_body", _("only a joint inspection has a partner body")))
    if plan.scheduled_at.tzinfo is None:
        problems.append(Problem("scheduled_at", _("give the time with its time zone")))
    return {
        "partner_body": partner,
        "partner_officers": json.dumps([name for name in officers if name], ensure_ascii=False)
        if partner
        else None,
        "note": clean_text(plan.note, "note", problems, TEXT_LIMIT) or "",
        "address": clean_text(plan.address, "address", problems, 500),
    }


def checked_plan(
    actor: Principal, session: Session, plan: InspectionPlan, checklist: Checklist, now: datetime
) -> tuple[dict[str, Any], list[int]]:
    """The new inspection's row values and its inspectors' user ids; InvalidInputError listing
    every mistake, ForbiddenError when the actor may not conduct it."""
    problems: list[Problem] = []
    texts = _texts(plan, problems)
    conductor = _conductor(actor, session, plan, problems)
    company = _company(session, plan.company, problems)
    place = None if company is None else _place(session, plan, company, problems)
    if (
        company is not None
        and place is not None
        and company.region
        and not place.region.startswith(region_prefix(company.region, None))
    ):
        problems.append(Problem("place", _("the place is outside the company's province")))
    inspectors = [] if conductor is None else _inspectors(session, conductor, plan, problems)
    if problems:
        raise InvalidInputError(_("The inspection plan has mistakes."), problems)
    assert conductor is not None
    assert company is not None
    assert place is not None
    refusal = _conduct_allowed(conductor, plan, place)
    if refusal is None and not reach(actor).covers(place.carrier, place.region):
        refusal = _("the place is outside your reach")
    if refusal is not None:
        raise ForbiddenError(
            _("{who} may not plan this inspection.", who=actor.label()), [Problem("place", refusal)]
        )
    return {
        **texts,
        "address": place.address,
        "kind": plan.kind,
        "conducted_by": plan.conducted_by,
        "organisation_id": conductor.id,
        "carrier": place.carrier,
        "company_id": company.id,
        "network": place.network,
        "node_id": place.node_id,
        "region": place.region,
        "scheduled_at": plan.scheduled_at,
        "checklist": checklist.name,
        "checklist_items": json.dumps(
            [[i.key, i.section, i.text_zh, i.text_en, i.rule_key] for i in checklist.items],
            ensure_ascii=False,
        ),
        "state": InspectionState.planned.value,
        "version": 1,
        "created_by": actor.label(),
        "created_at": now,
        "updated_at": now,
    }, inspectors
