"""A mosaic whose canvas is larger than the memory budget (the gigapixel case in small):
refused when opened for whole renders, opened and rendered by tiles by `nebulayer render
--budget`, its panels mapped from disk, the written pixels those of the in-process tiled
render."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import ndimage

from editor.core.document import Document
from editor.errors import ProjectError
from editor.mosaic.layer import add_mosaic_layer
from editor.mosaic.plan import MosaicPlan, PanelParams
from editor.mosaic.transforms import canvas_bbox
from editor.render.cache import RenderCache
from editor.render.tiles import TiledRender

BUDGET = "300M"  # 314.6 MB; the 5200 x 5200 RGB float32 canvas is 324.5 MB
SIDE, PANEL = 5200, 2700


@pytest.fixture(scope="module")
def big_mosaic(shared_data, tmp_path_factory):
    from astropy.io import fits

    planes = [fits.getdata(shared_data / "fits" / "multiband_gc" / f"gc_2mass_{b}.fits")
              .astype(np.float32) for b in "khj"]
    f = PANEL / planes[0].shape[0]
    rgb = np.stack([ndimage.zoom(p / np.float32(np.percentile(p, 99.9)), f, order=1)
                    for p in planes], -1)[:PANEL, :PANEL]
    panels, params = [], []
    for k, (dy, dx, rot) in enumerate([(0, 0, 0.0), (0, 2500, 1.0), (2500, 0, -1.5),
                                       (2500, 2500, 2.0)]):
        px = np.ascontiguousarray(np.roll(rgb, 311 * k, axis=0) * np.float32(1 + 0.1 * k))
        t = {"kind": "similarity", "scale": 1.0, "rotation_deg": rot, "dx": float(dx), "dy": float(dy)}
        panels.append(px)
        params.append(PanelParams(name=f"p{k}", transform=t, shape=(PANEL, PANEL),
                                  gain=[1.0] * 3, offset=[0.0] * 3, gradient=[[0.0, 0.0]] * 3,
                                  bbox=canvas_bbox(t, (PANEL, PANEL), None)))
    doc = Document(SIDE, SIDE, cache=RenderCache(0))
    add_mosaic_layer(doc, panels, MosaicPlan(shape=(SIDE, SIDE), panels=params).to_dict())
    path = tmp_path_factory.mktemp("big") / "big.nebula"
    doc.save(path)
    return path


def test_canvas_over_the_budget_is_refused_for_whole_renders_and_opened_mapped_for_tiles(big_mosaic):
    from editor.io.budget import parse_size

    with pytest.raises(ProjectError, match="canvas.*memory budget"):
        Document.load(big_mosaic, memory_budget=parse_size(BUDGET))
    doc = Document.load(big_mosaic, memory_budget=parse_size(BUDGET), tiled=True,
                        cache=RenderCache(0))
    # every panel is a read-only map of a file, not memory of the process
    assert all(not s.pixels.flags.owndata and s.pixels.base is not None
               for s in doc.sources.values())


@pytest.mark.slow
def test_render_with_a_budget_below_the_canvas_writes_the_tiled_render(big_mosaic, tmp_path):
    import tifffile

    out = tmp_path / "big.tif"
    run = subprocess.run([sys.executable, "-c", "import sys; from editor.cli import main; "
                          "sys.exit(main(sys.argv[1:]))", "render", str(big_mosaic), "-o",
                          str(out), "--bits", "32", "--budget", BUDGET],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-800:]
    got = tifffile.imread(out)
    doc = Document.load(big_mosaic, tiled=True, cache=RenderCache(0))
    want = TiledRender(doc, tile=1024, workers=2, cache=RenderCache(0)).render()
    assert got.shape == (SIDE, SIDE, 3)
    assert got.tobytes() == want.tobytes()
    assert np.isnan(got).any() and np.isfinite(got).mean() > 0.95  # corners not covered
    bad = subprocess.run([sys.executable, "-c", "import sys; from editor.cli import main; "
                          "sys.exit(main(sys.argv[1:]))", "render", str(big_mosaic), "-o",
                          str(out), "--budget", "lots"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0
    assert "--budget lots" in bad.stderr
