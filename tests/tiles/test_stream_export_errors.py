"""A streamed export that cannot be written says why in one line (it used to fail with an
internal TypeError: the render was named like the translation function)."""

from __future__ import annotations

import numpy as np
import pytest

from editor.errors import ImageWriteError


@pytest.mark.parametrize("name, bits, says", [("missing/out.tif", None, "does not exist"),
                                              ("out.fits", 12, "8, 16 or 32 bits")])
def test_a_streamed_export_that_cannot_be_written_is_one_line(tmp_path, name, bits, says):
    from editor import Document
    from editor.render.cache import RenderCache
    from editor.render.tiles import TiledRender
    from editor.render.tiles_export import export_tiled

    doc = Document.from_image(np.ones((40, 50, 3), np.float32))
    with pytest.raises(ImageWriteError, match=says) as err:
        export_tiled(TiledRender(doc, tile=32, cache=RenderCache(0)), tmp_path / name, bits=bits)
    assert "\n" not in str(err.value)
