"""Passwords (Argon2id, argon2-cffi's defaults: RFC 9106's second recommended parameter set)
and secrets for API tokens, session cookies and CSRF tokens.

A token reads ``pgt_<lookup>_<secret>``: the lookup finds its row, the secret proves it; only
SHA-256 of the secret is stored (a token's 256 random bits need no slow hash, and a lookup by
digest costs one indexed read per request). Passwords are low-entropy, so they get Argon2.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _

_HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "pgt"


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches; a malformed stored hash matches nothing."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def waste_verification(password: str) -> None:
    """Spend what a verification costs, so an unknown user name answers as slowly as a known
    one (a timing difference would tell which user names exist)."""
    verify_password(_DUMMY_HASH, password)


def check_password_strength(password: str, username: str, where: str = "password") -> None:
    """Refuse a password a guesser would find: shorter than 12, one repeated character, or
    containing the user name."""
    problems: list[Problem] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            Problem(
                where,
                _("is shorter than {count} characters", count=MIN_PASSWORD_LENGTH),
            )
        )
    elif len(set(password)) < 4:
        problems.append(Problem(where, _("uses fewer than 4 different characters")))
    if username and username.lower() in password.lower():
        problems.append(Problem(where, _("contains the user name")))
    if problems:
        raise InvalidInputError(_("the password is too weak"), problems)


def generate_password() -> str:
    """A random password of 20 characters (about 119 bits) that starts with a letter or a
    digit (one starting with ``-`` would read as an option on a command line)."""
    while True:
        password = secrets.token_urlsafe(15)
        if password[0].isalnum():
            return password


def digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret (token, session id), as hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())


@dataclass(frozen=True)
class NewToken:
    """A token as it is shown once: ``text`` to hand to the client; ``lookup`` and
    ``secret_hash`` to store."""

    text: str = field(repr=False)
    lookup: str
    secret_hash: str


def new_token() -> NewToken:
    lookup = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return NewToken(f"{TOKEN_PREFIX}_{lookup}_{secret}", lookup, digest(secret))


def split_token(text: str) -> tuple[str, str] | None:
    """``(lookup, secret)`` of a token's text, or ``None`` when it is not one."""
    parts = text.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != 16:
        return None
    return parts[1], parts[2]


def new_session_secret() -> str:
    return secrets.token_urlsafe(32)
