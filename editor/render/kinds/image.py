"""Image layers: a source placed on the canvas at an offset (a mosaic panel, a frame)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from editor.render.blend import blend
from editor.render.comp import Comp, missing_is_transparent
from editor.render.kinds.base import LayerKind, Top, register
from editor.render.resample import Window, known_finite, place_source
from editor.render.steps import StepFailed

if TYPE_CHECKING:
    from editor.render.engine import RenderJob


class ImageKind(LayerKind):
    type = "image"

    def render(self, job: "RenderJob", node: dict, below: Comp, win: Window) -> Top:
        src = self._source(job, node)
        offset = tuple(node["offset"])
        top, cov = place_source(src, job.scale, win, offset, job.canvas)
        if job.scale == 1.0 and all(float(v).is_integer() for v in offset) and known_finite(src):
            return top, cov  # its own pixels (or zeros), all finite: no NaN pass over the tile
        return top, missing_is_transparent(top, cov)

    def composite(self, job: "RenderJob", node: dict, below: Comp, win: Window) -> np.ndarray:
        src = self._source(job, node)
        sub = footprint(src, tuple(node["offset"]), job.scale, win)
        if sub is not None and sub != win:
            return self._paste(job, node, below, win, sub, src)
        return super().composite(job, node, below, win)

    def own_pixels(self, job: "RenderJob", node: dict) -> np.ndarray | None:
        px, _ = place_source(self._source(job, node), job.scale, job.full, tuple(node["offset"]),
                             job.canvas)
        return px

    def describe(self, node: dict, source_names: dict[str, str]) -> str:
        return f"image {source_names.get(node['source'], node['source'])}"

    @staticmethod
    def _source(job: "RenderJob", node: dict) -> Any:
        src = job.sources.get(node["source"])
        if src is None:
            raise StepFailed(f"the pixels of this layer ({node['source']}) are missing")
        return src

    @staticmethod
    def _paste(job: "RenderJob", node: dict, below: Comp, win: Window, sub: Window,
               src: Any) -> np.ndarray:
        """A mosaic panel: blended only on ``sub``, its footprint in ``win``; elsewhere the
        result is exactly the composite below. Placing the panel on the whole window cost a
        canvas-sized copy of it, its coverage, NaN masks and blend output (~2 GiB per
        quarter-canvas panel of a 100 MP mosaic)."""
        top, cov = place_source(src, job.scale, sub, tuple(node["offset"]), job.canvas)
        cov = missing_is_transparent(top, cov)
        alpha = job.alpha(node, below, win, None)
        inner = win.crop_of(sub)
        if np.ndim(alpha) == 2:
            alpha = alpha[inner]
        if cov is not None:
            alpha = cov * alpha
        rgb = top.ndim == 3 or (below.data_ is not None and below.data_.ndim == 3)
        shape = win.shape + ((3,) if rgb else ())
        if below.data_ is None:
            out = np.zeros(shape, np.float32)  # the empty canvas: untouched pages stay free
            base = out[inner]
        else:
            b = below.crop(win)
            out = np.empty(shape, np.float32)
            out[...] = b if b.ndim == out.ndim else b[:, :, None]
            base = b[inner]
        out[inner] = blend(base, top, node["blend"], alpha)
        return out


def footprint(src: Any, offset: tuple, scale: float, win: Window) -> Window | None:
    """The part of ``win`` a source placed at ``offset`` (y, x) touches (1 px margin:
    beyond its edge the coverage is 0 and the result is below's), None if it misses it."""
    oy, ox = float(offset[0]), float(offset[1])
    y0 = max(win.y0, math.floor(oy * scale) - 1)
    y1 = min(win.y1, math.ceil((oy + src.height) * scale) + 1)
    x0 = max(win.x0, math.floor(ox * scale) - 1)
    x1 = min(win.x1, math.ceil((ox + src.width) * scale) + 1)
    if y1 <= y0 or x1 <= x0:
        return None
    return Window(y0, y1, x0, x1)


register(ImageKind())
