"""Issuing a rectification order (责令整改): from an inspection's finding (carrier, company,
region and place come from it) or on the spot (当场责令改正: the carrier, the region, the place
and the facts typed in), citing the rules breached, with what to rectify and the deadline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from peakguard.app.access import reach, require
from peakguard.app.case_calendar import calendar_in, clock_rules
from peakguard.app.case_drafts import clean_text
from peakguard.app.incidents import regional_office
from peakguard.app.rectification_views import TEXT_LIMIT, OrderView, record_step, view_in
from peakguard.cases.rectification import (
    DEADLINE_RULE,
    REFERENCE_PREFIX,
    DeadlineSpec,
    OrderState,
    deadline_of,
    deadline_source,
    parse_deadline,
)
from peakguard.cases.security_rules import rule_of, security_rules
from peakguard.domain.regions import reference_regions
from peakguard.errors import ForbiddenError, InvalidInputError, NotFoundError, Problem
from peakguard.i18n import _
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store import rectification as stored
from peakguard.store.database import Store, transaction
from peakguard.store.inspections import finding_by_id


@dataclass(frozen=True)
class OrderDraft:
    """What the administration orders: from a finding (``finding_id``; carrier, company,
    region and place come from it) or on the spot (carrier and region typed in, with the
    place and the facts)."""

    requirement: str
    """What to rectify."""
    deadline: DeadlineSpec | str
    """A DeadlineSpec, or ``2026-12-20`` / ``10d`` / ``5wd``."""
    rule_keys: tuple[str, ...] = ()
    """The rules breached (default: the finding's rule)."""
    finding_id: int | None = None
    carrier: str | None = None
    region: str | None = None
    node_id: str | None = None
    place: str = ""
    facts: str = ""


def _office(session: Session, actor: Principal, region: str) -> int:
    """The issuing office: the actor's own regulator, or (the system) the region's."""
    if actor.organisation.kind is OrganisationKind.regulator and actor.organisation.id is not None:
        return actor.organisation.id
    office = regional_office(session, region)
    if office is None:
        problem = Problem("region", _("no postal administration is set up for this region"))
        raise InvalidInputError(_("The order has mistakes."), [problem])
    return office


def _company(session: Session, carrier: str, region: str) -> int:
    """The carrier company ordered: the brand's company of the region's province, else its
    headquarters."""
    companies = stored.carrier_companies(session, carrier)
    for company in companies:
        if company.region is not None and company.region[:2] == region[:2]:
            return company.id
    for company in companies:
        if company.region is None:
            return company.id
    message = _("no company of the brand {carrier} is registered", carrier=carrier)
    raise InvalidInputError(_("The order has mistakes."), [Problem("carrier", message)])


@dataclass
class _Checked:
    problems: list[Problem] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)


def _target(session: Session, actor: Principal, draft: OrderDraft, checked: _Checked) -> None:
    """Carrier, region, company, place and facts: from the finding or as typed."""
    problems, values = checked.problems, checked.values
    if draft.finding_id is not None:
        finding = finding_by_id(session, draft.finding_id)
        if finding is None or not reach(actor).covers(finding.carrier, finding.region):
            raise NotFoundError(_("No finding {id} is within your reach.", id=draft.finding_id))
        values |= {
            "carrier": finding.carrier, "region": finding.region, "company": finding.company_id,
            "node_id": finding.node_id, "facts": draft.facts.strip() or finding.description,
            "place": draft.place.strip() or finding.node_id or finding.region,
            "rules": draft.rule_keys or ((finding.rule_key,) if finding.rule_key else ()),
        }  # fmt: skip
        return
    carrier, region = (draft.carrier or "").strip(), (draft.region or "").strip()
    if not carrier:
        problems.append(Problem("carrier", _("is required for an order on the spot")))
    if region not in reference_regions():
        problems.append(Problem("region", _("must be a six-digit GB/T 2260 code")))
    if not draft.place.strip():
        problems.append(Problem("place", _("name the place inspected (the outlet, the hub)")))
    if not draft.facts.strip():
        problems.append(Problem("facts", _("state the facts found on the spot")))
    if problems:
        return
    if not reach(actor).covers(carrier, region):
        raise ForbiddenError(
            _("{who} may not order carriers outside its territory.", who=actor.label())
        )
    values |= {
        "carrier": carrier, "region": region, "company": _company(session, carrier, region),
        "node_id": draft.node_id, "facts": draft.facts.strip(), "place": draft.place.strip(),
        "rules": draft.rule_keys,
    }  # fmt: skip


def _check(session: Session, actor: Principal, draft: OrderDraft) -> _Checked:
    checked = _Checked()
    _target(session, actor, draft, checked)
    problems = checked.problems
    rules = security_rules()
    keys = tuple(dict.fromkeys(checked.values.get("rules", draft.rule_keys)))
    if not keys and not problems:
        problems.append(Problem("rules", _("cite at least one rule breached")))
    for index, key in enumerate(keys):
        if key not in rules:
            message = _("is not a security rule; the rules are {keys}", keys=", ".join(rules))
            problems.append(Problem(f"rules[{index}]", message))
    checked.values["rules"] = keys
    requirement = clean_text(draft.requirement, "requirement", problems, TEXT_LIMIT)
    if not requirement:
        problems.append(Problem("requirement", _("say what the carrier must rectify")))
    checked.values["requirement"] = requirement or ""
    for name in ("facts", "place"):
        clean_text(checked.values.get(name, ""), name, problems, TEXT_LIMIT)
    return checked


def issue_order(
    store: Store, draft: OrderDraft, *, actor: Principal, now: datetime | None = None
) -> OrderView:
    """Issue a rectification order to the carrier company; its clock starts now."""
    require(actor, Permission.order_issue)
    if actor.organisation.kind not in {OrganisationKind.regulator, OrganisationKind.system}:
        raise ForbiddenError(_("Only a postal administration issues rectification orders."))
    moment = now or datetime.now(UTC)
    spec = parse_deadline(draft.deadline) if isinstance(draft.deadline, str) else draft.deadline
    with transaction(store.sessions) as session:
        checked = _check(session, actor, draft)
        if checked.problems:
            raise InvalidInputError(_("The order has mistakes."), checked.problems)
        values = checked.values
        citations = [rule_of(key).citation for key in values["rules"]]
        deadline = deadline_of(
            spec, moment, calendar_in(session),
            source=deadline_source(clock_rules()[DEADLINE_RULE], citations),
        )  # fmt: skip
        new = stored.NewOrder(
            office_id=_office(session, actor, values["region"]), company_id=values["company"],
            carrier=values["carrier"], region=values["region"], finding_id=draft.finding_id,
            node_id=values["node_id"], place=values["place"], facts=values["facts"],
            rule_keys=values["rules"], requirement=values["requirement"],
            issued_by=actor.label(), issued_at=moment,
        )  # fmt: skip
        reference = stored.next_reference(session, REFERENCE_PREFIX, moment.year)
        order = stored.insert_order(session, new, reference, OrderState.issued.value)
        stored.start_clock(
            session, order.id, rule_key=DEADLINE_RULE, basis=deadline.basis.value,
            limit_value=deadline.limit, source=deadline.source, started_at=moment,
            due_at=deadline.due_at,
        )  # fmt: skip
        detail = {"rules": list(values["rules"]), "due_at": deadline.due_at.isoformat(),
                  "basis": deadline.basis.value, "limit": deadline.limit,
                  "finding": draft.finding_id}  # fmt: skip
        record_step(session, store, actor, order, "issue", OrderState.issued, moment,
              text=values["requirement"], detail=detail)  # fmt: skip
        return view_in(session, actor, order.id, moment)
