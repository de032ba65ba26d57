"""Plain-data snapshots of indipyclient properties, and the states an INDI link waits for.

Everything here reads live indipyclient objects, so it must run on the link's thread
(inside ``LoopThread.call`` or a ``wait_until`` predicate); what it returns are copies that
are safe to hand to any thread.
"""

from __future__ import annotations

from typing import Any

from editor.acquisition.devices import DeviceInfo, kinds_from_interface
from editor.locale import _


def has_devices(client: Any) -> bool:
    """True once the server has described at least one device."""
    return any("DRIVER_INFO" in dev for dev in client.data.values())


def device_infos(client: Any, deleted: set[str]) -> list[DeviceInfo]:
    """The devices the client knows (minus ``deleted`` ones), with their kinds, by name."""
    out = []
    for name, dev in client.data.items():
        if name in deleted or not dev.enable:
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


def number_values(vec: Any) -> dict[str, float]:
    return {} if vec is None else {m: vec.getfloatvalue(m) for m in vec}


def number_ranges(vec: Any) -> dict[str, tuple[float, float, float]]:
    """Member -> (min, max, step) as the driver declared them."""
    if vec is None:
        return {}
    out = {}
    for name, member in vec.members().items():
        out[name] = (member.getfloat(member.min), member.getfloat(member.max),
                     member.getfloat(member.step))
    return out


def switch_values(vec: Any) -> dict[str, bool]:
    return {} if vec is None else {m: vec[m] == "On" for m in vec}


def member_labels(vec: Any) -> dict[str, str]:
    """Member -> label, in the driver's order (a DSLR's CCD_ISO: ISO0 -> "100", ...)."""
    return {} if vec is None else {n: str(m.label or n) for n, m in vec.members().items()}


def text_values(vec: Any) -> dict[str, str]:
    return {} if vec is None else {m: str(vec[m] or "") for m in vec}


def vector_message(client: Any, device: str, vector: str) -> str:
    """The message the driver attached to a property, or "" if none (or no such property)."""
    dev = client.data.get(device)
    vec = dev.data.get(vector) if dev is not None else None
    if vec is not None and vec.message:
        return str(vec.message)
    return ""


def not_applied(wanted: dict[str, Any], current: dict[str, Any]) -> str:
    """Why ``current`` values do not match the ``wanted`` ones ("" when they all do).

    Numbers match within a relative 1e-6 (drivers round-trip them through text).
    """
    for name, value in wanted.items():
        got = current.get(name)
        if isinstance(value, (int, float)):
            try:
                ok = abs(float(got) - float(value)) <= 1e-6 * max(1.0, abs(float(value)))
            except (TypeError, ValueError):
                ok = False
        else:
            ok = got == value
        if not ok:
            return _("not applied ({name} is still {value})").format(name=name, value=got)
    return ""


# ---- states to wait for (predicates on a live vector, None when undefined) ---------------------
def settled(vec: Any) -> bool:
    """The driver is no longer busy with the property (or dropped it)."""
    return vec is None or vec.state != "Busy"


def connect_finished(vec: Any) -> bool:
    """A CONNECTION switch either connected or failed (Alert)."""
    return vec is not None and (vec.state == "Alert" or
                                (vec["CONNECT"] == "On" and vec.state != "Busy"))


def disconnect_finished(vec: Any) -> bool:
    return vec is not None and vec["DISCONNECT"] == "On" and vec.state != "Busy"
