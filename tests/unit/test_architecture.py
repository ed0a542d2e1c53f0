"""The house has ranks: every import points down (or sideways), and no import cycle exists.

Each module of ``src/peakguard`` belongs to a room, and each room has a rank
(docs/explanation/architecture.md). A module may import modules of its own rank or below,
never above; and the modules' import graph, function-level and type-checking imports
included, has no cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "peakguard"

RANKS: Mapping[str, int] = {
    # the foundation: translation, errors, reading algorithm knobs
    "peakguard": 0,
    "peakguard.i18n": 0,
    "peakguard.errors": 0,
    "peakguard.parameters": 0,
    # the core, plain data and functions over it
    "peakguard.domain": 1,
    "peakguard.identity": 1,
    "peakguard.simulate": 2,
    # the workflows' rules: state machines, legal clocks on China's working-day calendar
    "peakguard.cases": 2,
    "peakguard.optimize": 3,
    # supply-guarantee operations: orders, bundles, consolidation points, passes
    "peakguard.supply": 3,
    "peakguard.forecast": 3,
    "peakguard.analytics": 3,
    "peakguard.reserve": 4,
    "peakguard.bulletin": 4,
    # notices to the public: consumer tips, controlled-area notices, estimated arrivals
    "peakguard.notices": 4,
    "peakguard.demo": 5,
    # the adapters the core never sees: files, storage, deployment settings
    "peakguard.formats": 6,
    "peakguard.store": 6,
    "peakguard.config": 6,
    # the operations
    "peakguard.app": 7,
    # the edges
    "peakguard.web": 8,
    # the web application's pages: routes beside the API's, on its access declarations
    "peakguard.web.pages": 9,
    "peakguard.api": 9,
    "peakguard.cli": 10,
}
"""Room → rank. A room is a package or a top-level module; the longest matching name wins."""

EXEMPT = ("peakguard.store.migrations",)
"""Alembic's revision scripts: loaded by Alembic, not imported."""


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path) -> dict[str, Path]:
    """Every module of the package at ``root``, by dotted name."""
    found = {module_name(path, root): path for path in root.rglob("*.py")}
    return {name: path for name, path in found.items() if not name.startswith(EXEMPT)}


def imported(path: Path, name: str, known: Iterable[str]) -> set[str]:
    """The project modules ``path`` imports anywhere in it (module, function or
    TYPE_CHECKING level); ``from a import b`` counts as ``a.b`` when that is a module."""
    known = set(known)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in known else base)
    return {target for target in targets if target in known and target != name}


def import_graph(root: Path) -> nx.DiGraph:
    found = modules(root)
    graph = nx.DiGraph()
    graph.add_nodes_from(found)
    for name, path in found.items():
        graph.add_edges_from((name, target) for target in imported(path, name, found))
    return graph


def room(name: str, ranks: Mapping[str, int]) -> str | None:
    """The room of module ``name``: the package's own ``__init__`` is a room of its own, so
    a new top-level module has none until the table gives it one."""
    candidates = [
        key for key in ranks if name == key or ("." in key and name.startswith(key + "."))
    ]
    return max(candidates, key=len) if candidates else None


def upward_imports(graph: nx.DiGraph, ranks: Mapping[str, int]) -> list[str]:
    """``a (rank r) imports b (rank s > r)`` for every import that points up a rank."""
    found = []
    for source, target in sorted(graph.edges):
        source_room, target_room = room(source, ranks), room(target, ranks)
        assert source_room is not None and target_room is not None
        if ranks[target_room] > ranks[source_room]:
            found.append(
                f"{source} (rank {ranks[source_room]}) imports {target} (rank {ranks[target_room]})"
            )
    return found


def cycles(graph: nx.DiGraph) -> list[list[str]]:
    """The modules of every import cycle (strongly connected sets of more than one)."""
    return sorted(
        sorted(component)
        for component in nx.strongly_connected_components(graph)
        if len(component) > 1
    )


def test_every_module_has_a_room() -> None:
    """Each module of src/peakguard belongs to a room of the rank table."""
    unranked = [name for name in modules(PACKAGE) if room(name, RANKS) is None]
    assert len(modules(PACKAGE)) > 100
    assert not unranked


def test_no_import_points_up_a_rank() -> None:
    """The core never imports formats, store, app or an edge; app never imports an edge."""
    assert not upward_imports(import_graph(PACKAGE), RANKS)


def test_no_import_cycle() -> None:
    """No set of modules imports itself round, not even through a function-level import."""
    assert not cycles(import_graph(PACKAGE))


def _write(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checks_catch_an_upward_import_and_a_cycle(tmp_path: Path) -> None:
    """On a made-up package, the walker sees an upward import (also one inside a function and
    a relative one) and a cycle through a function-level import."""
    root = tmp_path / "peakguard"
    _write(
        root,
        {
            "__init__.py": "",
            "domain/__init__.py": "",
            "domain/network.py": "def f():\n    from peakguard.app import plans\n",
            "domain/regions.py": "from ..store import tables\n",
            "store/__init__.py": "",
            "store/tables.py": "from peakguard.domain import regions\n",
            "app/__init__.py": "",
            "app/plans.py": "import peakguard.store.tables\n",
        },
    )
    ranks = {"peakguard": 0, "peakguard.domain": 1, "peakguard.store": 6, "peakguard.app": 7}
    graph = import_graph(root)
    assert upward_imports(graph, ranks) == [
        "peakguard.domain.network (rank 1) imports peakguard.app.plans (rank 7)",
        "peakguard.domain.regions (rank 1) imports peakguard.store.tables (rank 6)",
    ]
    assert cycles(graph) == [["peakguard.domain.regions", "peakguard.store.tables"]]


MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def oversized(root: Path) -> list[str]:
    """Modules over 600 lines and functions over 80, as ``path: what (lines)``."""
    found = []
    for name, path in sorted(modules(root).items()):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            found.append(f"{name}: module ({text.count(chr(10))} lines)")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    found.append(f"{name}: {node.name} ({lines} lines)")
    return found


def test_small_pieces() -> None:
    """No module over 600 lines and no function over 80 (STYLE.md: split by meaning)."""
    assert not oversized(PACKAGE)


def test_the_size_check_sees_a_long_function(tmp_path: Path) -> None:
    """A 90-line function in a made-up package is reported with its length."""
    body = "".join(f"    x{index} = {index}\n" for index in range(89))
    _write(tmp_path / "peakguard", {"__init__.py": "", "big.py": f"def f():\n{body}"})
    assert oversized(tmp_path / "peakguard") == ["peakguard.big: f (90 lines)"]
