"""Turning a document into pixels (no Qt).

- :mod:`editor.render.engine`: the cached, region- and scale-aware layer-stack renderer.
- :mod:`editor.render.kinds`: what each layer type does (signature, halo, pixels, composite).
- :mod:`editor.render.keys`: the one strict cache-key encoder.
- :mod:`editor.render.document_render`: ``doc.render``/``render_mask``/thumbnails (the
  renderer service of :mod:`editor.core.services`); :mod:`editor.render.export_meta`.
- :mod:`editor.render.blend`: blend modes. :mod:`editor.render.resample`: proxy pyramid.
- :mod:`editor.render.maskops`: mask levels/feather/invert/density.
- :mod:`editor.render.cache`: the LRU byte-bounded cache of intermediate results.
- :mod:`editor.render.display`: screen transfer (display_image) for the view only.
"""
