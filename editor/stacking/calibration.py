"""Calibrating light frames with master bias, dark and flat, then cosmetic correction.

``light' = (light - bias - k * (dark - bias)) / flat`` on the raw mosaic, before debayering (a
flat's colour-by-colour pattern and each photosite's dark current belong to the photosite, not
to a demosaiced pixel). With a master bias the dark's thermal part is scaled to the light:
``k = t_light / t_dark``, times ``2 ** ((T_light - T_dark) / doubling)`` when both frames give a
sensor temperature (dark current doubles every ~6 C on CMOS and CCD sensors). Without a bias the
master dark is subtracted as it is (it holds the bias too) and must match the lights' exposure.
Values are not clipped: a calibrated background may dip below zero, as in Siril's 32-bit mode.
Photosites where the flat has (almost) no light are NaN (missing), not amplified noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from editor.locale import D_
from editor.stacking.cosmetic import bad_pixel_map, correct_pixels, dead_pixels_from_flat
from editor.stacking.frames import FrameInfo
from editor.stacking.masters import Master, check_master_fits

FLAT_FLOOR = 0.02  # flat values below 2% of the median mean "no light reached this photosite"


@dataclass
class Calibration:
    """Masters plus the options that say how to use them on each light."""

    bias: Master | None = None
    dark: Master | None = None
    flat: Master | None = None
    dark_scaling: bool = True
    doubling_temperature: float = 6.0
    cosmetic: bool = True
    hot_sigma: float = 5.0
    cold_sigma: float = 5.0
    notes: list[str] = field(default_factory=list)
    _thermal: np.ndarray | None = field(default=None, repr=False)
    _bad: np.ndarray | None = field(default=None, repr=False)
    hot: np.ndarray | None = field(default=None, repr=False)  # the dark's hot-pixel map
    cold: np.ndarray | None = field(default=None, repr=False)
    _flat: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.dark is not None and self.bias is not None:
            self._thermal = self.dark.data - self.bias.data
        bad = None
        if self.cosmetic and self.dark is not None:
            signal = self._thermal if self._thermal is not None else self.dark.data
            hot, cold = bad_pixel_map(signal, self.dark.pattern, hot_sigma=self.hot_sigma,
                                      cold_sigma=self.cold_sigma)
            bad = hot | cold
            self.hot, self.cold = hot, cold
            # notes are English data (the master's FITS HISTORY), shown translated by localise()
            self.notes.append(D_("cosmetic correction: {hot} hot and {cold} cold pixels from {name} "
                                 "({hot_sigma:g}/{cold_sigma:g} sigma)", hot=int(hot.sum()),
                                 cold=int(cold.sum()), name=self.dark.name, hot_sigma=self.hot_sigma,
                                 cold_sigma=self.cold_sigma))
        if self.flat is not None:
            flat = np.array(self.flat.data, dtype=np.float32, copy=True)
            flat[~(flat > FLAT_FLOOR)] = np.nan
            self._flat = flat
            if self.cosmetic:
                dead = dead_pixels_from_flat(self.flat.data)
                self.notes.append(D_("cosmetic correction: {n} dead pixels from {name}",
                                     n=int(dead.sum()), name=self.flat.name))
                bad = dead if bad is None else bad | dead
        self._bad = bad if bad is not None and bad.any() else None

    @property
    def empty(self) -> bool:
        return self.bias is None and self.dark is None and self.flat is None

    @property
    def bad_pixels(self) -> np.ndarray | None:
        return self._bad

    def check(self, info: FrameInfo) -> None:
        """Raise a one-line StackError if a master does not fit this light."""
        for master in (self.bias, self.dark, self.flat):
            if master is not None:
                check_master_fits(master, info)

    def dark_factor(self, info: FrameInfo) -> float:
        """How much of the master dark's thermal signal this light holds."""
        if self.dark is None or self._thermal is None or not self.dark_scaling:
            return 1.0
        k = 1.0
        if info.exposure and self.dark.exposure:
            k = info.exposure / self.dark.exposure
        if info.temperature is not None and self.dark.temperature is not None:
            k *= 2.0 ** ((info.temperature - self.dark.temperature) / self.doubling_temperature)
        return k

    def apply(self, data: np.ndarray, info: FrameInfo) -> tuple[np.ndarray, list[str]]:
        """The calibrated light (float32, same shape) and notes on what was done to it."""
        self.check(info)
        out = np.array(data, dtype=np.float32, copy=True)
        notes: list[str] = []
        if self.bias is not None:
            out -= self.bias.data
        if self.dark is not None:
            if self._thermal is not None:
                k = self.dark_factor(info)
                out -= np.float32(k) * self._thermal
                notes.append(D_("dark x{k:.3f}", k=k))
            else:
                out -= self.dark.data
                if info.exposure and self.dark.exposure and \
                        abs(info.exposure - self.dark.exposure) > 0.01 * self.dark.exposure:
                    notes.append(D_("dark of {dark:g} s on a {light:g} s light, unscaled (give a bias "
                                    "to scale it)", dark=self.dark.exposure, light=info.exposure))
        if self._bad is not None:
            out = correct_pixels(out, self._bad, info.pattern)
        if self._flat is not None:
            out /= self._flat
        return out, notes
