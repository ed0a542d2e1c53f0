"""The demo's organisations and users: one login for each kind of reader of the demo province.

Regulators at the three levels (the State Post Bureau, Sichuan's provincial and Chengdu's city
postal administrations), the headquarters and the Sichuan company of two brands of the demo
network (ZTO and SF), an e-commerce platform and the public, each with one user of a fitting
role; and for security supervision (:data:`SECURITY_ACCOUNTS`) the provincial and city
inspectors, the provincial duty officer and ZTO Sichuan's security officer; for the supply
guarantee (:data:`SUPPLY_ACCOUNTS`) China Post Sichuan's supply coordinator and data reporter,
the supplier 邮乐 (a platform) and Ya'an's postal administration. Passwords are
generated when the demo runs and returned once, never written anywhere; on a database where
the demo ran before, the users exist, so their passwords are reset instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from peakguard.app import accounts
from peakguard.errors import ConflictError
from peakguard.i18n import Message, _
from peakguard.identity.model import Organisation, OrganisationKind, Principal, RegulatorLevel
from peakguard.store.database import Store

SICHUAN = "510000"
CHENGDU = "510100"


@dataclass(frozen=True)
class DemoAccount:
    """One demo user: its organisation, its role, and what that lets it see."""

    organisation: Organisation
    username: str
    display_name: str
    role: str
    sees: Message


@dataclass(frozen=True)
class DemoLogin:
    """How to log in as one demo user: hand ``password`` over once, never store it."""

    username: str
    password: str = field(repr=False)
    organisation: str
    organisation_name: str
    role: str
    role_title: str
    role_title_en: str
    sees: Message
    created: bool
    """``False`` when the user existed and its password was reset."""


def _regulator(code: str, name: str, level: RegulatorLevel, region: str | None) -> Organisation:
    return Organisation(code, name, OrganisationKind.regulator, level=level, region=region)


def _carrier(code: str, name: str, brand: str, region: str | None = None) -> Organisation:
    return Organisation(code, name, OrganisationKind.carrier, region=region, carrier=brand)


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        _regulator("spb", "国家邮政局", RegulatorLevel.national, None),
        "spb.analyst",
        "国家邮政局 行业分析员",
        "analyst",
        _("every carrier's network and bulletins nationwide; runs simulations and plans"),
    ),
    DemoAccount(
        _regulator("spb-sc", "四川省邮政管理局", RegulatorLevel.provincial, SICHUAN),
        "sc.director",
        "四川省邮政管理局 局领导",
        "director",
        _("every carrier in Sichuan (51…), the whole demo network; runs simulations and plans"),
    ),
    DemoAccount(
        _regulator("spb-cd", "成都市邮政管理局", RegulatorLevel.city, CHENGDU),
        "cd.duty",
        "成都市邮政管理局 值班员",
        "duty_officer",
        _("every carrier's nodes in Chengdu (5101…) and their bulletins"),
    ),
    DemoAccount(
        _regulator("spb-cd", "成都市邮政管理局", RegulatorLevel.city, CHENGDU),
        "cd.complaints",
        "成都市邮政管理局 申诉处理员",
        "complaint_handler",
        _("Chengdu's appeals (申诉): registers, forwards, answers and closes them"),
    ),
    DemoAccount(
        _carrier("zto", "中通快递（总部）", "ZTO"),
        "zto.planner",
        "中通快递 网络规划员",
        "network_planner",
        _("ZTO's whole network; imports ZTO networks, runs simulations and plans"),
    ),
    DemoAccount(
        _carrier("zto-sc", "中通快递四川省公司", "ZTO", SICHUAN),
        "zto-sc.reporter",
        "中通快递四川省公司 数据报送员",
        "data_reporter",
        _("ZTO's nodes in Sichuan; uploads ZTO's scan events"),
    ),
    DemoAccount(
        _carrier("zto-sc", "中通快递四川省公司", "ZTO", SICHUAN),
        "zto-sc.service",
        "中通快递四川省公司 客服投诉处理员",
        "carrier_complaint_handler",
        _("ZTO's complaints in Sichuan and the appeals forwarded to it; answers them"),
    ),
    DemoAccount(
        _carrier("sf", "顺丰速运（总部）", "SF"),
        "sf.planner",
        "顺丰速运 网络规划员",
        "network_planner",
        _("SF's whole network; imports SF networks, runs simulations and plans"),
    ),
    DemoAccount(
        _carrier("sf-sc", "顺丰速运四川省公司", "SF", SICHUAN),
        "sf-sc.security",
        "顺丰速运四川省公司 安全管理员",
        "security_officer",
        _("SF's nodes and bulletins in Sichuan; read only"),
    ),
    DemoAccount(
        Organisation("demo-platform", "电商平台（演示）", OrganisationKind.platform),
        "platform.operator",
        "电商平台 平台运营员",
        "platform_operator",
        _(
            "its own pickup schedule in the assurance plan (/app/plans/schedules); consumer "
            "notices; no carrier's data"
        ),
    ),
    DemoAccount(
        Organisation("demo-public", "公众（演示）", OrganisationKind.public),
        "public.reader",
        "公众读者",
        "public_reader",
        _("consumer notices only"),
    ),
)
"""The demo's logins, from the national office down to the public."""

SECURITY_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        _regulator("spb-sc", "四川省邮政管理局", RegulatorLevel.provincial, SICHUAN),
        "sc.inspector",
        "四川省邮政管理局 安全监管员",
        "inspector",
        _(
            "security in Sichuan: inspects, issues rectification orders, releases stop-sort "
            "holds; alone reads a sender's ID number in clear (each read audited)"
        ),
    ),
    DemoAccount(
        _regulator("spb-sc", "四川省邮政管理局", RegulatorLevel.provincial, SICHUAN),
        "sc.duty",
        "四川省邮政管理局 值班员",
        "duty_officer",
        _("every carrier in Sichuan on the 24-hour duty; places stop-sort holds"),
    ),
    DemoAccount(
        _regulator("spb-cd", "成都市邮政管理局", RegulatorLevel.city, CHENGDU),
        "cd.inspector",
        "成都市邮政管理局 安全监管员",
        "inspector",
        _("security in Chengdu (5101…): unannounced inspections, orders and their re-checks"),
    ),
    DemoAccount(
        _carrier("zto-sc", "中通快递四川省公司", "ZTO", SICHUAN),
        "zto-sc.security",
        "中通快递四川省公司 安全管理员",
        "security_officer",
        _(
            "ZTO's security in Sichuan: keeps the real-name register (masked), self-inspects, "
            "answers rectification orders, places holds"
        ),
    ),
)
"""The security supervision's logins (issue 17), registered by the demo with the others."""

YA_AN = "511800"

SUPPLY_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        _carrier("ems-sc", "中国邮政集团有限公司四川省分公司", "EMS", SICHUAN),
        "ems-sc.supply",
        "中国邮政四川省分公司 保供专员",
        "supply_coordinator",
        _(
            "China Post's supply guarantee in Sichuan: sends the order requirement sheets, "
            "confirms quotations, runs the consolidation point, shuttles, passes and the "
            "coverage of a closed city; tells the public"
        ),
    ),
    DemoAccount(
        _carrier("ems-sc", "中国邮政集团有限公司四川省分公司", "EMS", SICHUAN),
        "ems-sc.reporter",
        "中国邮政四川省分公司 数据报送员",
        "data_reporter",
        _("China Post's nodes in Sichuan; reports its incidents (Ya'an's static control)"),
    ),
    DemoAccount(
        Organisation("youle", "邮乐公司（演示）", OrganisationKind.platform),
        "youle.supplier",
        "邮乐公司 保供产品对接人",
        "platform_operator",
        _("the supply orders addressed to 邮乐: quotes them, contracts, allocates, hands over"),
    ),
    DemoAccount(
        _regulator("spb-ya", "雅安市邮政管理局", RegulatorLevel.city, YA_AN),
        "ya.duty",
        "雅安市邮政管理局 值班员",
        "duty_officer",
        _(
            "every carrier in Ya'an (5118…): records its static control, reads its supply "
            "orders, publishes its consumer tips and the controlled area's notice"
        ),
    ),
)
"""The supply guarantee's logins (issue 18): Ya'an's static control in the demo season."""

ALL_DEMO_ACCOUNTS = DEMO_ACCOUNTS + SECURITY_ACCOUNTS + SUPPLY_ACCOUNTS
"""Every login the demo registers."""


def _shape(organisation: Organisation) -> tuple[object, ...]:
    return (organisation.kind, organisation.level, organisation.region, organisation.carrier)


def _refuse_strangers(
    wanted: tuple[DemoAccount, ...],
    organisations: dict[str, Organisation],
    users: dict[str, accounts.UserInfo],
) -> None:
    """Touch nothing that is not the demo's own: an organisation of a demo code that is
    something else, or a user of a demo name in another organisation, stops the demo before
    any change (a reset would take a real user's password)."""
    for account in wanted:
        code = account.organisation.code
        found = organisations.get(code)
        if found is not None and _shape(found) != _shape(account.organisation):
            raise ConflictError(
                _(
                    "An organisation {code} exists that is not the demo's; the demo's "
                    "accounts need the code. Run the demo on a database of its own.",
                    code=code,
                )
            )
        user = users.get(account.username)
        if user is not None and user.organisation != code:
            raise ConflictError(
                _(
                    "A user {name} of {organisation} exists that is not the demo's; the demo "
                    "resets only its own users' passwords. Run the demo on a database of its own.",
                    name=account.username,
                    organisation=user.organisation,
                )
            )


def demo_accounts(
    store: Store, actor: Principal, wanted: tuple[DemoAccount, ...] = DEMO_ACCOUNTS
) -> list[DemoLogin]:
    """Register the demo's organisations and users that are missing, reset the passwords of
    those that exist (and enable them), and return how to log in as each, as ``actor``."""
    organisations = {o.code: o for o in accounts.list_organisations(store, actor)}
    users = {user.username: user for user in accounts.list_users(store, actor)}
    _refuse_strangers(wanted, organisations, users)
    for account in wanted:
        if account.organisation.code not in organisations:
            made = accounts.create_organisation(store, actor, account.organisation)
            organisations[made.code] = made
    roles = {role.name: role for role in accounts.list_roles(store)}
    logins: list[DemoLogin] = []
    for account in wanted:
        existing = users.get(account.username)
        if existing is None:
            _user, password = accounts.create_user(
                store,
                actor,
                username=account.username,
                organisation=account.organisation.code,
                roles=[account.role],
                display_name=account.display_name,
            )
        else:
            if existing.disabled:
                accounts.set_user_disabled(store, actor, account.username, False)
            password = accounts.reset_password(store, actor, account.username)
        organisation = organisations[account.organisation.code]
        role = roles[account.role]
        logins.append(
            DemoLogin(
                username=account.username,
                password=password,
                organisation=organisation.code,
                organisation_name=organisation.name,
                role=role.name,
                role_title=role.title,
                role_title_en=role.title_en,
                sees=account.sees,
                created=existing is None,
            )
        )
    return logins
