"""The kernel's threading layer: OpenMP with a short spin where libgomp loads, Numba's
``workqueue`` where it does not, and the environment's choice when it makes one."""

from __future__ import annotations

import ctypes
import os

import numba
import pytest

from peakguard.simulate import threading_layer
from peakguard.simulate.threading_layer import SPIN_COUNT, choose_threading_layer


@pytest.fixture(autouse=True)
def _keep_numba_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(numba.config, "THREADING_LAYER", numba.config.THREADING_LAYER)
    monkeypatch.delenv("NUMBA_THREADING_LAYER", raising=False)
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)


def test_openmp_where_libgomp_loads_with_a_short_spin(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[str] = []
    monkeypatch.setattr(threading_layer.ctypes, "CDLL", loaded.append)
    assert choose_threading_layer() == "omp"
    assert numba.config.THREADING_LAYER == "omp"
    assert loaded == ["libgomp.so.1"]
    assert os.environ["GOMP_SPINCOUNT"] == SPIN_COUNT == "10000"


def test_workqueue_where_there_is_no_libgomp(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> ctypes.CDLL:
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(threading_layer.ctypes, "CDLL", missing)
    assert choose_threading_layer() == "workqueue"
    assert numba.config.THREADING_LAYER == "workqueue"


def test_the_environment_decides_layer_and_spin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUMBA_THREADING_LAYER", "workqueue")
    monkeypatch.setenv("GOMP_SPINCOUNT", "0")
    monkeypatch.setattr(numba.config, "THREADING_LAYER", "default")
    assert choose_threading_layer() == "workqueue"
    assert numba.config.THREADING_LAYER == "default"  # Numba reads the variable itself
    assert os.environ["GOMP_SPINCOUNT"] == "0"
