"""What makes an organisation, a user name or a token's permissions acceptable."""

from __future__ import annotations

import re
from collections.abc import Iterable

from peakguard.domain.regions import RegionLevel, reference_regions
from peakguard.errors import Problem
from peakguard.i18n import _
from peakguard.identity.model import Organisation, OrganisationKind, Permission, RegulatorLevel

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{1,63}$")

LEVEL_LABELS = {
    RegionLevel.province: _("province"),
    RegionLevel.prefecture: _("city (prefecture)"),
    RegionLevel.county: _("county"),
}
"""How a region's level reads to a person."""

_LEVEL_OF_REGION = {
    RegulatorLevel.provincial: RegionLevel.province,
    RegulatorLevel.city: RegionLevel.prefecture,
}


def organisation_problems(organisation: Organisation) -> list[Problem]:
    """Every reason ``organisation`` cannot be registered, located at its field."""
    problems: list[Problem] = []
    if not CODE.match(organisation.code):
        problems.append(
            Problem("code", _("use 1–64 letters, digits, '.', '_' or '-', e.g. sc-chengdu"))
        )
    if not organisation.name.strip() or len(organisation.name) > 200:
        problems.append(Problem("name", _("give a name of 1–200 characters")))
    kind = organisation.kind
    if kind is OrganisationKind.regulator:
        problems += _regulator_problems(organisation)
    elif organisation.level is not None:
        problems.append(Problem("level", _("only a regulator has a level")))
    if kind is OrganisationKind.carrier:
        if not organisation.carrier or not CODE.match(organisation.carrier):
            problems.append(Problem("carrier", _("a carrier needs its brand code, e.g. ZTO")))
        if organisation.region is not None:
            problems += _region_problems(organisation.region, RegionLevel.province)
    elif organisation.carrier is not None:
        problems.append(Problem("carrier", _("only a carrier has a brand code")))
    others = (OrganisationKind.platform, OrganisationKind.public, OrganisationKind.system)
    if kind in others and organisation.region is not None:
        problems.append(Problem("region", _("only a regulator or a carrier has a region")))
    return problems


def _regulator_problems(organisation: Organisation) -> list[Problem]:
    level = organisation.level
    if level is None:
        return [Problem("level", _("a regulator needs a level: national, provincial or city"))]
    if level is RegulatorLevel.national:
        if organisation.region is not None:
            return [Problem("region", _("the national office has no region: it covers all"))]
        return []
    if organisation.region is None:
        return [Problem("region", _("a provincial or city office needs its region code"))]
    return _region_problems(organisation.region, _LEVEL_OF_REGION[level])


def _region_problems(code: str, level: RegionLevel) -> list[Problem]:
    region = reference_regions().get(code)
    if region is None:
        return [Problem("region", _("{code} is not a GB/T 2260 region code", code=code))]
    if region.level is not level:
        return [
            Problem(
                "region",
                _(
                    "{code} ({name}) is a {found} code, not a {expected} code",
                    code=code,
                    name=region.name,
                    found=LEVEL_LABELS[region.level],
                    expected=LEVEL_LABELS[level],
                ),
            )
        ]
    return []


def username_problems(username: str, where: str = "username") -> list[Problem]:
    if USERNAME.match(username):
        return []
    return [
        Problem(where, _("use 2–64 lower-case letters, digits, '.', '_' or '-', e.g. cd.duty1"))
    ]


def permission_problems(names: Iterable[str], where: str = "permissions") -> list[Problem]:
    known = {permission.value for permission in Permission}
    return [
        Problem(
            where,
            _(
                "{name} is not a permission; use one of {known}",
                name=name,
                known=", ".join(sorted(known)),
            ),
        )
        for name in names
        if name not in known
    ]
