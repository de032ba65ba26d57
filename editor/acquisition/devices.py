"""What an INDI server offers: device names and kinds (camera, filter wheel, telescope...)."""

from __future__ import annotations

from dataclasses import dataclass, field

# DRIVER_INFO.DRIVER_INTERFACE bits (INDI's BaseDevice::DRIVER_INTERFACE).
INTERFACE_KINDS = {
    1: "telescope", 2: "camera", 4: "guider", 8: "focuser", 16: "filter wheel", 32: "dome",
    64: "gps", 128: "weather", 256: "adaptive optics", 512: "dust cap", 1024: "light box",
    2048: "detector", 4096: "rotator", 8192: "spectrograph", 16384: "correlator",
    32768: "auxiliary",
}


@dataclass(frozen=True)
class DeviceInfo:
    """A device the server offers: its name, what it is, and whether its driver is connected."""

    name: str
    kinds: tuple[str, ...] = field(default_factory=tuple)
    connected: bool = False
    driver: str = ""

    @property
    def is_camera(self) -> bool:
        return "camera" in self.kinds

    @property
    def is_filter_wheel(self) -> bool:
        return "filter wheel" in self.kinds


def kinds_from_interface(mask: int) -> tuple[str, ...]:
    """Names of the device kinds set in an INDI DRIVER_INTERFACE bit mask."""
    return tuple(name for bit, name in INTERFACE_KINDS.items() if mask & bit)
