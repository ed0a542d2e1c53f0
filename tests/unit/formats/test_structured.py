"""The guarded entry for YAML and JSON: every example of issue #13 is a located refusal.

Each test feeds what a hostile or careless user sent and requires an InvalidInputError whose
problem names where (a line and column, or the value's path) — never a traceback, never a
value that no column can hold, never a parse that exhausts the machine.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from peakguard.errors import InvalidInputError
from peakguard.formats.limits import InputLimits
from peakguard.formats.structured import check_values, load_document, parse_json, parse_yaml


def refusal(parse: object, text: str | bytes, source: str = "network.yaml") -> list[str]:
    """The rendered problems of the refusal (``location: message``)."""
    assert callable(parse)
    with pytest.raises(InvalidInputError) as caught:
        parse(text, source)
    assert caught.value.problems, "a refusal must say where"
    return [problem.render("en") for problem in caught.value.problems]


def alias_bomb(levels: int = 40) -> str:
    """Nested aliases: a few KB of text that a plain safe_load expands to gigabytes."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_json_nested_100000_deep_is_located() -> None:
    """100,000 brackets: refused at the bracket past the limit, not a RecursionError."""
    problems = refusal(parse_json, "[" * 100_000 + "]" * 100_000, "network.json")
    assert problems == [
        "network.json: line 1, column 33: lists and mappings are nested more than 32 deep"
    ]


def test_yaml_nested_100000_deep_is_located() -> None:
    """The same in YAML flow style and block style: a line, not a crash."""
    (flow,) = refusal(parse_yaml, "[" * 100_000 + "]" * 100_000)
    assert flow.startswith("network.yaml: line 1, column ")
    block = "".join(" " * level + "- \n" for level in range(200))
    (nested,) = refusal(parse_yaml, block)
    assert (
        nested
        == "network.yaml: line 33, column 33: lists and mappings are nested more than 32 deep"
    )


def test_depth_within_the_limit_is_read() -> None:
    """Nesting up to the limit is an ordinary document."""
    limits = InputLimits(max_depth=5)
    assert parse_json("[[[[[1]]]]]", "x", limits=limits) == [[[[[1]]]]]
    assert parse_yaml("[[[[[1]]]]]", "x", limits=limits) == [[[[[1]]]]]
    with pytest.raises(InvalidInputError):
        parse_json("[[[[[[1]]]]]]", "x", limits=limits)
    with pytest.raises(InvalidInputError):
        parse_yaml("[[[[[[1]]]]]]", "x", limits=limits)


@pytest.mark.parametrize(
    ("parse", "text", "where"),
    [
        (
            parse_json,
            '{"lanes": [{"capacity": ' + "7" * 5000 + "}]}",
            "network.json: lanes[0].capacity",
        ),
        (parse_json, '{"x": 1.' + "5" * 4998 + "}", "network.json: x"),
        (
            parse_yaml,
            "lanes:\n  - capacity: " + "7" * 5000 + "\n",
            "network.yaml: line 2, column 15",
        ),
        (parse_yaml, 'x: !!int "' + "7" * 5000 + '"\n', "network.yaml: line 1, column 4"),
        (parse_yaml, "x: 0x" + "f" * 4998 + "\n", "network.yaml: line 1, column 4"),
    ],
)
def test_numbers_of_5000_digits_are_located(parse: object, text: str, where: str) -> None:
    """A 5,000-digit number: refused by its length, Python's 4300-digit error never surfaces."""
    source = where.split(":", maxsplit=1)[0]
    (problem,) = refusal(parse, text, source)
    assert problem == f"{where}: a number written with 5000 characters; at most 40 are accepted"


def test_long_text_that_is_not_a_number_is_not_refused_as_one() -> None:
    """A long quoted string of digits is text, and a long word is text."""
    assert parse_yaml('x: "' + "7" * 100 + '"\n', "x") == {"x": "7" * 100}
    assert parse_yaml("x: " + "z" * 100 + "\n", "x") == {"x": "z" * 100}


@pytest.mark.parametrize(
    ("parse", "text", "source"),
    [
        (parse_json, '{"lanes": [{"capacity": 18446744073709551616}]}', "network.json"),
        (parse_yaml, "lanes:\n  - {capacity: 18446744073709551616}\n", "network.yaml"),
    ],
)
def test_capacity_beyond_64_bits_is_located(parse: object, text: str, source: str) -> None:
    """2**64 fits no BIGINT column: refused at lanes[0].capacity."""
    (problem,) = refusal(parse, text, source)
    assert problem.startswith(f"{source}: lanes[0].capacity: 18446744073709551616 is outside")


def test_int64_bounds_themselves_are_accepted() -> None:
    assert parse_json(f"[{2**63 - 1}, {-(2**63)}]", "x") == [2**63 - 1, -(2**63)]


@pytest.mark.parametrize(
    ("parse", "text", "source", "expected"),
    [
        (parse_yaml, "x: [1, .inf, -.inf, .nan]\n", "n.yaml", ["x[1]", "x[2]", "x[3]"]),
        (parse_json, '{"x": [1, Infinity, -Infinity, NaN]}', "n.json", ["x[1]", "x[2]", "x[3]"]),
        (parse_json, '{"x": [1e309, -1e309]}', "n.json", ["x[0]", "x[1]"]),
        (parse_yaml, "x: [1.0e+309]\n", "n.yaml", ["x[0]"]),
    ],
)
def test_infinite_numbers_are_refused(
    parse: object, text: str, source: str, expected: list[str]
) -> None:
    """`.inf`, `Infinity`, `1e309` are not numbers a column can hold; each is located."""
    problems = refusal(parse, text, source)
    assert [problem.split(": ")[1] for problem in problems] == expected
    assert all("finite number" in problem for problem in problems)


def test_alias_bomb_is_refused_quickly_and_small() -> None:
    """The 5 KB nested-aliases file: refused in well under a second, with little memory."""
    bomb = alias_bomb()
    assert len(bomb) < 5 * 1024
    tracemalloc.start()
    started = time.perf_counter()
    try:
        (problem,) = refusal(parse_yaml, bomb)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.perf_counter() - started < 0.5
    assert peak < 20 * 1024 * 1024
    assert problem.startswith("network.yaml: line 7, column ")
    assert "more than 5000000 values once its aliases are expanded" in problem


def test_ordinary_aliases_and_merge_keys_are_read() -> None:
    """Aliases used as they are meant (shared shifts, a merged default) stay readable."""
    text = "base: &b {p: 1, q: 2}\nnode: {<<: *b, q: 3}\nsame: *b\n"
    assert parse_yaml(text, "x") == {
        "base": {"p": 1, "q": 2},
        "node": {"p": 1, "q": 3},
        "same": {"p": 1, "q": 2},
    }


def test_alias_that_contains_itself_is_refused() -> None:
    (problem,) = refusal(parse_yaml, "a: &a [1, *a]\n")
    assert (
        problem
        == "network.yaml: line 1, column 11: the alias *a refers to a value that contains it"
    )


def test_alias_expansion_counts_towards_depth() -> None:
    """An alias of a deep value, placed deep, is as deep as its expansion."""
    limits = InputLimits(max_depth=4)
    with pytest.raises(InvalidInputError) as caught:
        parse_yaml("a: &a [[1]]\nb: [[*a]]\n", "x", limits=limits)
    assert caught.value.problems[0].location == "x: line 2, column 6"


def test_duplicate_keys_are_refused() -> None:
    """A key given twice is a mistake, not 'keep the last copy'."""
    (json_problem,) = refusal(parse_json, '{"nodes": [{"id": "A", "id": "B"}]}', "n.json")
    assert json_problem == "n.json: nodes[0].id: the key id is given more than once: keep one"
    (yaml_problem,) = refusal(parse_yaml, "nodes:\n  - id: A\n    id: B\n")
    assert (
        yaml_problem
        == "network.yaml: line 3, column 5: the key id is given more than once: keep one"
    )


def test_nul_in_a_string_is_refused() -> None:
    (problem,) = refusal(parse_json, '{"name": "ZTO\\u0000"}', "n.json")
    assert problem == "n.json: name: contains a NUL character (U+0000)"
    (yaml_problem,) = refusal(parse_yaml, 'name: "ZTO\\0"\n')
    assert yaml_problem == "network.yaml: name: contains a NUL character (U+0000)"


def test_unpaired_surrogate_is_refused() -> None:
    (problem,) = refusal(parse_json, '{"name": "\\ud800"}', "n.json")
    assert problem == "n.json: name: contains an unpaired surrogate U+D800"


def test_string_of_200000_characters_is_refused() -> None:
    text = "x" * 200_000
    (json_problem,) = refusal(parse_json, f'{{"description": "{text}"}}', "n.json")
    assert json_problem == (
        "n.json: description: a text of 200000 characters; at most 100000 are accepted"
    )
    (yaml_problem,) = refusal(parse_yaml, f"description: {text}\n")
    assert yaml_problem.startswith("network.yaml: line 1, column 14: a text of 200000 characters")


def test_undecodable_bytes_are_located() -> None:
    (problem,) = refusal(parse_yaml, b"name: ok\ntitle: \xff\xfe\n")
    assert (
        problem
        == "network.yaml: line 2, column 8: the file is not UTF-8 text: save it as UTF-8 and retry"
    )


def test_syntax_errors_are_located() -> None:
    (json_problem,) = refusal(parse_json, '{"a": 1,\n "b": }', "n.json")
    assert json_problem.startswith("n.json: line 2, column 7: JSON syntax error")
    (yaml_problem,) = refusal(parse_yaml, "a: [1, 2\nb: 3\n")
    assert yaml_problem.startswith("network.yaml: line 2, column ")
    assert "YAML syntax error" in yaml_problem


def test_unconstructible_yaml_value_is_located() -> None:
    """A date that does not exist (month 13) is a located problem, not a ValueError."""
    (problem,) = refusal(parse_yaml, "start: 2026-13-45\n")
    assert problem.startswith("network.yaml: line 1, column 8: '2026-13-45' cannot be read")


def test_size_is_checked_before_parsing(tmp_path: Path) -> None:
    """A file past max_file_bytes is refused by its size, for text and for a file."""
    limits = InputLimits(max_file_bytes=100)
    with pytest.raises(InvalidInputError) as caught:
        parse_json("[" + "1," * 100 + "1]", "n.json", limits=limits)
    assert "at most 100 are read" in caught.value.problems[0].render("en")
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "b" * 200 + "\n", encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        load_document(path, limits=limits)
    assert caught.value.problems[0].location == "big.yaml"


def test_missing_file_and_folder_are_located(tmp_path: Path) -> None:
    for path in (tmp_path / "absent.yaml", tmp_path):
        with pytest.raises(InvalidInputError) as caught:
            load_document(path)
        assert caught.value.problems[0].location == str(path)


def test_check_values_walks_an_already_parsed_object() -> None:
    """A body parsed elsewhere (TOML, a request) gets the same rules, located by path."""
    value = {"lanes": [{"capacity": 2**64}, {"transit_hours": float("nan")}], "ok": [1, "a"]}
    with pytest.raises(InvalidInputError) as caught:
        check_values(value, "body")
    assert [problem.location for problem in caught.value.problems] == [
        "body: lanes[0].capacity",
        "body: lanes[1].transit_hours",
    ]
    check_values({"fine": [1, 2.5, "text", None, True]}, "body")


def test_check_values_is_not_recursive() -> None:
    """A Python object nested 100,000 deep is refused, not a RecursionError."""
    value: list[object] = []
    for _ in range(100_000):
        value = [value]
    with pytest.raises(InvalidInputError) as caught:
        check_values(value, "body")
    assert caught.value.problems[0].location == "body: " + "[0]" * 32
