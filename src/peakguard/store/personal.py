"""Personal data at rest: a complainant's name, phone and address, encrypted.

:class:`PersonalVault` seals text with Fernet (AES-128-CBC and HMAC-SHA-256, a random IV per
token, so one phone sealed twice gives two different tokens) under a key derived from a secret
kept outside the database (``PEAKGUARD_PERSONAL_KEY`` or ``<home>/personal.key``): someone who
copies the database or a backup without that secret reads no name, phone or address. A keyed
digest (HMAC-SHA-256 under a second key derived from the same secret) finds repeat callers
without decrypting anything, and says nothing about a phone to someone without the secret.

Rotation: build the vault with the new secret first and the old ones after
(``PersonalVault(keys=[new, old])``); it opens tokens of every key, seals with the new one,
and :meth:`PersonalVault.rotate` re-seals an old token under the new key.

The masking functions show enough of a value to recognise a case on a list (``张**``,
``138****5678``, ``四川省成都市武侯区…``) and nothing more.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from peakguard.errors import ConfigurationError
from peakguard.i18n import _

_SALT = b"peakguard personal data"
_SEALING = b"fernet key"
_DIGESTING = b"search digest key"


def _derived(secret: bytes, purpose: bytes) -> bytes:
    """32 bytes derived from ``secret`` for one ``purpose`` (HKDF-SHA-256), so the sealing key
    and the digest key are independent though both come from one secret."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose).derive(secret)


class PersonalVault:
    """Seals and opens personal data under one secret, or under several during a rotation
    (the first seals and digests; every one opens)."""

    def __init__(self, key: bytes = b"", *, keys: Sequence[bytes] = ()) -> None:
        secrets_given = [key] if key else []
        secrets_given.extend(keys)
        if not secrets_given or not all(secrets_given):
            raise ConfigurationError(
                _(
                    "No key for personal data is configured: set PEAKGUARD_PERSONAL_KEY or let "
                    "peakguard make <home>/personal.key."
                )
            )
        self._fernet = MultiFernet(
            [Fernet(base64.urlsafe_b64encode(_derived(s, _SEALING))) for s in secrets_given]
        )
        self._digest_keys = tuple(_derived(s, _DIGESTING) for s in secrets_given)

    def __repr__(self) -> str:
        return f"PersonalVault(<{len(self._digest_keys)} key(s)>)"

    def seal(self, text: str | None) -> bytes | None:
        """``text`` encrypted under the newest key; None stays None."""
        if text is None:
            return None
        return self._fernet.encrypt(text.encode("utf-8"))

    def open(self, token: bytes | None) -> str | None:
        """The text sealed in ``token`` (by any of the vault's keys); None stays None.
        Raises ConfigurationError when no key of the vault sealed it (a wrong or lost key)."""
        if token is None:
            return None
        try:
            return self._fernet.decrypt(bytes(token)).decode("utf-8")
        except InvalidToken:
            raise ConfigurationError(
                _(
                    "Personal data cannot be decrypted with the configured key: it was sealed "
                    "under another one. Configure that key (first the new, then the old ones "
                    "during a rotation)."
                )
            ) from None

    def rotate(self, token: bytes | None) -> bytes | None:
        """``token`` sealed again under the newest key (same text); None stays None."""
        if token is None:
            return None
        try:
            return self._fernet.rotate(bytes(token))
        except InvalidToken:
            self.open(token)  # raises the explained error
            raise

    def digest(self, text: str) -> str:
        """The keyed digest of ``text`` under the newest key, as 64 hex digits. Equal for two
        spellings of one value: compared after NFKC, case folding, and without spaces or
        hyphens (``138 1234-5678`` and ``13812345678`` give one digest)."""
        return self.digests(text)[0]

    def digests(self, text: str) -> tuple[str, ...]:
        """The digest of ``text`` under each key, newest first: a search during a rotation
        finds rows digested under any of them."""
        normal = _comparable(text).encode("utf-8")
        return tuple(hmac.new(key, normal, hashlib.sha256).hexdigest() for key in self._digest_keys)


def _comparable(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s\-]+", "", folded)


def load_personal_key(path: Path) -> bytes:
    """The secret kept in ``path``: 32 random bytes in hex, made on first use with mode 0600.
    Processes or threads starting at once agree on one secret: each writes a draft of its own
    and links it into place, and one that finds the file already there uses that file."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip().encode()


def mask_name(name: str) -> str:
    """The first character and a star for each other one: ``张三丰`` → ``张**``; a
    one-character name is all stars."""
    text = name.strip()
    if len(text) <= 1:
        return "*" * len(text)
    return text[0] + "*" * (len(text) - 1)


def mask_phone(phone: str) -> str:
    """The first three and last four characters of a number of at least eight, a star for
    each one between: ``13812345678`` → ``138****5678``; a shorter number keeps its last
    two only (``12345`` → ``***45``)."""
    text = phone.strip()
    if len(text) >= 8:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    if len(text) <= 2:
        return "*" * len(text)
    return "*" * (len(text) - 2) + text[-2:]


_NAME = r"[^\d\s省市区县路街道巷号弄村镇乡栋楼室]"
_COUNTY_NAME = r"[^\d\s省市区县路街道巷号弄村镇乡栋楼室小社园]"
"""A place name's characters: no digit, no level word, no street word (``小区``, ``社区`` and
``园区`` are neighbourhoods, not districts)."""
_ADMINISTRATIVE = re.compile(
    rf"^(?:{_NAME}{{2,7}}?(?:省|自治区|特别行政区))?"
    rf"(?:{_NAME}{{1,10}}?(?:自治州|地区|盟|市))?"
    rf"(?:{_COUNTY_NAME}{{1,10}}?(?:自治县|自治旗|新区|区|县|旗|市))?"
)


def mask_address(address: str) -> str:
    """The province, city and district (county) an address starts with, then ``…``:
    ``四川省成都市武侯区人民南路四段12号`` → ``四川省成都市武侯区…``. An address without a
    recognisable administrative prefix keeps its first six characters (half of a shorter
    one) and ``…``."""
    text = address.strip()
    match = _ADMINISTRATIVE.match(text)
    prefix = match.group(0) if match else ""
    if not prefix:
        prefix = text[:6] if len(text) > 6 else text[: len(text) // 2]
    return prefix if prefix == text else prefix + "…"
