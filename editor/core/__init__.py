"""The document model: canvas, sources, layers, masks, undo (no Qt, no file I/O).

    from editor.core.document import Document
    from editor.core.layers import ImageLayer, AdjustmentLayer, ChannelCombineLayer, GroupLayer
    from editor.core.masks import RasterMask, GeneratedMask

Rendering lives in :mod:`editor.render`, project files in :mod:`editor.project`: this package
never imports them (nor the plugins or the UI); ``doc.render()``/``doc.save()`` reach them
through :mod:`editor.core.services`.
"""
