"""Rendering a document through its crop/rotation/flip/resample (:mod:`editor.core.geometry`).

An output window at display scale ``s`` is mapped to one window of the layer frame rendered
by the engine at scale ``e = min(s * F, 1)`` (``F`` the document's resample factor), then
moved onto the output grid:

* downsampling (``s * F <= 1``) is done by the engine itself: its area averaging (a box
  filter over the covered source pixels, :mod:`editor.render.resample`) with spatial filter
  radii scaled as in any preview, so "resample 0.5" equals the document's 0.5-scale render;
* quarter turns, flips and crops with nothing left to scale are an exact move of pixels
  (slices, transposes): no interpolation, the values are the layer frame's own;
* everything else (any other angle, upsampling beyond the layer frame's resolution) is
  interpolated with a cubic B-spline: scipy.ndimage's order-3 spline with its prefilter
  (``spline_filter`` + ``affine_transform``, the same values as ``map_coordinates(order=3)``),
  NaN-aware (missing pixels are filled with 0 for the spline and every
  output pixel whose 4x4 neighbourhood touches one, or that falls outside the layer frame,
  is NaN = missing).

Exact regions: the engine window is the bounding box of the output window's mapped pixel
centres plus the kernel's reach (2 px) and a prefilter margin of :data:`PREFILTER_HALO` px:
the spline prefilter is recursive, its influence decays as 0.268^d, so a region differs
from the crop of the whole render by < 0.268^12 = 1.4e-7 of the local value range (float32
rounding), and not at all in the exact (moved pixels) case.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import ndimage

from editor.core.geometry import Geometry
from editor.render.resample import Window

if TYPE_CHECKING:
    from editor.render.engine import RenderJob

#: Extra layer-frame pixels around the mapped window so the spline prefilter of a region
#: equals the whole render's within float32 rounding (0.268^12 = 1.4e-7).
PREFILTER_HALO = 12


def engine_scale(geometry: Geometry, scale: float) -> float:
    """The scale the layer frame is rendered at for an output at ``scale``."""
    return min(float(scale) * geometry.resample_factor, 1.0)


def output_full(geometry: Geometry, scale: float) -> Window:
    h, w = geometry.shape
    return Window(0, max(1, round(h * scale)), 0, max(1, round(w * scale)))


def _grid_map(geometry: Geometry, scale: float, e: float) -> tuple[np.ndarray, np.ndarray]:
    """(G, g): engine-frame index q = G @ i + g of output index i = (col, row) at ``scale``."""
    m, t = geometry.matrix, geometry.offset
    big = (e / scale) * m
    small = e * (m @ np.full(2, 0.5 / scale - 0.5) + t) + 0.5 * e - 0.5
    return big, small


def _is_move(big: np.ndarray) -> bool:
    return bool(np.all(np.abs(big - np.round(big)) < 1e-9)) and \
        sorted(np.abs(np.round(big)).ravel().tolist()) == [0.0, 0.0, 1.0, 1.0]


def input_window(geometry: Geometry, scale: float, out_win: Window, full_in: Window
                 ) -> Window | None:
    """The engine window (layer frame at :func:`engine_scale`) ``out_win`` needs; None when
    the output window shows nothing of the layer frame."""
    e = engine_scale(geometry, scale)
    big, small = _grid_map(geometry, scale, e)
    xs = np.array([out_win.x0, out_win.x1 - 1, out_win.x0, out_win.x1 - 1], float)
    ys = np.array([out_win.y0, out_win.y0, out_win.y1 - 1, out_win.y1 - 1], float)
    qx = big[0, 0] * xs + big[0, 1] * ys + small[0]
    qy = big[1, 0] * xs + big[1, 1] * ys + small[1]
    pad = 1 if _is_move(big) else 2 + PREFILTER_HALO
    y0 = max(full_in.y0, int(math.floor(qy.min())) - pad)
    y1 = min(full_in.y1, int(math.ceil(qy.max())) + pad + 1)
    x0 = max(full_in.x0, int(math.floor(qx.min())) - pad)
    x1 = min(full_in.x1, int(math.ceil(qx.max())) + pad + 1)
    if y1 <= y0 or x1 <= x0:
        return None
    return Window(y0, y1, x0, x1)


def _moved(px: np.ndarray, in_win: Window, big: np.ndarray, small: np.ndarray,
           out_win: Window) -> np.ndarray:
    """Quarter turns/flips/crops: output pixels are input pixels (index arithmetic only)."""
    r = np.round(big).astype(int)
    g = np.round(small).astype(int)
    ix = np.arange(out_win.x0, out_win.x1)
    iy = np.arange(out_win.y0, out_win.y1)
    if r[0, 1] == 0:  # q_x from the output column, q_y from the output row
        qx = np.clip(r[0, 0] * ix + g[0] - in_win.x0, 0, px.shape[1] - 1)
        qy = np.clip(r[1, 1] * iy + g[1] - in_win.y0, 0, px.shape[0] - 1)
        return np.ascontiguousarray(px[qy][:, qx])
    # transposed: q_x from the output row, q_y from the output column
    qx = np.clip(r[0, 1] * iy + g[0] - in_win.x0, 0, px.shape[1] - 1)
    qy = np.clip(r[1, 0] * ix + g[1] - in_win.y0, 0, px.shape[0] - 1)
    sub = px[qy][:, qx]  # (len(ix), len(iy), ...): rows follow output columns
    return np.ascontiguousarray(np.swapaxes(sub, 0, 1))


_PAD = 12  # scipy's own padding before a "nearest" spline prefilter
#: Output pixels interpolated per band: bounds the coordinate arrays (16 bytes a pixel).
BAND_PIXELS = 1 << 20


def _interpolated(px: np.ndarray, in_win: Window, full_in: Window, big: np.ndarray,
                  small: np.ndarray, out_win: Window) -> np.ndarray:
    """Cubic B-spline resampling (order 3, prefiltered once per plane, evaluated with
    ``scipy.ndimage.affine_transform``: the same spline as ``map_coordinates``, equal to
    1.5e-13, without its coordinate arrays), NaN-aware, in bands of output rows (bounded
    memory)."""
    planes = [px] if px.ndim == 2 else [px[..., c] for c in range(px.shape[2])]
    prepared = []
    for plane in planes:
        nan = np.isnan(plane)
        filled = np.where(nan, np.float32(0), plane) if nan.any() else plane
        # as map_coordinates(prefilter=True, mode="nearest") does it: 12 px of edge padding
        padded = np.pad(np.asarray(filled, np.float64), _PAD, mode="edge")
        coeffs = ndimage.spline_filter(padded, order=3, mode="nearest")
        # NaN grown by one pixel: its order-1 reach (2x2) then covers the cubic's 4x4 support
        grown = None
        if nan.any():
            grown = np.pad(ndimage.maximum_filter(nan, size=3).astype(np.float32), _PAD,
                           mode="edge")
        prepared.append((coeffs, grown))
    # (row, col) form of q = big @ (x, y) + small, for affine_transform
    mat = np.array([[big[1, 1], big[1, 0]], [big[0, 1], big[0, 0]]])
    out = np.empty(out_win.shape + px.shape[2:], np.float32)
    rows = max(1, BAND_PIXELS // max(1, out_win.shape[1]))
    for r0 in range(out_win.y0, out_win.y1, rows):
        r1 = min(out_win.y1, r0 + rows)
        shape = (r1 - r0, out_win.shape[1])
        offset = (mat @ np.array([r0, out_win.x0], float) + np.array([small[1], small[0]])
                  - np.array([in_win.y0, in_win.x0], float) + _PAD)
        iy, ix = np.mgrid[r0:r1, out_win.x0:out_win.x1].astype(np.float64)
        qx = big[0, 0] * ix + big[0, 1] * iy + small[0]
        qy = big[1, 0] * ix + big[1, 1] * iy + small[1]
        bad = ((qx < full_in.x0 - 0.5) | (qx > full_in.x1 - 0.5)
               | (qy < full_in.y0 - 0.5) | (qy > full_in.y1 - 0.5))
        del iy, ix, qx, qy
        band = out[r0 - out_win.y0:r1 - out_win.y0]
        for c, (coeffs, grown) in enumerate(prepared):
            vals = ndimage.affine_transform(coeffs, mat, offset=offset, output_shape=shape,
                                            order=3, mode="nearest", prefilter=False)
            if grown is not None:
                reach = ndimage.affine_transform(grown, mat, offset=offset, output_shape=shape,
                                                 order=1, mode="nearest", prefilter=False)
                bad |= reach > 0
            if px.ndim == 2:
                band[...] = vals
            else:
                band[..., c] = vals
        band[bad] = np.nan
    return out


def render_output(job: "RenderJob", geometry: Geometry, scale: float, out_win: Window
                  ) -> np.ndarray:
    """The pixels of ``out_win`` of the output canvas at ``scale``; ``job`` renders the layer
    frame at :func:`engine_scale` (its ``scale``)."""
    e = job.scale
    big, small = _grid_map(geometry, scale, e)
    in_win = input_window(geometry, scale, out_win, job.full)
    if in_win is None:
        shape: tuple[int, ...] = out_win.shape
        probe = job.render(Window(0, 1, 0, 1)).data
        if probe.ndim == 3:
            shape = shape + (probe.shape[2],)
        return np.full(shape, np.nan, np.float32)
    px = job.render(in_win).crop(in_win)
    if _is_move(big):
        return _moved(px, in_win, big, small, out_win)
    return _interpolated(px, in_win, job.full, big, small, out_win)


def layer_frame_point(geometry: Geometry, x: Any, y: Any) -> tuple[Any, Any]:
    """Output canvas (x, y) -> layer frame (x, y), full resolution (for the UI's tools)."""
    return geometry.to_layer(x, y)


def export_wcs(geometry: Geometry, header: dict, source_height: int,
               offset: tuple[float, float], scale: float) -> dict:
    """``header`` (of a source placed at layer-frame ``offset`` (y, x)) with its WCS for the
    output canvas rendered at ``scale``: output index i shows layer-frame point
    ``M ((i + 0.5)/s - 0.5) + t``, i.e. source pixel that minus the offset."""
    from editor.io.wcs import for_affine

    m, t = geometry.matrix, geometry.offset
    s = float(scale)
    matrix = m / s
    shift = m @ np.full(2, 0.5 / s - 0.5) + t - np.array([offset[1], offset[0]], float)
    full = output_full(geometry, s)
    return for_affine(header, source_height, full.shape, matrix, shift)


def to_output(geometry: Geometry, pixels: np.ndarray, scale: float) -> np.ndarray:
    """A whole layer-frame array rendered at ``engine_scale(geometry, scale)`` (a mask from
    ``doc.render_mask``, a thumbnail) moved onto the output canvas at ``scale``, by the same
    rules as the render (exact moves or cubic B-spline, NaN outside)."""
    e = engine_scale(geometry, scale)
    full_in = Window(0, pixels.shape[0], 0, pixels.shape[1])
    big, small = _grid_map(geometry, scale, e)
    out_win = output_full(geometry, scale)
    if _is_move(big):
        return _moved(pixels, full_in, big, small, out_win)
    return _interpolated(pixels, full_in, full_in, big, small, out_win)


def render_mask_output(doc: Any, layer_id: str, scale: float = 1.0) -> np.ndarray:
    """The layer's finished mask as shown on the output canvas at ``scale`` (for "show the
    mask alone" on a cropped/rotated document); ``doc.render_mask`` stays in the layer frame
    (painting and baking work there)."""
    g = doc.geometry
    m = doc.render_mask(layer_id, engine_scale(g, scale))
    if g.is_identity:
        return m
    # outside the layer frame (rotated corners) the layer acts nowhere: mask 0, not NaN
    return np.nan_to_num(to_output(g, m, scale), nan=0.0)
