"""Layer kinds: what each ``type`` of layer does in a render, asked by the engine.

The engine (:mod:`editor.render.engine`) walks the layer tree and, for every layer, asks its
kind (:class:`~editor.render.kinds.base.LayerKind`) instead of testing the type:

- ``signature(job, node)``: what its result depends on (plain data, hashed by
  :func:`editor.render.keys.make_key` into the step's cache key);
- ``halo(job, node)``: the border (scaled px) it reads on the composite below around an
  output window, so region and tile renders equal the crop of a whole render;
- ``render(job, node, below, win)``: its pixels and coverage on a window;
- ``composite(job, node, below, win)``: the composite after it (default: blend ``render``'s
  pixels with opacity x mask x coverage; override to touch only part of the window);
- ``steps(node)``, ``own_pixels(job, node)`` (thumbnail) and ``describe(node, names)``
  (export HISTORY line).

Masks, caching, halos of masks, pass-through on failure and progress stay in the engine:
they are the same for every kind.

Adding a kind is one module plus its registration. The coming mosaic layer, for example:

1. ``editor/render/kinds/mosaic.py``::

       class MosaicKind(LayerKind):
           type = "mosaic"
           def signature(self, job, node):
               rec = super().signature(job, node)
               rec["panels"] = [dict(p, source=job.token(p["source"])) for p in node["panels"]]
               return rec
           def render(self, job, node, below, win):
               ...  # reproject/blend the panels that touch ``win``; coverage where none does
               return pixels, coverage

       register(MosaicKind())

2. import it below (``from editor.render.kinds import mosaic``), next to the built-ins.

The model side is separate: a ``MosaicLayer`` in :mod:`editor.core.layers` (its ``type``,
``to_dict``/``layer_from_dict``) and its source references in
:func:`editor.core.tree.referenced_sources`, so saving keeps its pixels.
"""

from __future__ import annotations

from editor.render.kinds import adjustment, combine, group, image, mosaic  # noqa: F401  (registration)
from editor.render.kinds.base import LayerKind, count_steps, kind_of, register, registered_kinds

__all__ = ["LayerKind", "kind_of", "register", "registered_kinds", "count_steps"]
