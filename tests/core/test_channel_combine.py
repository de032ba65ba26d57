"""Channel-combine layers on real 2MASS J/H/K frames: RGB/LRGB merges, editable alignment."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.document import Document
from editor.core.layers import ChannelCombineLayer
from editor.errors import DocumentError
from editor.render.blend import luminance
from editor.render.cache import RenderCache

GC = "fits/multiband_gc/gc_2mass_{}.fits"


@pytest.fixture
def frames(shared_data):
    from editor.core.sources import open_image_file

    return {b: open_image_file(shared_data / GC.format(b)).data for b in "jhk"}


def _norm(x):
    lo, hi = np.percentile(x, [1, 99.5])
    return ((x - lo) / (hi - lo)).astype(np.float32)


def test_rgb_merge_puts_each_frame_in_its_channel(frames, registry):
    k, h, j = (_norm(frames[b]) for b in "khj")
    doc = Document.new(k.shape[1], k.shape[0], registry=registry, cache=RenderCache(1 << 28))
    lid = doc.add_channel_combine({"R": k, "G": h, "B": j}, mode="rgb", align=False)
    out = doc.render()
    layer = doc.layer(lid)
    assert isinstance(layer, ChannelCombineLayer) and layer.error is None
    assert out.shape == k.shape + (3,)
    for c, want in enumerate((k, h, j)):
        assert np.allclose(out[..., c], want, atol=1e-5)


def test_alignment_is_measured_stored_and_editable(frames, registry):
    import filters

    if not hasattr(filters, "register_translation") or not hasattr(filters, "shift_image"):
        pytest.skip("filters.register_translation / shift_image are not exported yet")
    h = _norm(frames["h"])
    moved = filters.shift_image(h, 1.3, -0.7)  # the R frame was taken slightly off
    doc = Document.new(h.shape[1], h.shape[0], registry=registry, cache=RenderCache(1 << 28))
    lid = doc.add_channel_combine({"R": moved, "G": h, "B": h}, mode="rgb", align=True)
    dy, dx = doc.layer(lid).offsets["R"]
    assert abs(dy + 1.3) < 0.15 and abs(dx - 0.7) < 0.15  # the correction undoes the shift
    assert doc.layer(lid).offsets["G"] == (0.0, 0.0)
    inner = (slice(20, -20), slice(20, -20))

    def residual(img):
        return float(np.sqrt(np.nanmean((img[..., 0][inner] - h[inner]) ** 2)))

    aligned = residual(doc.render())
    # the user may edit the offsets; undo restores the measured ones
    doc.set_layer_props(lid, offsets={"R": (0.0, 0.0)})
    assert residual(doc.render()) > 2 * aligned
    doc.undo()
    assert doc.layer(lid).offsets["R"] == (dy, dx)


def test_lrgb_merge_takes_luminance_from_l(frames, registry):
    k, h, j = (_norm(frames[b]) for b in "khj")
    lum = np.clip((k + h + j) / 3, 0, 1)
    colour = np.stack([k, h, j], axis=-1) * 0.5 + 0.25
    doc = Document.new(k.shape[1], k.shape[0], registry=registry, cache=RenderCache(1 << 28))
    lid = doc.add_channel_combine({"L": lum, "RGB": colour}, mode="lrgb", align=False)
    out = doc.render()
    assert doc.layer(lid).error is None
    inside = (lum > 0.1) & (lum < 0.6)
    assert np.corrcoef(luminance(out)[inside], lum[inside])[0, 1] > 0.95


def test_channel_combine_region_equals_the_crop_with_offsets(frames, registry):
    k, h, j = (_norm(frames[b]) for b in "khj")
    doc = Document.new(k.shape[1], k.shape[0], registry=registry, cache=RenderCache(1 << 28))
    lid = doc.add_channel_combine({"R": k, "G": h, "B": j}, mode="rgb", align=False)
    doc.set_layer_props(lid, offsets={"R": (0.4, -1.6), "B": (-2.2, 0.3)})
    full = doc.render()
    doc.cache.clear()
    part = doc.render(region=(300, 200, 120, 90))
    assert np.allclose(part, full[200:290, 300:420], atol=1e-5, equal_nan=True)


def test_bad_channel_sets_are_refused(registry):
    doc = Document.new(10, 10, registry=registry, cache=RenderCache(1 << 20))
    with pytest.raises(DocumentError):
        doc.add_channel_combine({"X": np.zeros((10, 10), np.float32)}, align=False)
    with pytest.raises(DocumentError):
        doc.add_channel_combine({"R": np.zeros((10, 10))}, mode="cmyk", align=False)


def test_lrgb_parameters_are_checked_and_change_the_merge(frames, registry):
    k, h, j = (_norm(frames[b]) for b in "khj")
    doc = Document.new(k.shape[1], k.shape[0], registry=registry, cache=RenderCache(1 << 28))
    lid = doc.add_channel_combine({"L": (k + h + j) / 3, "R": k, "G": h, "B": j}, align=False)
    plain = doc.render()
    doc.set_params(lid, saturation=1.8)
    assert doc.layer(lid).error is None and not np.allclose(doc.render(), plain)
    with pytest.raises(DocumentError, match="no parameter"):
        doc.set_params(lid, bogus=1)
