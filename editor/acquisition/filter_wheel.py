"""An INDI filter wheel: slot names, and moving to a filter by name (or slot number)."""

from __future__ import annotations

from editor.acquisition.indi_link import IndiLink
from editor.errors import DeviceError
from editor.locale import _

# Short names users type in sequences ("10xL, 5xR") -> the long names wheels often use.
_ALIASES = {
    "l": ("luminance", "lum", "clear"), "r": ("red",), "g": ("green",), "b": ("blue",),
    "ha": ("h_alpha", "halpha", "h-alpha", "h alpha"), "oiii": ("o3", "o-iii"),
    "sii": ("s2", "s-ii"),
}


class FilterWheel:
    """One INDI filter wheel device (or a camera's built-in wheel) on a :class:`IndiLink`."""

    def __init__(self, link: IndiLink, name: str, *, move_timeout: float = 60.0) -> None:
        self.link = link
        self.name = name
        self.move_timeout = move_timeout

    def connect(self) -> list[str]:
        self.link.connect_device(self.name)
        self.link.wait_until(lambda: self.link.vector(self.name, "FILTER_SLOT") is not None,
                             10.0, _("{device} to describe its slots").format(device=self.name))
        return self.filters()

    def disconnect(self) -> None:
        self.link.disconnect_device(self.name)

    def filters(self) -> list[str]:
        """Filter names by slot (slot 1 first)."""
        names = self.link.texts(self.name, "FILTER_NAME")
        if names:
            def slot(member: str) -> int:
                digits = "".join(ch for ch in member if ch.isdigit())
                return int(digits or 0)
            return [names[m] for m in sorted(names, key=slot)]
        rng = self.link.number_ranges(self.name, "FILTER_SLOT").get("FILTER_SLOT_VALUE")
        if rng is None:
            raise DeviceError(_("{name}: is not a filter wheel (no FILTER_SLOT)").format(name=self.name))
        return [str(i) for i in range(int(rng[0]), int(rng[1]) + 1)]

    def current(self) -> str:
        slot = int(self.link.numbers(self.name, "FILTER_SLOT").get("FILTER_SLOT_VALUE", 0))
        names = self.filters()
        return names[slot - 1] if 1 <= slot <= len(names) else str(slot)

    def slot_of(self, wanted: str) -> int:
        """1-based slot of a filter given by name, short alias (L, R, G, B, Ha...) or number."""
        names = self.filters()
        key = wanted.strip().lower()
        for i, name in enumerate(names, start=1):
            if name.strip().lower() == key:
                return i
        for i, name in enumerate(names, start=1):
            if name.strip().lower() in _ALIASES.get(key, ()):
                return i
        if key.isdigit() and 1 <= int(key) <= len(names):
            return int(key)
        raise DeviceError(_("{name}: no filter {wanted!r} (slots: {text})").format(name=self.name, wanted=wanted, text=', '.join(names)))

    def select(self, wanted: str) -> str:
        """Move to a filter and wait until the wheel stops; returns the slot's name."""
        slot = self.slot_of(wanted)
        link = self.link
        if int(link.numbers(self.name, "FILTER_SLOT").get("FILTER_SLOT_VALUE", 0)) != slot:
            link.set_and_wait(self.name, "FILTER_SLOT", {"FILTER_SLOT_VALUE": slot},
                              timeout=self.move_timeout, what=f"filter {wanted}")
        return self.filters()[slot - 1]
