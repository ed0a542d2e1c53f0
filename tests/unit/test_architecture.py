"""The core stays pure: it never imports the adapters (store, api, cli, web, config)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "peakguard"
CORE = ("domain", "formats", "demo", "forecast", "reserve", "optimize", "simulate", "analytics")
ADAPTERS = ("store", "api", "cli", "web", "config", "workflows")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_does_not_import_adapters() -> None:
    """No module in a core package imports peakguard.store/api/cli/web/config/workflows."""
    offenders = []
    checked = 0
    for package in CORE:
        for path in (PACKAGE / package).rglob("*.py") if (PACKAGE / package).exists() else []:
            checked += 1
            for name in _imports(path):
                parts = name.split(".")
                if parts[0] == "peakguard" and len(parts) > 1 and parts[1] in ADAPTERS:
                    offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert checked > 10
    assert not offenders


def test_the_walker_would_catch_an_offender(tmp_path: Path) -> None:
    """The import walker sees both import forms (so the test above can fail)."""
    sample = tmp_path / "bad.py"
    sample.write_text(
        "import peakguard.store.tables\nfrom peakguard.api import app\n", encoding="utf-8"
    )
    assert _imports(sample) == {"peakguard.store.tables", "peakguard.api"}
