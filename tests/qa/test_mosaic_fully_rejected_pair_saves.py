"""A mosaic whose balance rejects every sample of one overlap still saves (no NaN in JSON).

Real 2MASS K plate cut into two straight panels (one 5 % brighter, so that pair fits almost
exactly) and one panel reprojected at 20 degrees (interpolation differences then exceed 3 sigma
of the near-perfect fit everywhere in its overlaps)."""

from __future__ import annotations

import json
import warnings
import zipfile

import numpy as np
import pytest


def _panels(shared_data, tmp_path):
    from astropy.io import fits
    from astropy.wcs import WCS
    reproject = pytest.importorskip("reproject")

    src = shared_data / "fits" / "multiband_gc" / "gc_2mass_k.fits"
    hdr = fits.getheader(src)
    data = fits.getdata(src).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wcs = WCS(hdr)
    paths = []
    for k, (ys, xs, gain) in enumerate([(slice(0, 420), slice(0, 420), 1.0),
                                        (slice(0, 420), slice(300, 721), 1.05)]):
        h = hdr.copy()
        h.update(wcs[ys, xs].to_header())
        paths.append(tmp_path / f"panel {k + 1}.fits")
        fits.writeto(paths[-1], data[ys, xs] * gain, h)
    rot = wcs[300:720, 150:570].deepcopy()
    c, s = np.cos(np.deg2rad(20)), np.sin(np.deg2rad(20))
    rot.wcs.pc = np.array([[c, -s], [s, c]])
    arr, foot = reproject.reproject_interp((data, wcs), rot, shape_out=(420, 420))
    arr[foot == 0] = np.nan
    h = hdr.copy()
    h.update(rot.to_header())
    paths.append(tmp_path / "panel 3 rotated.fits")
    fits.writeto(paths[-1], arr.astype(np.float32), h)
    return paths


def test_mosaic_with_an_overlap_whose_samples_are_all_rejected_saves(shared_data, tmp_path):
    from editor.cli import main

    panels = _panels(shared_data, tmp_path)
    out = tmp_path / "mos aic.nebula"
    assert main(["mosaic", *map(str, panels), "-o", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        doc = json.loads(z.read("document.json"))  # strict JSON: NaN would not be here
    text = json.dumps(doc)
    assert "NaN" not in text and '"rms_after"' in text
