"""docs/reference/roles.md says what the database's role-to-permission table holds."""

from __future__ import annotations

from pathlib import Path

from peakguard.app.accounts import list_roles
from peakguard.identity.model import Permission
from peakguard.store.database import open_store

ROLES_PAGE = Path(__file__).resolve().parents[2] / "docs" / "reference" / "roles.md"


def documented_roles() -> dict[str, tuple[str, frozenset[str]]]:
    """role → (organisation kind, permissions) from the page's first table."""
    lines = ROLES_PAGE.read_text(encoding="utf-8").splitlines()
    header_index = next(i for i, line in enumerate(lines) if line.startswith("| role |"))
    columns = [cell.strip().strip("`") for cell in lines[header_index].strip("|").split("|")]
    found: dict[str, tuple[str, frozenset[str]]] = {}
    for line in lines[header_index + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        granted = frozenset(columns[i] for i, cell in enumerate(cells) if i >= 3 and cell == "✓")
        found[cells[0].strip("`")] = (cells[1], granted)
    return found


def test_roles_page_matches_the_database(tmp_path: Path) -> None:
    """Every role and every ✓ on the page is in the migrated database, and nothing else is."""
    store = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    stored = {
        role.name: (role.organisation_kind.value, frozenset(p.value for p in role.permissions))
        for role in list_roles(store)
    }
    store.engine.dispose()
    assert documented_roles() == stored


def test_roles_page_has_a_column_for_every_permission() -> None:
    """The page's table names every permission the code knows, so no grant goes unseen."""
    header = next(
        line
        for line in ROLES_PAGE.read_text(encoding="utf-8").splitlines()
        if line.startswith("| role |")
    )
    assert {permission.value for permission in Permission} <= {
        cell.strip().strip("`") for cell in header.strip("|").split("|")
    }
