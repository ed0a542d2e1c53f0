"""The scan-event batches of the lake tests (shared with tests/unit/ingest)."""

from __future__ import annotations

from tests.unit.ingest.conftest import small_batch

__all__ = ["small_batch"]
