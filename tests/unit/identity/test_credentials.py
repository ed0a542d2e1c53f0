"""Passwords, API tokens and the checks on organisations, user names and token permissions."""

from __future__ import annotations

import pytest

from peakguard.errors import InvalidInputError
from peakguard.i18n import render
from peakguard.identity.checks import organisation_problems, permission_problems, username_problems
from peakguard.identity.credentials import (
    check_password_strength,
    digest,
    generate_password,
    hash_password,
    new_token,
    split_token,
    verify_password,
)
from peakguard.identity.model import Organisation, OrganisationKind, RegulatorLevel


def test_a_token_is_shown_once_and_only_its_secrets_hash_is_kept() -> None:
    """``pgt_<16 hex>_<secret>``: the lookup and the secret split back out; what is stored is
    SHA-256 of the secret, which is not in the text's lookup."""
    made = new_token()
    assert split_token(made.text) == (made.lookup, made.text.split("_", 2)[2])
    assert made.secret_hash == digest(made.text.split("_", 2)[2])
    assert made.secret_hash not in made.text
    assert new_token().text != made.text


@pytest.mark.parametrize(
    "text", ["", "pgt", "pgt_abc_secret", "xyz_0123456789abcdef_secret", "Bearer pgt_x_y"]
)
def test_text_that_is_not_a_token_is_refused_early(text: str) -> None:
    """Anything not shaped like a token has no lookup."""
    assert split_token(text) is None


def test_a_password_verifies_only_against_its_own_hash() -> None:
    """The hash holds no password; a wrong password or a damaged hash matches nothing."""
    password = generate_password()
    stored = hash_password(password)
    assert password not in stored
    assert verify_password(stored, password)
    assert not verify_password(stored, password + "x")
    assert not verify_password("not-a-hash", password)


@pytest.mark.parametrize(
    ("password", "username", "expected"),
    [
        ("short-1", "li", "is shorter than 12 characters"),
        ("aaaaaaaaaaaaaaaa", "li", "uses fewer than 4 different characters"),
        ("my-name-is-wang.wei!", "wang.wei", "contains the user name"),
    ],
)
def test_weak_passwords_are_refused_without_repeating_them(
    password: str, username: str, expected: str
) -> None:
    """Each weakness is named; the refusal never contains the password."""
    with pytest.raises(InvalidInputError) as refused:
        check_password_strength(password, username)
    said = [render(refused.value.message, "en")] + [p.render("en") for p in refused.value.problems]
    assert any(expected in line for line in said)
    assert not any(password in line for line in said)


def test_generated_passwords_pass_the_strength_check() -> None:
    """A generated password is long and varied enough for any user name."""
    for _ in range(20):
        check_password_strength(generate_password(), "zto.reporter")


@pytest.mark.parametrize(
    ("organisation", "location"),
    [
        (Organisation("sc", "四川", OrganisationKind.regulator), "level"),
        (Organisation("sc", "四川", OrganisationKind.regulator, RegulatorLevel.city, "510000"),
         "region"),
        (Organisation("sc", "四川", OrganisationKind.regulator, RegulatorLevel.national,
                      "510000"), "region"),
        (Organisation("zto", "中通", OrganisationKind.carrier), "carrier"),
        (Organisation("zto", "中通", OrganisationKind.carrier, region="510100", carrier="ZTO"),
         "region"),
        (Organisation("tmall", "天猫", OrganisationKind.platform, carrier="ZTO"), "carrier"),
        (Organisation("has space", "x", OrganisationKind.public), "code"),
    ],
)  # fmt: skip
def test_an_organisation_that_would_reach_the_wrong_data_is_refused(
    organisation: Organisation, location: str
) -> None:
    """A regulator needs a level and a region of that level; a carrier its brand and (for a
    provincial company) a province; nothing else may claim a brand."""
    assert location in {problem.location for problem in organisation_problems(organisation)}


def test_user_names_and_permissions_are_checked() -> None:
    """User names are lower-case identifiers; a permission must be one there is."""
    assert username_problems("cd.duty1") == []
    assert username_problems("Wang Wei") != []
    assert permission_problems(["network.read", "events.write"]) == []
    assert [p.location for p in permission_problems(["network.delete"])] == ["permissions"]
