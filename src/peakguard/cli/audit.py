"""``peakguard audit``: check the audit trail's hash chain, list its entries, prune old ones.

The CLI acts as the local administrator (it runs where the database's keys and the audit key
are); ``verify`` recomputes every entry's HMAC with that key.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Annotated

import typer
from rich.text import Text

from peakguard.app.audit import audit_entries, prune_audit, verify_audit
from peakguard.cli.admin import print_records, shown_time
from peakguard.cli.console import (
    LOCAL,
    errors,
    handled,
    opened_store,
    plain,
    say,
    settings,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _, render

audit_app = typer.Typer(
    no_args_is_help=True,
    help="The audit trail: verify its hash chain, list entries, prune old ones. The CLI acts "
    "as the local administrator: it runs where the database's keys and the audit key are.",
)

AUDIT_BROKEN_EXIT = 9
"""``audit verify``'s exit code when the chain is broken (1–8 are the errors' codes)."""


def parse_bound(text: str, where: str, *, until: bool = False) -> datetime:
    """A day (``2026-11-11``, China time: from its start, or with ``until`` through its end)
    or a moment with its time zone (``2026-11-11T08:00+08:00``)."""
    cleaned = text.strip()
    try:
        day = date.fromisoformat(cleaned)
    except ValueError:
        day = None
    if day is not None and len(cleaned) == len("2026-11-11"):
        start = datetime.combine(day, time(), CHINA_STANDARD_TIME)
        return start + timedelta(days=1) if until else start
    try:
        moment: datetime | None = datetime.fromisoformat(cleaned)
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        message = _(
            "{value} is neither a day (2026-11-11, China time) nor a moment with its time "
            "zone (2026-11-11T08:00+08:00).",
            value=text,
        )
        raise InvalidInputError(message, [Problem(where, message)])
    return moment


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the hash chain: exit 0 if intact, else every break by entry number and exit 9."""
    with handled(), opened_store() as store:
        found = verify_audit(store)
    if found.intact:
        say(
            _(
                "The audit trail is intact: {entries} entries ({first} to {last}).",
                entries=found.entries,
                first=found.first,
                last=found.last,
            )
        )
        return
    say(
        _(
            "The audit trail is broken: {count} break(s) among {entries} entries.",
            count=len(found.breaks),
            entries=found.entries,
        ),
        style="bold red",
        stderr=True,
    )
    for broken in found.breaks:
        errors.print(
            Text(
                plain(
                    _(
                        "entry {sequence}: {problem}",
                        sequence=broken.sequence,
                        problem=render(broken.message),
                    )
                )
            ),
            soft_wrap=True,
        )
    raise typer.Exit(AUDIT_BROKEN_EXIT)


@audit_app.command("list")
def audit_list(
    user: Annotated[
        str | None, typer.Option("--user", help="a user name, or name@organisation")
    ] = None,
    record: Annotated[
        str | None, typer.Option("--record", help="a record's identifier, e.g. a user name")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="from this day (China time) or moment with its zone"),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="through this day (China time), or before this moment"),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=5000, help="at most so many")] = 100,
) -> None:
    """The entries by a user, about a record, in a period; newest first."""
    with handled():
        start = parse_bound(since, "--since") if since else None
        end = parse_bound(until, "--until", until=True) if until else None
        with opened_store() as store:
            total, found = audit_entries(
                store, LOCAL, user=user, record_id=record, since=start, until=end, limit=limit
            )
    print_records(
        _("Audit entries, newest first ({shown} of {total})", shown=len(found), total=total),
        (
            _("Entry"),
            _("At (China time)"),
            _("Who"),
            _("Action"),
            _("Record"),
            _("Outcome"),
            _("Address"),
            _("Detail"),
        ),
        (
            (
                str(entry.sequence),
                shown_time(entry.at),
                entry.actor,
                entry.action,
                f"{entry.record_kind} {entry.record_id}",
                entry.outcome,
                entry.address or "",
                json.dumps(dict(entry.detail), ensure_ascii=False, sort_keys=True)
                if entry.detail
                else "",
            )
            for entry in found
        ),
    )


@audit_app.command("prune")
def audit_prune() -> None:
    """Remove the entries older than PEAKGUARD_AUDIT_RETENTION_DAYS; the chain still verifies."""
    days = settings().audit_retention_days
    with handled(), opened_store() as store:
        removed = prune_audit(store, LOCAL, days)
    say(
        _(
            "Removed {count} audit entries older than {days} days.",
            count=removed,
            days=days,
        )
    )
