"""Personal data at rest: sealed so that the database alone reads nothing, opened again with
the key (and with the old key during a rotation), found by keyed digest, and masked for
display."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peakguard.errors import ConfigurationError
from peakguard.store.personal import (
    PersonalVault,
    load_personal_key,
    mask_address,
    mask_name,
    mask_phone,
)

OLD = b"0" * 64
NEW = b"f" * 64


def test_sealed_text_opens_to_itself_and_shows_nothing_of_it() -> None:
    """A name sealed and opened is the name; the token holds neither its characters nor its
    UTF-8 bytes, and sealing twice gives two different tokens (a random IV each)."""
    vault = PersonalVault(NEW)
    for text in ("张三丰", "13812345678", "四川省成都市武侯区人民南路四段12号", ""):
        token = vault.seal(text)
        assert token is not None
        assert vault.open(token) == text
        if text:
            assert text.encode() not in token
            assert token != vault.seal(text)
    assert vault.seal(None) is None
    assert vault.open(None) is None


def test_another_key_cannot_open_a_token() -> None:
    """A token sealed under one secret is refused, with an explanation, under another."""
    token = PersonalVault(OLD).seal("张三丰")
    with pytest.raises(ConfigurationError):
        PersonalVault(NEW).open(token)


def test_rotation_keeps_old_tokens_readable_and_reseals_them_under_the_new_key() -> None:
    """A vault of the new and the old secret opens old tokens and seals new ones under the
    new secret; a rotated token opens with the new secret alone, no longer with the old."""
    old_token = PersonalVault(OLD).seal("13812345678")
    both = PersonalVault(keys=[NEW, OLD])
    assert both.open(old_token) == "13812345678"
    assert PersonalVault(NEW).open(both.seal("李四")) == "李四"
    rotated = both.rotate(old_token)
    assert rotated is not None and rotated != old_token
    assert PersonalVault(NEW).open(rotated) == "13812345678"
    with pytest.raises(ConfigurationError):
        PersonalVault(OLD).open(rotated)
    assert both.rotate(None) is None


def test_a_vault_needs_a_secret() -> None:
    """No secret, or an empty one among several, is a configuration error, not a weak key."""
    with pytest.raises(ConfigurationError):
        PersonalVault()
    with pytest.raises(ConfigurationError):
        PersonalVault(keys=[NEW, b""])


def test_the_digest_is_keyed_and_ignores_spelling() -> None:
    """One phone written three ways has one digest under one secret and another under
    another secret; during a rotation a search uses both, newest first. The digest is not
    the number's plain SHA-256 (a phone's 10^11 values are easy to try without a key)."""
    vault = PersonalVault(NEW)
    spellings = {vault.digest(text) for text in ("13812345678", "138 1234 5678", "138-1234-5678")}
    assert len(spellings) == 1
    digest = spellings.pop()
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert digest != PersonalVault(OLD).digest("13812345678")
    assert digest != vault.digest("13812345679")
    assert digest != hashlib.sha256(b"13812345678").hexdigest()
    assert PersonalVault(keys=[NEW, OLD]).digests("13812345678") == (
        digest,
        PersonalVault(OLD).digest("13812345678"),
    )


def test_the_key_file_is_made_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    """The first use makes 64 hex digits with mode 0600; later uses, and eight processes'
    threads racing for it, read the same secret."""
    path = tmp_path / "home" / "personal.key"
    secrets_read: list[bytes] = []
    start = threading.Barrier(8)

    def read() -> None:
        start.wait()
        secrets_read.append(load_personal_key(path))

    workers = [threading.Thread(target=read) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(set(secrets_read)) == 1
    secret = secrets_read[0]
    assert len(secret) == 64 and int(secret, 16) >= 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_personal_key(path) == secret
    assert [entry.name for entry in path.parent.iterdir()] == ["personal.key"]


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三丰", "张**"), ("李四", "李*"), ("欧阳娜娜", "欧***"), ("王", "*"), ("", "")],
)
def test_names_keep_their_first_character(name: str, masked: str) -> None:
    """A name shows its first character (the family name, mostly) and a star per other."""
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("028-87654321", "028*****4321"),
        ("+8613812345678", "+86*******5678"),
        ("12305", "***05"),
    ],
)
def test_phones_keep_their_first_three_and_last_four(phone: str, masked: str) -> None:
    """A mobile number shows its network prefix and last four digits, as bank slips do."""
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("四川省成都市武侯区人民南路四段12号", "四川省成都市武侯区…"),
        ("北京市朝阳区建国路88号", "北京市朝阳区…"),
        ("上海市浦东新区张江路1号", "上海市浦东新区…"),
        ("广东省广州市天河区体育西路", "广东省广州市天河区…"),
        ("四川省阿坝藏族羌族自治州马尔康市达萨街", "四川省阿坝藏族羌族自治州马尔康市…"),
        ("内蒙古自治区呼和浩特市新城区", "内蒙古自治区呼和浩特市新城区"),
        ("广东省东莞市南城街道", "广东省东莞市…"),
        ("成都市阳光小区3栋", "成都市…"),
        ("12 Baker Street, London", "12 Bak…"),
        ("学府路", "学…"),
    ],
)
def test_addresses_keep_their_administrative_prefix(address: str, masked: str) -> None:
    """An address shows its province, city and district, never the street, building or
    neighbourhood (``小区`` is not a district); without a recognisable prefix, its first six
    characters."""
    assert mask_address(address) == masked


@given(st.text(min_size=8, max_size=20))
def test_a_masked_phone_keeps_its_length_and_shows_seven_characters_at_most(phone: str) -> None:
    """Whatever the number, the mask has its length after trimming and hides all but the
    first three and last four characters."""
    text = phone.strip()
    masked = mask_phone(phone)
    assert len(masked) == len(text)
    assert sum(1 for a, b in zip(masked, text, strict=True) if a == b and a != "*") <= 7
