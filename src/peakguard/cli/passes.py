"""``peakguard supply pass``: the pass registers (车辆通行证, 人员白名单, 场地作业许可) — add a
pass, list the registers (ending soonest first), check what a vehicle, a driver and a site lack
on a day, revoke one. Each command calls the operation its API route calls (``POST
/supply/passes``, ``GET /supply/passes``, ``GET /supply/passes/check``, ``POST
/supply/passes/{id}/revoke``), as the local administrator."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer

from peakguard.app.passes import PassDraft, check_passes, list_passes, record_pass, revoke_pass
from peakguard.cli.console import LOCAL, handled, opened_store, print_table, say
from peakguard.i18n import _
from peakguard.supply.passes import PassKind

passes_app = typer.Typer(
    no_args_is_help=True, help="Passes and white lists (车辆通行证, 人员白名单, 场地作业许可)."
)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error


@passes_app.command("add")
def pass_add(
    carrier: Annotated[str, typer.Option(help="the brand the pass is for (yours)")],
    kind: Annotated[PassKind, typer.Option(help="vehicle, person or site")],
    holder: Annotated[str, typer.Option(help="a plate, a staff reference or a site code")],
    region: Annotated[str, typer.Option(help="the area, a GB/T 2260 code")],
    valid_from: Annotated[str, typer.Option("--from", help="first valid day, 2026-04-01")],
    valid_until: Annotated[str, typer.Option("--until", help="last valid day, 2026-04-30")],
    issuer: Annotated[str, typer.Option(help="the issuing authority")],
    id_number: Annotated[
        str, typer.Option("--id-number", help="person only: the ID number (kept masked)")
    ] = "",
) -> None:
    """Record a pass (POST /supply/passes)."""
    draft = PassDraft(kind, holder, region, _day(valid_from), _day(valid_until), issuer, id_number)
    with handled(), opened_store() as store:
        saved = record_pass(store, LOCAL, carrier=carrier, draft=draft)
    say(_("Pass {id} recorded for {holder}.", id=saved.id, holder=saved.entry.holder))


@passes_app.command("list")
def pass_list(
    kind: Annotated[PassKind | None, typer.Option(help="vehicle, person or site")] = None,
    on: Annotated[str | None, typer.Option(help="only those valid this day")] = None,
) -> None:
    """The registers, ending soonest first, expired ones last (GET /supply/passes)."""
    with handled(), opened_store() as store:
        found = list_passes(store, LOCAL, kind=kind, on=None if on is None else _day(on))
    print_table(
        _("Passes (ending soonest first)"),
        (_("Id"), _("Pass register"), _("Pass holder"), _("Carrier"), _("Area"), _("Valid from"),
         _("Valid until"), _("Issuer")),
        (
            (
                str(p.id), p.entry.kind.value,
                p.entry.holder + (f" ({p.entry.masked_id})" if p.entry.masked_id else ""),
                p.carrier, p.entry.region, p.entry.valid_from.isoformat(),
                p.entry.valid_until.isoformat(), p.entry.issuer,
            )
            for p in found
        ),
    )  # fmt: skip


@passes_app.command("check")
def pass_check(
    carrier: Annotated[str, typer.Option(help="whose registers")],
    region: Annotated[str, typer.Option(help="the area, a GB/T 2260 code")],
    day: Annotated[str, typer.Option(help="the day, 2026-04-10")],
    vehicle: Annotated[str | None, typer.Option(help="a plate")] = None,
    driver: Annotated[str | None, typer.Option(help="a staff reference")] = None,
    site: Annotated[str | None, typer.Option(help="a site code")] = None,
) -> None:
    """What a vehicle, a driver and a site lack on a day (GET /supply/passes/check); exit
    code 1 when something is missing."""
    with handled(), opened_store() as store:
        lacks = check_passes(
            store, LOCAL, carrier=carrier, region=region, day=_day(day), vehicle=vehicle,
            driver=driver, site=site,
        )  # fmt: skip
    if not lacks:
        say(_("Every pass asked about is valid in {region} on {day}.", region=region, day=day))
        return
    for message in lacks:
        say(message)
    raise typer.Exit(1)


@passes_app.command("revoke")
def pass_revoke(
    pass_id: Annotated[int, typer.Argument(help="the pass's id")],
    reason: Annotated[str, typer.Option(help="why")],
) -> None:
    """Revoke a pass; it stays in the register, marked (POST /supply/passes/{id}/revoke)."""
    with handled(), opened_store() as store:
        revoke_pass(store, LOCAL, pass_id, reason=reason, now=datetime.now().astimezone())
    say(_("Pass {id} revoked.", id=pass_id))
