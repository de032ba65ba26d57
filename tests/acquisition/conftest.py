"""Fixtures for the acquisition tests: a real indiserver with the INDI simulators."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from indi_server import IndiServer, indi_missing, ready_simulator_server  # noqa: E402

from editor.acquisition.indi_link import IndiLink  # noqa: E402


@pytest.fixture(scope="session")
def indi_server(tmp_path_factory):
    """One indiserver (CCD, wheel, telescope simulators) shared by the whole session."""
    with ready_simulator_server(tmp_path_factory.mktemp("indi")) as server:
        yield server


@pytest.fixture
def own_indi_server(tmp_path):
    """A server of the test's own, for tests that kill it."""
    reason = indi_missing()
    if reason:
        pytest.skip(f"INDI simulator tests need indiserver: {reason}")
    server = IndiServer(tmp_path / "indi").start()
    yield server
    server.stop()


@pytest.fixture
def link(indi_server):
    """A connected IndiLink to the shared server, closed after the test."""
    lnk = IndiLink("127.0.0.1", indi_server.port, connect_timeout=5.0)
    lnk.connect()
    yield lnk
    lnk.close()

