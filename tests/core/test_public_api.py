"""A script needs nothing but ``import editor``; the model stands without the packages above it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import editor

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["Document", "DocumentEvent", "open_image", "export_image",
                                  "Image", "ImageMeta", "GeneratedMask", "RasterMask",
                                  "ImageLayer", "AdjustmentLayer", "ChannelCombineLayer",
                                  "GroupLayer", "BLEND_MODES", "__version__"])
def test_the_script_api_is_importable_from_editor(name):
    assert name in editor.__all__ and getattr(editor, name) is not None


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Documnet'"):
        editor.Documnet  # noqa: B018


def test_a_script_using_only_editor_renders_masks_and_saves(tmp_path):
    from editor import Document, GeneratedMask, RasterMask

    doc = Document.from_image(np.linspace(0, 1, 48 * 64, dtype=np.float32).reshape(48, 64))
    lid = doc.add_adjustment("levels", midtone=0.4)
    doc.set_mask(lid, GeneratedMask(kind="luminance_range_mask"))
    assert doc.render(scale=0.5).shape == (24, 32)
    assert isinstance(doc.layer(lid).mask, GeneratedMask) and RasterMask is not None
    doc.save(tmp_path / "a.nebula")
    again = Document.load(tmp_path / "a.nebula")
    np.testing.assert_array_equal(again.render(), doc.render())


SCRIPT = """
import sys
from editor.core.document import Document
import numpy as np
doc = Document.from_image(np.ones((8, 8), np.float32))
heavy = [m for m in ("editor.render.engine", "editor.project.archive", "editor.plugins.registry")
         if m in sys.modules]
assert not heavy, heavy  # importing the model alone pulls none of them in
doc.render()  # the first render brings the renderer and the registry, through the services
assert "editor.render.engine" in sys.modules and "editor.project.archive" not in sys.modules
print("ok")
"""


def test_the_model_loads_the_renderer_and_project_format_only_when_used():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            timeout=120, cwd=REPO)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
