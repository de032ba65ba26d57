"""One connection to an INDI server, run by ``indipyclient`` in a background thread.

Everything else in Nebulayer talks to INDI through :class:`IndiLink`: plain blocking calls
that are safe from any thread (a capture worker, the CLI), never from Qt. The asyncio loop
and the indipyclient client live in the link's own thread; property reads and writes are
marshalled onto that loop, so the client's dictionaries are only ever touched by one thread.

Two weaknesses of indipyclient are handled here:

* it does not notice a server that closed the socket (it keeps reading empty data and only
  gives up after its 40 s reply timeout): a watch on the socket's end-of-file drops the link
  within ~0.1 s;
* after a lost link it silently retries every 5 s forever: the link reports the loss instead
  (every blocked call raises :class:`~editor.errors.DeviceError`) and reconnects only when
  asked, or by itself with a growing back-off if ``auto_reconnect`` is set.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from typing import Any, Callable

from indipyclient import IPyClient

from editor.acquisition.devices import DeviceInfo, kinds_from_interface
from editor.errors import DeviceError
from editor.jobs.progress import Cancelled, CancelToken

log = logging.getLogger(__name__)
# indipyclient logs every connection attempt as a warning; keep them out of the terminal
# (a handler on its logger stops Python's last-resort printing to stderr).
logging.getLogger("indipyclient").addHandler(logging.NullHandler())

EventCallback = Callable[[str, dict], None]
# Seconds without a new property definition after which the server's answer to
# getProperties counts as complete.
_QUIET = 0.25

class _Client(IPyClient):
    """indipyclient client that forwards every event to its :class:`IndiLink`."""

    def __init__(self, link: "IndiLink", host: str, port: int) -> None:
        super().__init__(indihost=host, indiport=port)
        self._link = link
        self.enable_reports = False
        # BLOBs (frames) are wanted from every device that has them.
        self.enableBLOBdefault = "Also"

    async def rxevent(self, event: Any) -> None:
        await self._link._on_client_event(self, event)

    async def hardware(self) -> None:
        """Watch the socket: a server that died leaves it at EOF, which indipyclient ignores."""
        while not self._stop:
            await asyncio.sleep(0.1)
            reader = self._reader
            if reader is not None and reader.at_eof() and self.connected:
                await self._clear_connection()


class IndiLink:
    """A blocking, thread-safe handle on one INDI server.

    Parameters
    ----------
    host, port
        Where ``indiserver`` listens (INDI's default port is 7624).
    connect_timeout
        Seconds to wait for the TCP connection and the first device definitions.
    auto_reconnect
        After an unexpected loss, retry by itself after 1, 2, 4 ... 30 s.
    on_event
        ``callback(kind, info)`` called from the link's thread for "connected",
        "disconnected", "reconnecting", "devices" and "message" events. Keep it quick and
        thread-safe (put it on a queue).
    """

    def __init__(self, host: str = "localhost", port: int = 7624, *, connect_timeout: float = 5.0,
                 auto_reconnect: bool = False, on_event: EventCallback | None = None) -> None:
        self.host = host
        self.port = int(port)
        self.connect_timeout = connect_timeout
        self.auto_reconnect = auto_reconnect
        self.on_event = on_event
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"indi-{host}:{port}",
                                        daemon=True)
        self._thread.start()
        self._client: _Client | None = None
        self._client_task: asyncio.Task | None = None
        self._cond: asyncio.Condition | None = None
        self._up = False
        self._closing = False
        self._lost_reason = ""
        self._blobs: dict[str, tuple[int, str, bytes, float]] = {}
        self._deleted: set[str] = set()
        self._last_message: dict[str, str] = {}
        self._reconnect_task: asyncio.Task | None = None
        self._last_define = 0.0
        self._ready = False

    # ---- plumbing -------------------------------------------------------------------------
    def _run(self, coro: Any, timeout: float | None = None) -> Any:
        if not self._thread.is_alive():
            raise DeviceError(f"INDI {self.address}: the connection was closed")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise DeviceError(f"INDI {self.address}: no answer within {timeout:.0f} s") from None

    def _call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the link's thread (where the client's data lives) and return its result."""

        async def wrapper() -> Any:
            return fn()

        return self._run(wrapper(), timeout=10.0)

    def _emit(self, kind: str, **info: Any) -> None:
        if self.on_event is not None:
            try:
                self.on_event(kind, info)
            except Exception:  # a listener's bug must not kill the INDI thread
                log.exception("INDI event listener failed on %s", kind)

    async def _notify(self) -> None:
        if self._cond is not None:
            async with self._cond:
                self._cond.notify_all()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def connected(self) -> bool:
        """True once connected and the server's device list has arrived, until a loss."""
        return self._up and self._ready

    # ---- connecting -------------------------------------------------------------------------
    def connect(self) -> None:
        """Connect and wait for the server's device list. Raises DeviceError with the reason."""
        self._closing = False
        self._run(self._connect(), timeout=self.connect_timeout + 5.0)

    async def _probe(self) -> None:
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self.connect_timeout)
        except asyncio.TimeoutError:
            raise DeviceError(f"INDI {self.address}: no answer within {self.connect_timeout:g} s "
                              "(is the host reachable?)") from None
        except ConnectionRefusedError:
            raise DeviceError(f"INDI {self.address}: connection refused (is indiserver running "
                              "on that port?)") from None
        except OSError as exc:
            raise DeviceError(f"INDI {self.address}: cannot connect ({exc.strerror or exc})") from None
        writer.close()

    async def _connect(self) -> None:
        if self._cond is None:
            self._cond = asyncio.Condition()
        if self._up:
            return
        await self._stop_client()
        await self._probe()
        client = _Client(self, self.host, self.port)
        self._client = client
        self._deleted.clear()
        self._client_task = asyncio.create_task(client.asyncrun())
        deadline = time.monotonic() + self.connect_timeout
        # The server answers getProperties with a burst of definitions, device after
        # device: wait for the first device, then until the burst goes quiet.
        async with self._cond:
            while not (self._up and self._has_devices(client)
                       and time.monotonic() - self._last_define > _QUIET):
                left = deadline - time.monotonic()
                if left <= 0 or self._client_task.done():
                    break
                try:
                    await asyncio.wait_for(self._cond.wait(), min(left, 0.05))
                except asyncio.TimeoutError:
                    pass
        if not self._up:
            await self._stop_client()
            raise DeviceError(f"INDI {self.address}: the server accepted the connection but "
                              "did not answer")
        self._ready = True
        self._emit("connected", address=self.address)
        # an empty server is valid (no drivers loaded); the UI shows an empty device list

    @staticmethod
    def _has_devices(client: _Client) -> bool:
        return any("DRIVER_INFO" in dev for dev in client.data.values())

    async def _stop_client(self) -> None:
        client, task = self._client, self._client_task
        self._client = None
        self._client_task = None
        self._up = False
        self._ready = False
        if client is not None:
            client.shutdown()
            writer = client._writer
            if writer is not None:
                writer.close()  # wakes its reader at once instead of at the next server message
        if task is not None:
            try:
                await asyncio.wait_for(task, 3.0)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                task.cancel()

    def close(self) -> None:
        """Disconnect from the server and stop the link's thread."""
        if not self._thread.is_alive():
            return
        self._closing = True

        async def shutdown() -> None:
            if self._reconnect_task is not None:
                self._reconnect_task.cancel()
            await self._stop_client()
            await self._notify()

        try:
            self._run(shutdown(), timeout=5.0)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5.0)
        self._emit("disconnected", reason="closed")

    def __enter__(self) -> "IndiLink":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- events from indipyclient -------------------------------------------------------------
    async def _on_client_event(self, client: _Client, event: Any) -> None:
        if client is not self._client:
            return  # a stale client shutting down
        kind = event.eventtype
        if kind == "ConnectionMade":
            self._up = True
            self._lost_reason = ""
        elif kind == "ConnectionLost":
            was_up = self._up
            self._up = False
            self._ready = False
            if not self._closing:
                self._lost_reason = "the connection to the server was lost"
                client.shutdown()  # we decide when to reconnect, not indipyclient's 5 s loop
                if was_up:
                    self._emit("disconnected", reason=self._lost_reason)
                if self.auto_reconnect and self._reconnect_task is None:
                    self._reconnect_task = asyncio.create_task(self._reconnect_loop())
        elif kind == "Message":
            text = getattr(event, "message", "")
            if event.devicename:
                self._last_message[event.devicename] = text
                self._emit("message", device=event.devicename, text=text)
        elif kind == "Delete":
            if event.vectorname is None:
                self._deleted.add(event.devicename)
                self._emit("devices", gone=event.devicename)
        elif kind in ("Define", "DefineBLOB"):
            self._last_define = time.monotonic()
            if event.devicename in self._deleted:
                self._deleted.discard(event.devicename)
            if event.vectorname in ("DRIVER_INFO", "CONNECTION"):
                self._emit("devices")
        elif kind == "SetBLOB":
            for member, value in event.items():
                if value:
                    count = self._blobs.get(event.devicename, (0,))[0] + 1
                    fmt = event.sizeformat.get(member, (0, ".fits"))[1]
                    self._blobs[event.devicename] = (count, fmt, value, time.monotonic())
        elif kind == "Set" and event.vectorname == "CONNECTION":
            self._emit("devices")
        await self._notify()

    async def _reconnect_loop(self) -> None:
        delay = 1.0
        try:
            while not self._closing and not self._up:
                self._emit("reconnecting", delay=delay)
                await asyncio.sleep(delay)
                try:
                    await self._connect()
                except DeviceError as exc:
                    log.info("reconnect failed: %s", exc)
                    delay = min(delay * 2, 30.0)
        finally:
            self._reconnect_task = None

    # ---- reading properties (all answers are copies) -------------------------------------------
    def vector(self, device: str, vector: str) -> Any:
        """The live indipyclient property (None if undefined). Only for code running on the
        link's thread: the predicates given to :meth:`wait_until`. Raises DeviceError if the
        link is down or the device is gone."""
        client = self._client
        if client is None or not self._up:
            raise DeviceError(f"INDI {self.address}: not connected"
                              + (f" ({self._lost_reason})" if self._lost_reason else ""))
        dev = client.data.get(device)
        if dev is None or device in self._deleted or not dev.enable:
            raise DeviceError(f"{device}: no such device on {self.address} (it may have been "
                              "removed or its driver stopped)")
        vec = dev.data.get(vector)
        if vec is None or not vec.enable:
            return None
        return vec

    def devices(self) -> list[DeviceInfo]:
        """The devices the server offers, with their kinds."""

        def read() -> list[DeviceInfo]:
            client = self._client
            if client is None or not self._up:
                raise DeviceError(f"INDI {self.address}: not connected")
            out = []
            for name, dev in client.data.items():
                if name in self._deleted or not dev.enable:
                    continue
                info = dev.data.get("DRIVER_INFO")
                mask = 0
                driver = ""
                if info is not None:
                    try:
                        mask = int(float(info["DRIVER_INTERFACE"] or 0))
                    except (KeyError, ValueError):
                        mask = 0
                    driver = info.get("DRIVER_EXEC", "") if "DRIVER_EXEC" in info else ""
                conn = dev.data.get("CONNECTION")
                connected = bool(conn is not None and conn["CONNECT"] == "On")
                out.append(DeviceInfo(name, kinds_from_interface(mask), connected, driver))
            return sorted(out, key=lambda d: d.name)

        return self._call(read)

    def has(self, device: str, vector: str) -> bool:
        """True if the device currently defines this property."""
        return self._call(lambda: self.vector(device, vector) is not None)

    def state(self, device: str, vector: str) -> str | None:
        """The property's state (Idle, Ok, Busy, Alert), or None if it is not defined."""
        return self._call(lambda: getattr(self.vector(device, vector), "state", None))

    def numbers(self, device: str, vector: str) -> dict[str, float]:
        def read() -> dict[str, float]:
            vec = self.vector(device, vector)
            return {} if vec is None else {m: vec.getfloatvalue(m) for m in vec}
        return self._call(read)

    def number_ranges(self, device: str, vector: str) -> dict[str, tuple[float, float, float]]:
        """Member -> (min, max, step) as the driver declared them."""
        def read() -> dict[str, tuple[float, float, float]]:
            vec = self.vector(device, vector)
            if vec is None:
                return {}
            out = {}
            for name, member in vec.members().items():
                out[name] = (member.getfloat(member.min), member.getfloat(member.max),
                             member.getfloat(member.step))
            return out
        return self._call(read)

    def switches(self, device: str, vector: str) -> dict[str, bool]:
        def read() -> dict[str, bool]:
            vec = self.vector(device, vector)
            return {} if vec is None else {m: vec[m] == "On" for m in vec}
        return self._call(read)

    def texts(self, device: str, vector: str) -> dict[str, str]:
        def read() -> dict[str, str]:
            vec = self.vector(device, vector)
            return {} if vec is None else {m: str(vec[m] or "") for m in vec}
        return self._call(read)

    def message(self, device: str, vector: str | None = None) -> str:
        """The driver's latest message for a property (or the device), for error reports."""
        def read() -> str:
            if vector is not None and self._client is not None:
                dev = self._client.data.get(device)
                vec = dev.data.get(vector) if dev is not None else None
                if vec is not None and vec.message:
                    return str(vec.message)
            return self._last_message.get(device, "")
        return self._call(read)

    def frames_received(self, device: str) -> int:
        """How many frames (BLOBs) arrived from the device; for :meth:`wait_until` predicates."""
        return self._blobs.get(device, (0,))[0]

    def blob_count(self, device: str) -> int:
        """How many frames (BLOBs) arrived from the device since the link was made."""
        return self._call(lambda: self.frames_received(device))

    def last_blob(self, device: str) -> tuple[int, str, bytes, float]:
        """(count, format such as '.fits', bytes, monotonic arrival time) of the latest BLOB."""
        def read() -> tuple[int, str, bytes, float]:
            if device not in self._blobs:
                raise DeviceError(f"{device}: no frame received yet")
            return self._blobs[device]
        return self._call(read)

    # ---- writing properties -----------------------------------------------------------------
    def send(self, device: str, vector: str, members: dict[str, Any]) -> None:
        """Send new member values (numbers, 'On'/'Off' switches or texts) without waiting."""

        async def send() -> None:
            vec = self.vector(device, vector)
            if vec is None:
                raise DeviceError(f"{device}: has no property {vector}")
            unknown = [m for m in members if m not in vec]
            if unknown:
                raise DeviceError(f"{device}.{vector}: no member {', '.join(unknown)}")
            await self._client.send_newVector(device, vector, members=members)

        self._run(send(), timeout=10.0)

    def wait_until(self, predicate: Callable[[], bool], timeout: float, what: str, *,
                   cancel: CancelToken | None = None,
                   tick: Callable[[], None] | None = None) -> None:
        """Block until ``predicate()`` (evaluated on the link's thread) is true.

        Raises DeviceError on timeout (naming ``what``) or when the link is lost, and
        Cancelled when ``cancel`` is set. ``tick`` is called about every 0.1 s from the
        calling thread (progress reports).
        """

        async def wait() -> None:
            assert self._cond is not None
            async with self._cond:
                while True:
                    if not self._up:
                        reason = self._lost_reason or "not connected"
                        raise DeviceError(f"INDI {self.address}: {reason} while waiting for {what}")
                    if predicate():
                        return
                    await self._cond.wait()

        if self._cond is None:
            raise DeviceError(f"INDI {self.address}: not connected")
        future = asyncio.run_coroutine_threadsafe(wait(), self._loop)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    future.result(0.1)
                    return
                except concurrent.futures.TimeoutError:
                    pass
                if cancel is not None and cancel.cancelled:
                    raise Cancelled()
                if tick is not None:
                    tick()
                if time.monotonic() > deadline:
                    raise DeviceError(f"INDI {self.address}: timed out after {timeout:g} s "
                                      f"waiting for {what}")
        finally:
            if not future.done():
                future.cancel()

    def set_and_wait(self, device: str, vector: str, members: dict[str, Any], *,
                     timeout: float = 10.0, what: str | None = None) -> None:
        """Send values and wait for the driver to accept them.

        Drivers refuse a value by answering with the Alert state, or by answering Ok while
        keeping the old value (the CCD simulator does that for an out-of-range gain):
        both raise DeviceError with the driver's own message.
        """
        what = what or f"{device}.{vector}"
        self.send(device, vector, members)

        def settled() -> bool:
            vec = self.vector(device, vector)
            return vec is None or vec.state != "Busy"

        self.wait_until(settled, timeout, what)
        state = self.state(device, vector)
        problem = ""
        if state == "Alert":
            problem = "refused"
        else:
            current = self._call(lambda: dict(self.vector(device, vector) or {}))
            for name, wanted in members.items():
                got = current.get(name)
                if isinstance(wanted, (int, float)):
                    try:
                        ok = abs(float(got) - float(wanted)) <= 1e-6 * max(1.0, abs(float(wanted)))
                    except (TypeError, ValueError):
                        ok = False
                else:
                    ok = got == wanted
                if not ok:
                    problem = f"not applied ({name} is still {got})"
                    break
        if problem:
            msg = self.message(device, vector)
            raise DeviceError(f"{device}: {what} {problem}" + (f": {msg}" if msg else ""))

    def connect_device(self, device: str, timeout: float = 15.0) -> None:
        """Switch a device's driver to connected (opens the hardware) and wait for it."""
        if self.switches(device, "CONNECTION").get("CONNECT"):
            return
        self.send(device, "CONNECTION", {"CONNECT": "On"})

        def done() -> bool:
            vec = self.vector(device, "CONNECTION")
            return vec is not None and (vec.state == "Alert" or
                                        (vec["CONNECT"] == "On" and vec.state != "Busy"))

        self.wait_until(done, timeout, f"{device} to connect")
        if self.state(device, "CONNECTION") == "Alert":
            msg = self.message(device)
            raise DeviceError(f"{device}: the driver could not connect to the hardware"
                              + (f": {msg}" if msg else ""))

    def disconnect_device(self, device: str, timeout: float = 10.0) -> None:
        if not self.switches(device, "CONNECTION").get("CONNECT"):
            return
        self.send(device, "CONNECTION", {"DISCONNECT": "On"})

        def done() -> bool:
            vec = self.vector(device, "CONNECTION")
            return vec is not None and vec["DISCONNECT"] == "On" and vec.state != "Busy"

        self.wait_until(done, timeout, f"{device} to disconnect")
