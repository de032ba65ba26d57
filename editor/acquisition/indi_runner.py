"""The background thread an INDI link runs in, and the indipyclient client it runs there.

The asyncio loop and the indipyclient client live in the link's own thread; every read and
write is marshalled onto that loop, so the client's dictionaries are only ever touched by
one thread. Blocking callers (a capture worker, the CLI) wait on futures from here.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from typing import Any, Awaitable, Callable

from indipyclient import IPyClient

from editor.errors import DeviceError
from editor.jobs.progress import Cancelled, CancelToken
from editor.locale import _

# indipyclient logs every connection attempt as a warning; keep them out of the terminal
# (a handler on its logger stops Python's last-resort printing to stderr).
logging.getLogger("indipyclient").addHandler(logging.NullHandler())

ClientEventHandler = Callable[["WatchedClient", Any], Awaitable[None]]


class WatchedClient(IPyClient):
    """indipyclient client that forwards every event to ``on_event`` and notices a dead server.

    indipyclient does not notice a server that closed the socket (it keeps reading empty data
    and only gives up after its 40 s reply timeout): :meth:`hardware` watches the socket's
    end-of-file and drops the connection within ~0.1 s.
    """

    def __init__(self, on_event: ClientEventHandler, host: str, port: int) -> None:
        super().__init__(indihost=host, indiport=port)
        self._on_event = on_event
        self.enable_reports = False
        # BLOBs (frames) are wanted from every device that has them.
        self.enableBLOBdefault = "Also"

    async def rxevent(self, event: Any) -> None:
        await self._on_event(self, event)

    async def hardware(self) -> None:
        """Watch the socket: a server that died leaves it at EOF, which indipyclient ignores."""
        while not self._stop:
            await asyncio.sleep(0.1)
            reader = self._reader
            if reader is not None and reader.at_eof() and self.connected:
                await self._clear_connection()


class LoopThread:
    """An asyncio event loop running forever in its own daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def submit(self, coro: Any) -> concurrent.futures.Future:
        """Schedule ``coro`` on the loop without waiting for it."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Any, timeout: float | None, where: str) -> Any:
        """Run ``coro`` on the loop and return its result; ``where`` names the link in errors."""
        if not self.alive:
            raise DeviceError(_("INDI {where}: the connection was closed").format(where=where))
        future = self.submit(coro)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise DeviceError(_("INDI {where}: no answer within {timeout:.0f} s").format(where=where, timeout=timeout)) from None

    def call(self, fn: Callable[[], Any], where: str, timeout: float = 10.0) -> Any:
        """Run ``fn`` on the loop's thread (where the client's data lives) and return its result."""

        async def wrapper() -> Any:
            return fn()

        return self.run(wrapper(), timeout, where)

    def stop(self, join_timeout: float = 5.0) -> None:
        """Stop the loop and wait for the thread to end."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=join_timeout)


def wait_for_future(future: concurrent.futures.Future, timeout: float, on_timeout: str, *,
                    cancel: CancelToken | None = None,
                    tick: Callable[[], None] | None = None) -> None:
    """Block until ``future`` finishes, polling every 0.1 s so that the caller stays responsive.

    Raises whatever the future raised, Cancelled when ``cancel`` is set, and DeviceError with
    the message ``on_timeout`` after ``timeout`` seconds. ``tick`` is called at each poll from
    the calling thread (progress reports). The future is cancelled if left unfinished.
    """
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
                raise DeviceError(on_timeout)
    finally:
        if not future.done():
            future.cancel()
