"""The connection side of an INDI link: connecting, losing and regaining the server.

:class:`IndiSession` owns the link's thread and the indipyclient client, turns the client's
events into link state (up, devices, messages, frames) and "connected" / "disconnected" /
"reconnecting" / "devices" / "message" events. :class:`~editor.acquisition.indi_link.IndiLink`
builds the property reads and writes on top of it.

After a lost link indipyclient silently retries every 5 s forever: the session reports the
loss instead (every blocked call raises :class:`~editor.errors.DeviceError`) and reconnects
only when asked, or by itself with a growing back-off if ``auto_reconnect`` is set.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable

from editor.acquisition.indi_properties import has_devices
from editor.acquisition.indi_runner import LoopThread, WatchedClient
from editor.errors import DeviceError
from editor.locale import tr

# the logger these messages always used, before the link was split into modules
log = logging.getLogger("editor.acquisition.indi_link")

EventCallback = Callable[[str, dict], None]
# Seconds without a new property definition after which the server's answer to
# getProperties counts as complete.
_QUIET = 0.25


class IndiSession:
    """Connection state of one INDI server link; see :class:`~editor.acquisition.indi_link.IndiLink`."""

    def __init__(self, host: str = "localhost", port: int = 7624, *, connect_timeout: float = 5.0,
                 auto_reconnect: bool = False, on_event: EventCallback | None = None) -> None:
        self.host = host
        self.port = int(port)
        self.connect_timeout = connect_timeout
        self.auto_reconnect = auto_reconnect
        self.on_event = on_event
        self._runner = LoopThread(name=f"indi-{host}:{port}")
        self._client: WatchedClient | None = None
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
        return self._runner.run(coro, timeout, self.address)

    def _call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the link's thread (where the client's data lives) and return its result."""
        return self._runner.call(fn, self.address, timeout=10.0)

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
            raise DeviceError(tr("INDI {address}: no answer within {connect_timeout:g} s "
                              "(is the host reachable?)").format(address=self.address, connect_timeout=self.connect_timeout)) from None
        except ConnectionRefusedError:
            raise DeviceError(tr("INDI {address}: connection refused (is indiserver running "
                              "on that port?)").format(address=self.address)) from None
        except OSError as exc:
            raise DeviceError(tr("INDI {address}: cannot connect ({strerror})").format(address=self.address, strerror=exc.strerror or exc)) from None
        writer.close()

    async def _connect(self) -> None:
        if self._cond is None:
            self._cond = asyncio.Condition()
        if self._up:
            return
        await self._stop_client()
        await self._probe()
        client = WatchedClient(self._on_client_event, self.host, self.port)
        self._client = client
        self._deleted.clear()
        self._client_task = asyncio.create_task(client.asyncrun())
        deadline = time.monotonic() + self.connect_timeout
        # The server answers getProperties with a burst of definitions, device after
        # device: wait for the first device, then until the burst goes quiet.
        async with self._cond:
            while not (self._up and has_devices(client)
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
            raise DeviceError(tr("INDI {address}: the server accepted the connection but "
                              "did not answer").format(address=self.address))
        self._ready = True
        self._emit("connected", address=self.address)
        # an empty server is valid (no drivers loaded); the UI shows an empty device list

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
        if not self._runner.alive:
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
            self._runner.stop(join_timeout=5.0)
        self._emit("disconnected", reason="closed")

    # ---- events from indipyclient -------------------------------------------------------------
    async def _on_client_event(self, client: WatchedClient, event: Any) -> None:
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
                self._lost_reason = tr("the connection to the server was lost")
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
