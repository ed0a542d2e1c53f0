"""``peakguard inspect abnormal`` and ``peakguard inspect commitments``: the list of outlets in
abnormal operation (经营异常网点清单) and the season's commitment letters (安全保障服务承诺书).
Each command calls the operation its API route calls, as the local administrator."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from peakguard.app.abnormal_outlets import (
    AbnormalOutletEntry,
    abnormal_outlets,
    add_abnormal_outlet,
    remove_abnormal_outlet,
)
from peakguard.app.commitments import (
    CommitmentDraft,
    attach_commitment_letter,
    commitments,
    record_commitment,
)
from peakguard.cli.console import LOCAL, handled, opened_store, plain, print_table, say
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _

abnormal_app = typer.Typer(
    no_args_is_help=True, help="Outlets in abnormal operation (经营异常网点清单): add, remove, list"
)
commitments_app = typer.Typer(
    no_args_is_help=True,
    help="The season's commitment letters (安全保障服务承诺书): add, attach the letter, list",
)


def parse_day(value: str, where: str) -> date:
    """A day given as 2026-11-12; InvalidInputError naming the option otherwise."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInputError(
            _("The command has mistakes."), [Problem(where, _("give a day such as 2026-11-12"))]
        ) from None


def _day(value: date | None) -> str:
    return "-" if value is None else value.isoformat()


@abnormal_app.command("add")
def abnormal_add(
    reason: Annotated[str, typer.Option(help="why the outlet is in abnormal operation")],
    listed_from: Annotated[str, typer.Option("--from", help="first day listed, 2026-11-12")],
    until: Annotated[str | None, typer.Option(help="last day listed (none: until removed)")] = None,
    network: Annotated[str | None, typer.Option(help="the stored network of the node")] = None,
    node: Annotated[str | None, typer.Option(help="the outlet's node id")] = None,
    carrier: Annotated[str | None, typer.Option(help="without a node: the carrier")] = None,
    region: Annotated[str | None, typer.Option(help="without a node: the region code")] = None,
    outlet: Annotated[str | None, typer.Option(help="the outlet's name")] = None,
) -> None:
    """Enter an outlet on the list (POST /abnormal-outlets)."""
    with handled():
        entry = AbnormalOutletEntry(
            reason=reason,
            listed_from=parse_day(listed_from, "--from"),
            listed_until=parse_day(until, "--until") if until else None,
            network=network,
            node_id=node,
            carrier=carrier,
            region=region,
            outlet=outlet,
        )
        with opened_store() as store:
            record = add_abnormal_outlet(store, LOCAL, entry)
    say(_("Listed {outlet} as entry {id}.", outlet=record.outlet, id=record.id))


@abnormal_app.command("remove")
def abnormal_remove(
    entry_id: Annotated[int, typer.Argument(help="the entry's number (inspect abnormal list)")],
    reason: Annotated[str, typer.Option(help="why it comes off the list")],
    version: Annotated[int, typer.Option(help="the version you read")],
) -> None:
    """Take an outlet off the list (POST /abnormal-outlets/{id}/remove); the entry stays."""
    with handled(), opened_store() as store:
        record = remove_abnormal_outlet(
            store, LOCAL, entry_id, reason=reason, expected_version=version
        )
    say(_("Removed {outlet} from the list.", outlet=record.outlet))


@abnormal_app.command("list")
def abnormal_list(
    history: Annotated[bool, typer.Option(help="with the removed entries")] = False,
) -> None:
    """The outlets in abnormal operation (GET /abnormal-outlets)."""
    with handled(), opened_store() as store:
        found = abnormal_outlets(store, LOCAL, include_removed=history)
    print_table(
        _("Outlets in abnormal operation"),
        (_("No."), _("Carrier"), _("Region"), _("Outlet"), _("Reason"), _("From"), _("Until"),
         _("Removed"), _("Version")),
        (
            (str(item.id), item.carrier, item.region, item.outlet, item.reason,
             _day(item.listed_from), _day(item.listed_until),
             _day(item.removed_at.date()) if item.removed_at else "-", str(item.version))
            for item in found
        ),
    )  # fmt: skip


@commitments_app.command("add")
def commitments_add(
    company: Annotated[str, typer.Option(help="the carrier company's organisation code")],
    season: Annotated[str, typer.Option(help="the season's year, 2026")],
    signed_on: Annotated[str, typer.Option(help="the day signed, 2026-10-28")],
    signer: Annotated[str, typer.Option(help="the signer's name")],
    title: Annotated[str, typer.Option(help="the signer's title")],
    regulator: Annotated[str, typer.Option(help="the regulator office's code")],
    letter: Annotated[Path | None, typer.Option(help="the signed letter's scan (PDF)")] = None,
) -> None:
    """Record a signed commitment letter (POST /commitments), with its scan."""
    with handled():
        draft = CommitmentDraft(
            company=company, season=season, signed_on=parse_day(signed_on, "--signed-on"),
            signer_name=signer, signer_title=title, regulator=regulator,
        )  # fmt: skip
        with opened_store() as store:
            recorded = record_commitment(store, LOCAL, draft)
            if letter is not None:
                attach_commitment_letter(
                    store, LOCAL, recorded.id, name=letter.name, content=letter.read_bytes()
                )
    say(
        _(
            "Recorded letter {id} of {company} for {season}.",
            id=recorded.id,
            company=company,
            season=season,
        )
    )


@commitments_app.command("list")
def commitments_list(season: Annotated[str, typer.Option(help="the season's year, 2026")]) -> None:
    """Every carrier company with its letters of the season, missing ones first
    (GET /commitments)."""
    with handled(), opened_store() as store:
        found = commitments(store, LOCAL, season=season)
    rows: list[tuple[str, ...]] = []
    for item in found:
        if item.missing:
            rows.append(
                (item.company, item.carrier, item.region, plain(_("missing")), "-", "-", "-")
            )
        for signed, office, files in item.letters:
            rows.append(
                (item.company, item.carrier, item.region, signed.signed_on.isoformat(), office,
                 f"{signed.signer_name} ({signed.signer_title})", str(len(files)))
            )  # fmt: skip
    print_table(
        _("Commitment letters of {season}", season=season),
        (
            _("Company"),
            _("Carrier"),
            _("Region"),
            _("Signed"),
            _("Office"),
            _("Signer"),
            _("Files"),
        ),
        rows,
    )
