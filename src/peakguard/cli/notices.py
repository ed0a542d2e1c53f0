"""``peakguard notice``: notices to the public (消费提示, 管控公告, 预计到达时间) — publish a
consumer tip or a controlled area's notice, list the notices, track a parcel by its waybill,
send arrival messages to the recipients of parcels bound for a controlled area, read the
outbox (phones masked). Each command calls the operation its API route calls, as the local
administrator."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from peakguard.app.context import event_lake
from peakguard.app.notice_messages import Recipient, read_outbox, send_arrival_messages
from peakguard.app.notices import (
    managed_notices,
    publish_control_notice,
    publish_tip,
    withdraw_notice,
)
from peakguard.app.tracking import track_parcel
from peakguard.cli.console import (
    LOCAL,
    handled,
    opened_store,
    print_figures,
    print_table,
    say,
    settings,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _, current_language
from peakguard.notices.tips import ConsumerTip

notices_app = typer.Typer(
    no_args_is_help=True, help="Notices to the public (消费提示, 预计到达时间)."
)
Lake = Annotated[Path | None, typer.Option(help="the scan-event lake's folder")]
RECIPIENT_COLUMNS = ("waybill", "phone")


def _moment(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def _aware(text: str, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        problem = Problem(where, _("Give a time with its zone, e.g. 2026-11-10T00:00+08:00."))
        raise InvalidInputError(_("The notice has mistakes."), [problem])
    return moment


def _now(at: str | None) -> datetime:
    return _aware(at, "--at") if at else datetime.now(UTC)


@notices_app.command("tip")
def notice_tip(
    territory: Annotated[str, typer.Option(help="GB/T 2260 code, e.g. 510000")],
    valid_from: Annotated[str, typer.Option("--from", help="2026-11-10T00:00+08:00")],
    valid_until: Annotated[str, typer.Option("--until", help="2026-11-20T00:00+08:00")],
    title_zh: Annotated[str, typer.Option(help="the title in Chinese")],
    title_en: Annotated[str, typer.Option(help="the title in English")],
    text_zh: Annotated[str, typer.Option(help="the text in Chinese")],
    text_en: Annotated[str, typer.Option(help="the text in English")],
    carrier: Annotated[str | None, typer.Option(help="a carrier's tip: its brand")] = None,
) -> None:
    """Publish a consumer tip for a territory (POST /notices/tips)."""
    with handled(), opened_store() as store:
        tip = ConsumerTip(
            territory, _aware(valid_from, "--from"), _aware(valid_until, "--until"),
            title_zh, title_en, text_zh, text_en, carrier,
        )  # fmt: skip
        view = publish_tip(store, LOCAL, tip, now=datetime.now(UTC))
    say(_("Published notice {id}.", id=view.id))


@notices_app.command("publish")
def notice_publish(
    region: Annotated[str, typer.Argument(help="the controlled area's GB/T 2260 code")],
    start: Annotated[str | None, typer.Option(help="default: the control's start")] = None,
    end: Annotated[str | None, typer.Option(help="default: the control's expected end")] = None,
    text_zh: Annotated[str | None, typer.Option(help="default: the tracking script")] = None,
    text_en: Annotated[str | None, typer.Option(help="default: the tracking script")] = None,
    carrier: Annotated[str | None, typer.Option(help="a carrier's notice: its brand")] = None,
    at: Annotated[str | None, typer.Option(help="the moment (default: now)")] = None,
) -> None:
    """Publish a controlled area's notice on the tracking of the parcels bound there
    (POST /notices/controls)."""
    with handled(), opened_store() as store:
        view = publish_control_notice(
            store, LOCAL, region, now=_now(at),
            start=_aware(start, "--start") if start else None,
            end=_aware(end, "--end") if end else None,
            text_zh=text_zh, text_en=text_en, carrier=carrier,
        )  # fmt: skip
    say(_("Published notice {id}.", id=view.id))
    say(view.text(current_language()))


@notices_app.command("withdraw")
def notice_withdraw(
    notice_id: Annotated[int, typer.Argument(help="the notice's number")],
    version: Annotated[int, typer.Option(help="the version you read (notice list)")],
) -> None:
    """Withdraw a notice (POST /notices/{id}/withdraw)."""
    with handled(), opened_store() as store:
        withdraw_notice(store, LOCAL, notice_id, expected_version=version, now=datetime.now(UTC))
    say(_("Withdrawn notice {id}.", id=notice_id))


@notices_app.command("list")
def notice_list() -> None:
    """Every notice, published and withdrawn, newest first (GET /notices/manage)."""
    language = current_language()
    with handled(), opened_store() as store:
        found = managed_notices(store, LOCAL)
    print_table(
        _("Notices to the public"),
        (_("Number"), _("Kind"), _("State"), _("Region"), _("Carrier"), _("From"), _("Until"),
         _("Title"), _("Version")),
        (
            (str(n.id), n.kind, n.state, n.region, n.carrier or "-", _moment(n.valid_from),
             _moment(n.valid_until), n.title(language), str(n.version))
            for n in found
        ),
    )  # fmt: skip


@notices_app.command("track")
def notice_track(
    waybill: Annotated[str, typer.Argument(help="the waybill number")],
    carrier: Annotated[str | None, typer.Option(help="when two brands share the number")] = None,
    lake: Lake = None,
    at: Annotated[str | None, typer.Option(help="the moment (default: now)")] = None,
) -> None:
    """A parcel's tracking: status, notice, estimated arrival and scans (GET /tracking/…)."""
    language = current_language()
    with handled(), opened_store() as store:
        view = track_parcel(
            store, LOCAL, event_lake(settings(), lake), waybill, now=_now(at), carrier=carrier
        )
    estimate = view.estimate
    print_figures(
        _("Tracking of {waybill}", waybill=view.waybill),
        [
            (_("Carrier"), view.carrier),
            (_("Latest scan"), f"{view.status} {_moment(view.last_scan_at)}"),
            (_("Estimated arrival"), _moment(estimate.arrival)),
            (_("Basis of the estimate"), f"{estimate.basis.value} ({estimate.parcels})"),
            (_("Held by a control until"), _moment(estimate.held_until)),
        ],
    )
    if view.notice is not None:
        say(view.notice.text(language), style="bold")
    print_table(
        _("Scans"),
        (_("Time"), _("Event"), _("Node")),
        ((_moment(scan.time), scan.event, scan.node_id) for scan in view.scans),
    )


def _recipients(path: Path) -> list[Recipient]:
    """The recipients of a CSV file: waybill, phone, and optionally language and carrier."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    missing = [c for c in RECIPIENT_COLUMNS if rows and c not in rows[0]]
    if missing or not rows:
        problem = Problem(path.name, _("Needs a header row with waybill and phone columns."))
        raise InvalidInputError(_("The recipients have mistakes; nothing was sent."), [problem])
    return [
        Recipient(
            row["waybill"] or "",
            row["phone"] or "",
            row.get("language") or "zh",
            row.get("carrier") or None,
        )
        for row in rows
    ]


@notices_app.command("send")
def notice_send(
    recipients: Annotated[Path, typer.Argument(help="CSV: waybill,phone[,language,carrier]")],
    lake: Lake = None,
    at: Annotated[str | None, typer.Option(help="the moment (default: now)")] = None,
) -> None:
    """Send arrival messages to the recipients of parcels bound for a controlled area, into
    the outbox (POST /notices/messages)."""
    with handled(), opened_store() as store:
        report = send_arrival_messages(
            store, LOCAL, event_lake(settings(), lake), _recipients(recipients), now=_now(at)
        )
    print_table(
        _("Arrival messages sent"),
        (_("Waybill number"), _("Phone"), _("Estimated arrival"), _("Text")),
        ((m.waybill, m.phone, _moment(m.arrival), m.text) for m in report.sent),
    )
    for skipped in report.skipped:
        say(_("Skipped {waybill}: {reason}", waybill=skipped.waybill, reason=skipped.reason))


@notices_app.command("outbox")
def notice_outbox(
    waybill: Annotated[str | None, typer.Option(help="one parcel's messages")] = None,
) -> None:
    """The messages sent, newest first, phones masked (GET /notices/outbox)."""
    with handled(), opened_store() as store:
        found = read_outbox(store, LOCAL, waybill=waybill)
    print_table(
        _("The outbox"),
        (_("Number"), _("Waybill number"), _("Phone"), _("Language"), _("Channel"), _("Text")),
        ((str(m.id), m.waybill, m.phone, m.language, m.channel, m.text) for m in found),
    )
