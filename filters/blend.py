"""The one list of blend modes, in the order the layers panel offers them, and the formulas
of the contrast modes (overlay, soft light, hard light, linear light).

The pixel arithmetic of the other modes, and the opacity/mask mix, live in
:mod:`editor.render.blend`; the document model validates ``layer.blend`` against this same
tuple, and the UI lists it.

Notation of the W3C "Compositing and Blending Level 1" recommendation (section 10.1.x, the
same definitions as ISO 32000-1 PDF, table 136): ``cb`` = backdrop (the composite below),
``cs`` = source (the layer), per channel.

Values outside 0..1 (linear data: stacked highlights above 1, noise below 0) are never
clipped: each formula is evaluated as written over the whole real line, and the branch
chosen by comparing with 0.5 (or 0.25) as the definition says. Two properties hold for every
value, which is what high-pass sharpening relies on: a 50 % grey layer (``cs = 0.5``) leaves
the backdrop exactly unchanged, and the result is continuous where the branch switches. The
one place a formula is undefined outside 0..1 is soft light's ``sqrt(cb)`` for ``cb < 0``:
there the polynomial branch of W3C's ``D(cb)`` (defined for ``cb <= 0.25``) is used, which is
what the definition's ``if`` already says, so no NaN is made.
"""

from __future__ import annotations

import numpy as np

BLEND_MODES: tuple[str, ...] = ("normal", "multiply", "screen", "add", "lighten", "darken",
                                "difference", "luminosity", "color",
                                "overlay", "soft_light", "hard_light", "linear_light")


def _multiply(cb: np.ndarray, cs: np.ndarray) -> np.ndarray:
    return cb * cs


def _screen(cb: np.ndarray, cs: np.ndarray) -> np.ndarray:
    return cb + cs - cb * cs


def hard_light(cb: np.ndarray, cs: np.ndarray) -> np.ndarray:
    """W3C ``hard-light`` (= Photoshop's Hard Light)::

        if cs <= 0.5: B = multiply(cb, 2 cs)           = 2 cb cs
        else:         B = screen(cb, 2 cs - 1)         = cb + (2 cs - 1) - cb (2 cs - 1)
    """
    cb, cs = np.asarray(cb, np.float32), np.asarray(cs, np.float32)
    two = np.float32(2.0)
    return np.where(cs <= 0.5, _multiply(cb, two * cs),
                    _screen(cb, two * cs - np.float32(1.0))).astype(np.float32, copy=False)


def overlay(cb: np.ndarray, cs: np.ndarray) -> np.ndarray:
    """W3C ``overlay`` (= Photoshop's Overlay): hard light with the layers swapped::

        B = hard_light(cs, cb)
          = 2 cb cs                              if cb <= 0.5
          = cs + (2 cb - 1) - cs (2 cb - 1)      otherwise
    """
    return hard_light(cs, cb)


def soft_light(cb: np.ndarray, cs: np.ndarray) -> np.ndarray:
    """W3C ``soft-light`` (the PDF definition, ISO 32000-1 table 136)::

        if cs <= 0.5: B = cb - (1 - 2 cs) cb (1 - cb)
        else:         B = cb + (2 cs - 1) (D(cb) - cb)
        D(cb) = ((16 cb - 12) cb + 4) cb     if cb <= 0.25
              = sqrt(cb)                     otherwise

    Photoshop's Soft Light differs slightly: its lightening half uses ``sqrt(cb)`` for every
    backdrop (no polynomial below 0.25), so dark backdrops lighten up to 0.043 more there
    (the largest gap of sqrt(cb) - D(cb) on 0..0.25, at cb = 1/16, times 2 cs - 1 <= 1).
    We follow the published W3C/PDF definition, which is smooth at 0 and defined below 0.
    """
    cb, cs = np.asarray(cb, np.float32), np.asarray(cs, np.float32)
    with np.errstate(invalid="ignore"):
        d = np.where(cb <= 0.25, ((np.float32(16.0) * cb - np.float32(12.0)) * cb
                                  + np.float32(4.0)) * cb, np.sqrt(np.maximum(cb, 0.25)))
    two, one = np.float32(2.0), np.float32(1.0)
    dark = cb - (one - two * cs) * cb * (one - cb)
    light = cb + (two * cs - one) * (d - cb)
    return np.where(cs <= 0.5, dark, light).astype(np.float32, copy=False)


def linear_light(cb: np.ndarray, cs: np.ndarray) -> np.ndarray:
    """Photoshop's Linear Light (not in the W3C list): Linear Burn with ``2 cs`` below 50 %
    grey, Linear Dodge (add) with ``2 (cs - 0.5)`` above; both halves are one line::

        B = cb + 2 cs - 1

    Photoshop clips the result to 0..1 in 8/16-bit documents; on linear data nothing is
    clipped (the result may be below 0 or above 1)."""
    cb, cs = np.asarray(cb, np.float32), np.asarray(cs, np.float32)
    return (cb + np.float32(2.0) * cs - np.float32(1.0)).astype(np.float32, copy=False)


#: The separable contrast modes (both inputs per channel, same shape).
CONTRAST_MODES = {"overlay": overlay, "soft_light": soft_light, "hard_light": hard_light,
                  "linear_light": linear_light}
