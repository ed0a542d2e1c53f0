"""``peakguard admin``: organisations, users and their roles, passwords, API tokens.

The CLI acts as the local administrator (it runs where the database's keys are): every command
here calls :mod:`peakguard.app.accounts` as ``local@system`` and is recorded in the audit trail.
A password or a token is printed once, by the command that makes it, and never stored in clear.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from peakguard.app import accounts
from peakguard.cli.console import (
    LOCAL,
    console,
    handled,
    opened_store,
    plain,
    say,
    settings,
    visible,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _, current_language, render
from peakguard.identity.model import Organisation, OrganisationKind, RegulatorLevel, kind_label

LOCAL_HELP = (
    "The CLI acts as the local administrator: it runs where the database's keys are, may do "
    "everything, and is recorded in the audit trail as local@system."
)

admin_app = typer.Typer(
    no_args_is_help=True,
    help="Administration: organisations, users, roles, passwords, API tokens. " + LOCAL_HELP,
)
organisation_app = typer.Typer(
    no_args_is_help=True,
    help="Organisations: regulators, carriers, platforms, the public.",
    epilog=LOCAL_HELP,
)
user_app = typer.Typer(
    no_args_is_help=True,
    help="Users: accounts, roles, passwords, disabling.",
    epilog=LOCAL_HELP,
)
token_app = typer.Typer(
    no_args_is_help=True, help="API tokens of machine clients.", epilog=LOCAL_HELP
)
admin_app.add_typer(organisation_app, name="organisation")
admin_app.add_typer(user_app, name="user")
admin_app.add_typer(token_app, name="token")

_INDEXED = re.compile(r"^(?P<field>[a-z_]+)\[(?P<index>\d+)\]$")


def option_location(
    location: str, names: Mapping[str, str], given: Mapping[str, Sequence[str]]
) -> str:
    """An operation's field (``region``, ``roles[1]``) as the option the user typed
    (``--region``, ``--role analyst``)."""
    indexed = _INDEXED.match(location)
    if indexed is None:
        return names.get(location, location)
    field, index = indexed["field"], int(indexed["index"])
    option = names.get(field, field)
    values = given.get(field, ())
    return f"{option} {values[index]}" if index < len(values) else option


@contextmanager
def as_options(
    names: Mapping[str, str], given: Mapping[str, Sequence[str]] | None = None
) -> Iterator[None]:
    """Locate an operation's problems at the command's options rather than its fields."""
    try:
        yield
    except InvalidInputError as error:
        problems = [
            Problem(option_location(problem.location, names, given or {}), problem.message)
            for problem in error.problems
        ]
        raise InvalidInputError(error.message, problems, total=error.total) from None


def aware(moment: datetime) -> datetime:
    """A stored moment with its zone (SQLite gives them back naive, in UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def shown_time(moment: datetime | None) -> str:
    """A stored moment in China time, to the minute; empty for none."""
    if moment is None:
        return ""
    return aware(moment).astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def print_records(
    title: Message, headers: Sequence[Message], rows: Iterable[Sequence[str]]
) -> None:
    """A table whose cells fold rather than end in an ellipsis: a role's or a user's name is
    copied from it whole."""
    table = Table(title=Text(plain(title)))
    for header in headers:
        table.add_column(Text(plain(header)), overflow="fold")
    for row in rows:
        table.add_row(*(Text(visible(cell)) for cell in row))
    console.print(table)


def print_secret(label: Message, secret: str) -> None:
    """``label``, then the secret alone on its line, never wrapped (so it copies whole)."""
    say(label, style="bold yellow")
    console.print(Text(secret), soft_wrap=True, highlight=False)


def read_password() -> str:
    """A password from standard input (its line end removed)."""
    return typer.get_text_stream("stdin").read().rstrip("\r\n")


PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="read the password from standard input instead of generating one",
    ),
]


@admin_app.command("roles")
def admin_roles() -> None:
    """The role-to-permission table the database holds (docs/reference/roles.md)."""
    with handled(), opened_store() as store:
        roles = accounts.list_roles(store)
    chinese = current_language() == "zh_CN"
    print_records(
        _("Roles and their permissions"),
        (_("Role"), _("Organisation kind"), _("Job title"), _("Permissions")),
        (
            (
                role.name,
                role.organisation_kind.value,
                role.title if chinese else role.title_en,
                " ".join(sorted(permission.value for permission in role.permissions)),
            )
            for role in sorted(roles, key=lambda role: (role.organisation_kind.value, role.name))
        ),
    )


ORGANISATION_OPTIONS = {
    "code": "CODE",
    "name": "--name",
    "kind": "--kind",
    "level": "--level",
    "region": "--region",
    "carrier": "--carrier",
}


@organisation_app.command("add")
def organisation_add(
    code: Annotated[str, typer.Argument(help="short code, e.g. spb-cd or zto-sc")],
    name: Annotated[str, typer.Option("--name", help="full name, e.g. 成都市邮政管理局")],
    kind: Annotated[OrganisationKind, typer.Option("--kind", help="what it is")],
    level: Annotated[
        RegulatorLevel | None, typer.Option("--level", help="a regulator's level")
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            help="GB/T 2260 code: a provincial or city regulator's territory (510000, "
            "510100), or a carrier's province for its provincial company",
        ),
    ] = None,
    carrier: Annotated[
        str | None, typer.Option("--carrier", help="a carrier's brand code, e.g. ZTO")
    ] = None,
) -> None:
    """Register an organisation; nothing is stored if anything is wrong."""
    wanted = Organisation(
        code=code, name=name, kind=kind, level=level, region=region, carrier=carrier
    )
    with handled(), opened_store() as store, as_options(ORGANISATION_OPTIONS):
        made = accounts.create_organisation(store, LOCAL, wanted)
    say(
        _(
            "Registered organisation {code} ({name}), a {kind}.",
            code=made.code,
            name=made.name,
            kind=kind_label(made.kind),
        )
    )


@organisation_app.command("list")
def organisation_list() -> None:
    """List the organisations."""
    with handled(), opened_store() as store:
        found = accounts.list_organisations(store, LOCAL)
    print_records(
        _("Organisations"),
        (_("Code"), _("Name"), _("Kind"), _("Level"), _("Region"), _("Carrier")),
        (
            (
                organisation.code,
                organisation.name,
                organisation.kind.value,
                organisation.level.value if organisation.level else "",
                organisation.region or "",
                organisation.carrier or "",
            )
            for organisation in found
        ),
    )


USER_OPTIONS = {
    "username": "USERNAME",
    "organisation": "--organisation",
    "roles": "--role",
    "display_name": "--display-name",
    "password": "--password-stdin",
}


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="lower-case login name, e.g. cd.duty1")],
    organisation: Annotated[
        str, typer.Option("--organisation", help="the code of the user's organisation")
    ],
    role: Annotated[
        list[str],
        typer.Option(
            "--role",
            help="a role of the organisation's kind (repeat for several); "
            "see peakguard admin roles",
        ),
    ],
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="the name shown; default the user name")
    ] = None,
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Create a user; a generated password is printed once (hand it over, have it changed)."""
    password = read_password() if password_stdin else None
    with handled(), opened_store() as store, as_options(USER_OPTIONS, {"roles": role}):
        user, chosen = accounts.create_user(
            store,
            LOCAL,
            username=username,
            organisation=organisation,
            roles=role,
            display_name=display_name,
            password=password,
        )
    say(
        _(
            "Created user {name} of {organisation} with the roles {roles}.",
            name=user.username,
            organisation=user.organisation,
            roles=", ".join(user.roles),
        )
    )
    if password is None:
        print_secret(
            _(
                "Password of {name}, shown this once; hand it over and have it changed:",
                name=user.username,
            ),
            chosen,
        )


def user_state(user: accounts.UserInfo) -> str:
    if user.disabled:
        return render(_("disabled"))
    if user.locked_until is not None and aware(user.locked_until) > datetime.now(UTC):
        return render(_("locked until {until}", until=shown_time(user.locked_until)))
    return render(_("active"))


@user_app.command("list")
def user_list(
    organisation: Annotated[
        str | None, typer.Option("--organisation", help="only the users of this organisation")
    ] = None,
) -> None:
    """List the users, their organisations and roles."""
    with handled(), opened_store() as store, as_options(USER_OPTIONS):
        found = accounts.list_users(store, LOCAL, organisation)
    print_records(
        _("Users"),
        (
            _("User name"),
            _("Display name"),
            _("Organisation"),
            _("Roles"),
            _("State"),
            _("Created (China time)"),
        ),
        (
            (
                user.username,
                user.display_name,
                user.organisation,
                ", ".join(user.roles),
                user_state(user),
                shown_time(user.created_at),
            )
            for user in found
        ),
    )


@user_app.command("reset-password")
def user_reset_password(
    username: Annotated[str, typer.Argument(help="the user's login name")],
    password_stdin: PasswordStdinOption = False,
) -> None:
    """A new password, printed once unless read from stdin; unlocks the user, ends its sessions."""
    password = read_password() if password_stdin else None
    with handled(), opened_store() as store, as_options(USER_OPTIONS):
        chosen = accounts.reset_password(store, LOCAL, username, password)
    say(_("The password of {name} is reset; its sessions have ended.", name=username))
    if password is None:
        print_secret(
            _(
                "New password of {name}, shown this once; hand it over and have it changed:",
                name=username,
            ),
            chosen,
        )


@user_app.command("disable")
def user_disable(username: Annotated[str, typer.Argument(help="the user's login name")]) -> None:
    """The user can no longer log in; its sessions end at once."""
    with handled(), opened_store() as store:
        accounts.set_user_disabled(store, LOCAL, username, True)
    say(_("Disabled user {name}; its sessions have ended.", name=username))


@user_app.command("enable")
def user_enable(username: Annotated[str, typer.Argument(help="the user's login name")]) -> None:
    """The user may log in again."""
    with handled(), opened_store() as store:
        accounts.set_user_disabled(store, LOCAL, username, False)
    say(_("Enabled user {name}.", name=username))


TOKEN_OPTIONS = {
    "organisation": "--organisation",
    "name": "--name",
    "permissions": "--permission",
    "days": "--days",
}


@token_app.command("issue")
def token_issue(
    organisation: Annotated[
        str, typer.Option("--organisation", help="the code of the client's organisation")
    ],
    name: Annotated[str, typer.Option("--name", help="what the client is, e.g. ZTO scan feed")],
    permission: Annotated[
        list[str],
        typer.Option(
            "--permission",
            help="a permission, e.g. events.write (repeat for several); only those some role "
            "of the organisation's kind holds",
        ),
    ],
    days: Annotated[
        int, typer.Option("--days", help="how long it lives (at most PEAKGUARD_TOKEN_MAX_DAYS)")
    ] = 90,
) -> None:
    """An API token for a machine client, printed once (only a hash of it is kept)."""
    with handled(), opened_store() as store, as_options(TOKEN_OPTIONS):
        issued = accounts.issue_token(
            store,
            LOCAL,
            organisation=organisation,
            name=name,
            permissions=permission,
            days=days,
            max_days=settings().token_max_days,
        )
    info = issued.info
    say(
        _(
            "Issued API token {id} ({name}) to {organisation} with {permissions}, "
            "valid until {until} (China time).",
            id=info.id,
            name=info.name,
            organisation=info.organisation,
            permissions=", ".join(info.permissions),
            until=shown_time(info.expires_at),
        )
    )
    print_secret(
        _("The token, shown this once; send it as Authorization: Bearer <token>:"), issued.text
    )


@token_app.command("list")
def token_list(
    organisation: Annotated[
        str | None, typer.Option("--organisation", help="only the tokens of this organisation")
    ] = None,
) -> None:
    """List the API tokens (never their text)."""
    with handled(), opened_store() as store, as_options(TOKEN_OPTIONS):
        found = accounts.list_tokens(store, LOCAL, organisation)
    print_records(
        _("API tokens"),
        (
            _("ID"),
            _("Name"),
            _("Organisation"),
            _("Permissions"),
            _("Issued by"),
            _("Expires (China time)"),
            _("Revoked (China time)"),
        ),
        (
            (
                str(token.id),
                token.name,
                token.organisation,
                " ".join(token.permissions),
                token.created_by,
                shown_time(token.expires_at),
                shown_time(token.revoked_at),
            )
            for token in found
        ),
    )


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(metavar="ID", help="the token's ID")],
) -> None:
    """The token is refused from now on."""
    with handled(), opened_store() as store:
        accounts.revoke_token(store, LOCAL, token_id)
    say(_("Revoked API token {id}.", id=token_id))
