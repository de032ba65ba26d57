"""Start and stop a real ``indiserver`` with the INDI simulator drivers, for tests and benchmarks.

The server gets a temporary HOME (drivers write ``~/.indi/*_config.xml``) and, first on its
PATH, a ``gsc`` that is our fake_gsc star catalogue, so the CCD simulator renders star fields.
indiserver listens on all interfaces (it has no bind option); tests only talk to 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
DRIVERS = ("indi_simulator_ccd", "indi_simulator_wheel", "indi_simulator_telescope")
CCD, WHEEL, SCOPE = "CCD Simulator", "Filter Simulator", "Telescope Simulator"


def indi_missing() -> str | None:
    """Why the INDI tests cannot run here, or None."""
    for exe in ("indiserver", "indi_getprop", *DRIVERS):
        if shutil.which(exe) is None:
            return f"{exe} not found (install Debian's indi-bin package)"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class IndiServer:
    """One running indiserver on a free port; ``stop()`` ends it, ``kill()`` kills it hard."""

    def __init__(self, workdir: Path, drivers: tuple[str, ...] = DRIVERS, *,
                 stars: bool = True) -> None:
        self.workdir = Path(workdir)
        self.drivers = drivers
        self.stars = stars
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 15.0) -> "IndiServer":
        home = self.workdir / "home"
        bindir = self.workdir / "bin"
        home.mkdir(parents=True, exist_ok=True)
        bindir.mkdir(parents=True, exist_ok=True)
        gsc = bindir / "gsc"
        if self.stars and not gsc.exists():
            gsc.symlink_to(HERE / "fake_gsc")
        env = dict(os.environ, HOME=str(home), PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}")
        self.fifo = self.workdir / "control.fifo"
        if not self.fifo.exists():
            os.mkfifo(self.fifo)
        self.log = open(self.workdir / "indiserver.log", "ab")
        # own process group: kill() takes the drivers down with the server; own local socket
        # (-u) so that several test servers can run side by side
        self.proc = subprocess.Popen(["indiserver", "-p", str(self.port), "-r", "0",
                                      "-u", f"/tmp/nebulayer-indi-{self.port}",
                                      "-f", str(self.fifo), *self.drivers],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"indiserver exited at once: {self.workdir / 'indiserver.log'}")
            ready = subprocess.run(["indi_getprop", "-p", str(self.port), "-t", "1",
                                    f"{CCD}.CONNECTION.CONNECT"], capture_output=True)
            if ready.returncode == 0:
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"indiserver on port {self.port} did not become ready")

    def stop_driver(self, driver: str) -> None:
        """Stop one driver while the server runs on: its devices vanish from the server."""
        fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.write(fd, f"stop {driver}\n".encode())
        finally:
            os.close(fd)

    def kill(self) -> None:
        """Kill the server and its drivers at once, as a crash or power cut would."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if getattr(self, "log", None) is not None:
            self.log.close()
            self.log = None

    def __enter__(self) -> "IndiServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def prepare_simulator(link, *, polling_ms: int = 50, ra_hours: float = 5.5,
                      dec_deg: float = 22.0) -> None:
    """Fast polling, and the telescope synced on a patch of (fake) sky so frames show stars.

    The mount does not track, so the field drifts slowly between frames like a real
    untracked mount (about 12 px/s at the simulator's 1.19 arcsec/px).
    """
    link.connect_device(SCOPE)
    link.connect_device(CCD)
    link.set_and_wait(CCD, "POLLING_PERIOD", {"PERIOD_MS": polling_ms}, what="polling period")
    link.set_and_wait(SCOPE, "ON_COORD_SET", {"SYNC": "On"}, what="sync mode")
    link.send(SCOPE, "EQUATORIAL_EOD_COORD", {"RA": ra_hours, "DEC": dec_deg})
    link.wait_until(lambda: abs(link.vector(SCOPE, "EQUATORIAL_EOD_COORD").getfloatvalue("DEC")
                                - dec_deg) < 0.01, 10.0, "the telescope sync")


@contextmanager
def ready_simulator_server(folder: Path) -> Iterator[IndiServer]:
    """A running server with the simulators prepared (star catalogue, fast polling), or skip."""
    import pytest

    from editor.acquisition.indi_link import IndiLink

    reason = indi_missing()
    if reason:
        pytest.skip(f"INDI simulator tests need indiserver: {reason}")
    with IndiServer(folder) as server:
        link = IndiLink("127.0.0.1", server.port)
        link.connect()
        prepare_simulator(link)
        link.close()
        yield server
