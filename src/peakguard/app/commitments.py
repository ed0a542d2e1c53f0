"""The season's safety-assurance commitment letters (安全保障服务承诺书): each carrier company
signs one with the regulator office of its territory before the peak season — the date, the
signer (name and title), the office, and the letter's file (evidence subject ``commitment``).
A carrier company in the reader's territory without a letter for the season is shown missing.

``inspection.conduct`` or ``order.issue`` records a letter (a regulator office, for companies in
its territory); ``security.read`` reads (a regulator its territory, a carrier its brand). The
signer's name is shown only to readers within reach and never written to the audit trail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.app.case_drafts import clean_text
from peakguard.app.security_evidence import EvidenceRef, attach_evidence, evidence_for
from peakguard.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    Problem,
)
from peakguard.i18n import _
from peakguard.identity.model import Organisation, OrganisationKind, Permission, Principal
from peakguard.identity.territory import Reach
from peakguard.store import security_lists as stored
from peakguard.store.accounts import organisation_of, organisation_row, organisation_rows
from peakguard.store.database import Store, transaction
from peakguard.store.security_lists import CommitmentRecord

SEASON = re.compile(r"^20[0-9]{2}(-[0-9]{2,4})?$")


@dataclass(frozen=True)
class CommitmentDraft:
    company: str
    """The carrier company's organisation code."""
    season: str
    """``2026`` (the peak season starting that year)."""
    signed_on: date
    signer_name: str
    signer_title: str
    regulator: str | None = None
    """The office's code (default: the recording user's office)."""


@dataclass(frozen=True)
class CompanyCommitments:
    """A carrier company and its letters of the season (none: missing)."""

    company: str
    company_name: str
    carrier: str
    region: str
    letters: tuple[tuple[CommitmentRecord, str, tuple[EvidenceRef, ...]], ...]
    """Each letter, the office's code, and the letter's files."""

    @property
    def missing(self) -> bool:
        return not self.letters


def _organisation(
    session: Session, code: str, where: str, problems: list[Problem]
) -> Organisation | None:
    row = organisation_row(session, code)
    if row is None or row.disabled:
        problems.append(Problem(where, _("no such organisation")))
        return None
    return organisation_of(row)


def _parties(
    actor: Principal, session: Session, draft: CommitmentDraft, problems: list[Problem]
) -> tuple[Organisation | None, Organisation | None]:
    company = _organisation(session, draft.company, "company", problems)
    if company is not None and (
        company.kind is not OrganisationKind.carrier or not company.carrier or not company.region
    ):
        problems.append(Problem("company", _("give a carrier's provincial company")))
        company = None
    office_code = draft.regulator or actor.organisation.code
    regulator = _organisation(session, office_code, "regulator", problems)
    if regulator is not None and regulator.kind is not OrganisationKind.regulator:
        problems.append(
            Problem("regulator", _("give the regulator office the letter was signed with"))
        )
        regulator = None
    return company, regulator


def record_commitment(
    store: Store, actor: Principal, draft: CommitmentDraft, *, now: datetime | None = None
) -> CommitmentRecord:
    """Record a signed commitment letter (one per company, office and season)."""
    if not (actor.may(Permission.inspection_conduct) or actor.may(Permission.order_issue)):
        require(actor, Permission.inspection_conduct)
    if actor.organisation.kind not in (OrganisationKind.regulator, OrganisationKind.system):
        raise ForbiddenError(
            _("{who} may not record letters: the regulator office records them.", who=actor.label())
        )
    moment = now or datetime.now(UTC)
    problems: list[Problem] = []
    if not SEASON.match(draft.season):
        problems.append(Problem("season", _("give the season's year, e.g. 2026")))
    name = clean_text(draft.signer_name, "signer_name", problems, 100)
    title = clean_text(draft.signer_title, "signer_title", problems, 100)
    if not name or not title:
        problems.append(Problem("signer", _("give the signer's name and title")))
    with transaction(store.sessions) as session:
        company, regulator = _parties(actor, session, draft, problems)
        if problems:
            raise InvalidInputError(_("The commitment letter has mistakes."), problems)
        assert company is not None
        assert company.id is not None
        assert company.carrier is not None
        assert regulator is not None
        assert regulator.id is not None
        assert company.region is not None
        region = regulator.region or company.region
        scope = reach(actor)
        if not (
            scope.covers(company.carrier, company.region) or scope.covers(company.carrier, region)
        ):
            raise ForbiddenError(
                _("{who} may not record letters of this company.", who=actor.label())
            )
        if stored.commitment_exists(session, company.id, regulator.id, draft.season):
            raise ConflictError(
                _("This company's letter for the season with this office is already recorded.")
            )
        letter = stored.add_commitment(
            session,
            {
                "carrier": company.carrier,
                "company_id": company.id,
                "regulator_id": regulator.id,
                "region": region,
                "season": draft.season,
                "signed_on": draft.signed_on,
                "signer_name": name,
                "signer_title": title,
                "recorded_by": actor.label(),
                "recorded_at": moment,
            },
        )
        record_in(
            session,
            store,
            actor,
            "commitment.record",
            "commitment",
            str(letter.id),
            detail={"company": company.code, "regulator": regulator.code, "season": draft.season},
            at=moment,
        )
    return letter


def attach_commitment_letter(
    store: Store,
    actor: Principal,
    letter_id: int,
    *,
    name: str,
    content: bytes,
    now: datetime | None = None,
) -> EvidenceRef:
    """Attach the signed letter's scan (PDF or image) to a recorded letter."""
    with store.sessions() as session:
        letter = stored.commitment(session, letter_id)
    if letter is None or not reach(actor).covers(letter.carrier, letter.region):
        raise NotFoundError(
            _("There is no commitment letter {id} within your reach.", id=letter_id)
        )
    return attach_evidence(
        store,
        actor,
        subject="commitment",
        subject_id=letter.id,
        name=name,
        content=content,
        region=letter.region,
        carrier=letter.carrier,
        now=now,
    )


def _companies(session: Session, scope: Reach) -> list[Organisation]:
    found = []
    for row in organisation_rows(session):
        company = organisation_of(row)
        if row.disabled or company.kind is not OrganisationKind.carrier:
            continue
        if not company.carrier or not company.region:
            continue
        province = company.region[:2]
        if scope.everything or (
            not scope.nothing
            and (scope.carrier is None or scope.carrier == company.carrier)
            and (province.startswith(scope.prefix[:2]))
        ):
            found.append(company)
    return found


def commitments(store: Store, actor: Principal, *, season: str) -> list[CompanyCommitments]:
    """Every carrier company of the reader's territory (a carrier: its brand's) with its letters
    of ``season``; a company without one is shown missing."""
    require(actor, Permission.security_read)
    if not SEASON.match(season):
        raise InvalidInputError(
            _("Unknown season."), [Problem("season", _("give the season's year, e.g. 2026"))]
        )
    scope = reach(actor)
    with store.sessions() as session:
        companies = _companies(session, scope)
        letters = stored.commitments_of_season(session, season)
        offices = {row.id: row.code for row in organisation_rows(session)}
    result = []
    for company in companies:
        own = tuple(
            (
                letter,
                offices.get(letter.regulator_id, ""),
                tuple(evidence_for(store, actor, subject="commitment", subject_id=letter.id)),
            )
            for letter in letters
            if letter.company_id == company.id
        )
        result.append(
            CompanyCommitments(
                company.code, company.name, company.carrier or "", company.region or "", own
            )
        )
    return sorted(result, key=lambda item: (not item.missing, item.carrier, item.company))
