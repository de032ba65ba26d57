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

The thread and the socket watch live in :mod:`editor.acquisition.indi_runner`, connecting and
the client's events in :mod:`editor.acquisition.indi_session`, and the plain-data snapshots of
properties and the states waited for in :mod:`editor.acquisition.indi_properties`.
"""

from __future__ import annotations

from typing import Any, Callable

from editor.acquisition import indi_properties as props
from editor.acquisition.devices import DeviceInfo
from editor.acquisition.indi_runner import wait_for_future
from editor.acquisition.indi_session import EventCallback, IndiSession
from editor.errors import DeviceError
from editor.jobs.progress import CancelToken
from editor.locale import _

__all__ = ["EventCallback", "IndiLink"]


class IndiLink(IndiSession):
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

    def __enter__(self) -> "IndiLink":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- reading properties (all answers are copies) -------------------------------------------
    def vector(self, device: str, vector: str) -> Any:
        """The live indipyclient property (None if undefined). Only for code running on the
        link's thread: the predicates given to :meth:`wait_until`. Raises DeviceError if the
        link is down or the device is gone."""
        client = self._client
        if client is None or not self._up:
            raise DeviceError(_("INDI {address}: not connected").format(address=self.address)
                              + (_(" ({lost_reason})").format(lost_reason=self._lost_reason) if self._lost_reason else ""))
        dev = client.data.get(device)
        if dev is None or device in self._deleted or not dev.enable:
            raise DeviceError(_("{device}: no such device on {address} (it may have been "
                              "removed or its driver stopped)").format(device=device, address=self.address))
        vec = dev.data.get(vector)
        if vec is None or not vec.enable:
            return None
        return vec

    def devices(self) -> list[DeviceInfo]:
        """The devices the server offers, with their kinds."""

        def read() -> list[DeviceInfo]:
            client = self._client
            if client is None or not self._up:
                raise DeviceError(_("INDI {address}: not connected").format(address=self.address))
            return props.device_infos(client, self._deleted)

        return self._call(read)

    def has(self, device: str, vector: str) -> bool:
        """True if the device currently defines this property."""
        return self._call(lambda: self.vector(device, vector) is not None)

    def state(self, device: str, vector: str) -> str | None:
        """The property's state (Idle, Ok, Busy, Alert), or None if it is not defined."""
        return self._call(lambda: getattr(self.vector(device, vector), "state", None))

    def numbers(self, device: str, vector: str) -> dict[str, float]:
        return self._call(lambda: props.number_values(self.vector(device, vector)))

    def number_ranges(self, device: str, vector: str) -> dict[str, tuple[float, float, float]]:
        """Member -> (min, max, step) as the driver declared them."""
        return self._call(lambda: props.number_ranges(self.vector(device, vector)))

    def switches(self, device: str, vector: str) -> dict[str, bool]:
        return self._call(lambda: props.switch_values(self.vector(device, vector)))

    def labels(self, device: str, vector: str) -> dict[str, str]:
        """Member -> label as the driver declared them (e.g. a switch's choices)."""
        return self._call(lambda: props.member_labels(self.vector(device, vector)))

    def texts(self, device: str, vector: str) -> dict[str, str]:
        return self._call(lambda: props.text_values(self.vector(device, vector)))

    def message(self, device: str, vector: str | None = None) -> str:
        """The driver's latest message for a property (or the device), for error reports."""
        def read() -> str:
            if vector is not None and self._client is not None:
                text = props.vector_message(self._client, device, vector)
                if text:
                    return text
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
                raise DeviceError(_("{device}: no frame received yet").format(device=device))
            return self._blobs[device]
        return self._call(read)

    # ---- writing properties -----------------------------------------------------------------
    def send(self, device: str, vector: str, members: dict[str, Any]) -> None:
        """Send new member values (numbers, 'On'/'Off' switches or texts) without waiting."""

        async def send() -> None:
            vec = self.vector(device, vector)
            if vec is None:
                raise DeviceError(_("{device}: has no property {vector}").format(device=device, vector=vector))
            unknown = [m for m in members if m not in vec]
            if unknown:
                raise DeviceError(_("{device}.{vector}: no member {text}").format(device=device, vector=vector, text=', '.join(unknown)))
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
                        reason = self._lost_reason or _("not connected")
                        raise DeviceError(_("INDI {address}: {reason} while waiting for {what}").format(address=self.address, reason=reason, what=what))
                    if predicate():
                        return
                    await self._cond.wait()

        if self._cond is None:
            raise DeviceError(_("INDI {address}: not connected").format(address=self.address))
        future = self._runner.submit(wait())
        wait_for_future(future, timeout,
                        _("INDI {address}: timed out after {timeout:g} s waiting for {what}").format(
                            address=self.address, timeout=timeout, what=what),
                        cancel=cancel, tick=tick)

    def set_and_wait(self, device: str, vector: str, members: dict[str, Any], *,
                     timeout: float = 10.0, what: str | None = None) -> None:
        """Send values and wait for the driver to accept them.

        Drivers refuse a value by answering with the Alert state, or by answering Ok while
        keeping the old value (the CCD simulator does that for an out-of-range gain):
        both raise DeviceError with the driver's own message.
        """
        what = what or f"{device}.{vector}"
        self.send(device, vector, members)

        self.wait_until(lambda: props.settled(self.vector(device, vector)), timeout, what)
        state = self.state(device, vector)
        problem = ""
        if state == "Alert":
            problem = _("refused")
        else:
            current = self._call(lambda: dict(self.vector(device, vector) or {}))
            problem = props.not_applied(members, current)
        if problem:
            msg = self.message(device, vector)
            raise DeviceError(_("{device}: {what} {problem}").format(device=device, what=what, problem=problem) + (_(": {msg}").format(msg=msg) if msg else ""))

    def connect_device(self, device: str, timeout: float = 15.0) -> None:
        """Switch a device's driver to connected (opens the hardware) and wait for it."""
        if self.switches(device, "CONNECTION").get("CONNECT"):
            return
        self.send(device, "CONNECTION", {"CONNECT": "On"})

        self.wait_until(lambda: props.connect_finished(self.vector(device, "CONNECTION")),
                        timeout, _("{device} to connect").format(device=device))
        if self.state(device, "CONNECTION") == "Alert":
            msg = self.message(device)
            raise DeviceError(_("{device}: the driver could not connect to the hardware").format(device=device)
                              + (_(": {msg}").format(msg=msg) if msg else ""))

    def disconnect_device(self, device: str, timeout: float = 10.0) -> None:
        if not self.switches(device, "CONNECTION").get("CONNECT"):
            return
        self.send(device, "CONNECTION", {"DISCONNECT": "On"})

        self.wait_until(lambda: props.disconnect_finished(self.vector(device, "CONNECTION")),
                        timeout, _("{device} to disconnect").format(device=device))
