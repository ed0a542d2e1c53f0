"""Fuzzing the network document: the example network, in YAML and in JSON, mutated the ways
careless and hostile senders do, must load or be refused with a located InvalidInputError —
never another exception, and never more than a moment's work (issue #13)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError
from peakguard.formats.limits import InputLimits
from peakguard.formats.loading import load_network

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "chengdu-mianyang.yaml"
DOCUMENT: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
LIMITS = InputLimits(max_nodes=100_000, max_scalar_characters=5_000)
"""Smaller than the defaults, so the hostile values are cheap to make and to refuse."""
SECONDS_PER_EXAMPLE = 2.0
"""Loose (the machine is shared); the example loads in milliseconds."""
FUZZ = settings(
    max_examples=int(os.environ.get("PEAKGUARD_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

RAW_VALUES = [
    "9" * 5000,
    str(2**64),
    str(-(2**63) - 1),
    "1e309",
    "-1e309",
    "NaN",
    "Infinity",
    "null",
    "true",
    "[]",
    "{}",
    "[" * 50_000 + "]" * 50_000,
    '"' + "x" * 6_000 + '"',
    '"\\u0000"',
    '"\\ud800"',
    '"ZT\\u041e"',
    '"\\u200bZTO"',
    '"\\uff3a\\uff34\\uff2f"',
    '"../etc"',
    '"my network"',
    '"[/x]"',
    '"\\u001b[2J"',
]
"""JSON text put in place of a value (each also valid YAML flow text, or close to it)."""
YAML_ONLY = [
    ".inf",
    "-.inf",
    ".nan",
    "1.0e+309",
    "*undefined",
    "!!int '" + "7" * 5000 + "'",
    "!!python/object:os.system ls",
    "2026-13-45",
    "0x" + "f" * 60,
    "1:20:30:40",
]
BYTES = [
    b"\x00",
    b"\xff",
    b"\xfe\xff",
    b"\t",
    b"\n",
    b"{",
    b"[",
    b"]",
    b":",
    b"&a",
    b"*a",
    b"\xe2\x80\xa8",
    b"\xef\xbb\xbf",
    b'"',
    b"'",
    b"- ",
    b"? ",
    b"!!",
    b"%YAML 1.1\n",
]


def leaf_paths(value: object, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the document that holds a value (lists and mappings included)."""
    found = [path] if path else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += leaf_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += leaf_paths(child, (*path, index))
    return found


PATHS = leaf_paths(DOCUMENT)
MARK = "ZZRAWVALUEZZ"


def replaced(path: tuple[Any, ...]) -> Any:
    """A copy of the document with the value at ``path`` set to the placeholder."""
    document = json.loads(json.dumps(DOCUMENT))
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = MARK
    return document


@st.composite
def json_texts(draw: st.DrawFn) -> bytes:
    """The example as JSON, one value swapped for hostile text, then bytes mutated."""
    text = json.dumps(DOCUMENT, ensure_ascii=False, indent=1)
    if draw(st.booleans()):
        document = replaced(draw(st.sampled_from(PATHS)))
        raw = draw(st.sampled_from(RAW_VALUES))
        text = json.dumps(document, ensure_ascii=False, indent=1).replace(f'"{MARK}"', raw, 1)
    if draw(st.booleans()):
        key = draw(st.sampled_from(["name", "id", "carrier", "lanes"]))
        text = text.replace(f'"{key}": ', f'"{key}": 1, "{key}": ', 1)  # a key twice
    return draw(mutated_bytes(text.encode("utf-8")))


@st.composite
def yaml_texts(draw: st.DrawFn) -> bytes:
    """The example as YAML (the file itself, or dumped in block style), one value swapped,
    aliases added, then bytes mutated."""
    text = EXAMPLE.read_text(encoding="utf-8")
    if draw(st.booleans()):
        document = replaced(draw(st.sampled_from(PATHS)))
        raw = draw(st.sampled_from(RAW_VALUES + YAML_ONLY))
        dumped = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
        text = dumped.replace(MARK, raw, 1)
    if draw(st.booleans()):
        levels = draw(st.integers(1, 30))
        bomb = ['x0: &x0 ["a", "b", "c", "d", "e", "f", "g", "h", "i"]'] + [
            f"x{n}: &x{n} [" + ", ".join([f"*x{n - 1}"] * 9) + "]" for n in range(1, levels)
        ]
        text = "\n".join(bomb) + "\n" + text
    return draw(mutated_bytes(text.encode("utf-8")))


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """Zero to three insertions, deletions or replacements of bytes anywhere."""
    for _round in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(BYTES) | st.binary(min_size=1, max_size=4))
        if kind == "insert":
            data = data[:at] + piece + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 40)) :]
        else:
            data = data[:at] + piece + data[at + len(piece) :]
    return data


def load_or_refuse(folder: Path, name: str, data: bytes) -> Network | InvalidInputError:
    """load_network on the bytes: its network, or its InvalidInputError — anything else, and
    any refusal without a location, fails the test; so does a slow answer."""
    path = folder / name
    path.write_bytes(data)
    started = time.perf_counter()
    result: Network | InvalidInputError
    try:
        result = load_network(path, limits=LIMITS)
    except InvalidInputError as error:
        result = error
    assert time.perf_counter() - started < SECONDS_PER_EXAMPLE
    if isinstance(result, InvalidInputError):
        assert result.problems, "a refusal must list at least one problem"
        for problem in result.problems:
            assert problem.location.strip(), "every problem must say where"
            for language in ("en", "zh_CN"):
                assert problem.render(language)
    return result


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("documents")


def test_the_unmutated_example_loads_in_both_forms(folder: Path) -> None:
    """The strategies start from documents that load."""
    from_yaml = load_or_refuse(folder, "network.yaml", EXAMPLE.read_bytes())
    as_json = json.dumps(DOCUMENT, ensure_ascii=False).encode("utf-8")
    assert isinstance(from_yaml, Network)
    assert load_or_refuse(folder, "network.json", as_json) == from_yaml


@FUZZ
@given(data=json_texts())
def test_mutated_json_loads_or_is_refused_with_a_location(folder: Path, data: bytes) -> None:
    load_or_refuse(folder, "network.json", data)


@FUZZ
@given(data=yaml_texts())
def test_mutated_yaml_loads_or_is_refused_with_a_location(folder: Path, data: bytes) -> None:
    load_or_refuse(folder, "network.yaml", data)


ACCEPTED = {
    ("lanes",): {"null", "[]"},  # a network without lanes is a network
    ("lanes", 0, "capacity_per_departure"): {"1:20:30:40"},  # YAML 1.1's base 60: 4,870,840
}


@pytest.mark.parametrize("raw", RAW_VALUES + YAML_ONLY)
def test_each_hostile_value_in_each_place_kind(folder: Path, raw: str) -> None:
    """Every hostile value, put where a number, an identifier and a list belong: refused
    (where it is not a valid value there) and located."""
    for path in (("lanes", 0, "capacity_per_departure"), ("nodes", 1, "id"), ("lanes",)):
        document = replaced(path)
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False).replace(MARK, raw, 1)
        result = load_or_refuse(folder, "network.yaml", text.encode("utf-8"))
        if raw not in ACCEPTED.get(path, set()):
            assert isinstance(result, InvalidInputError), (path, raw)
