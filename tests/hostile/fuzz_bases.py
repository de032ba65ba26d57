"""The undamaged files the fuzz cases start from that are made at test time: Nebulayer's own
exports (TIFF with the embedded FITS header, PNG, JPEG, FITS) and projects (a small one with
every kind of layer record, and the bundled sample project, whose referenced images are copied
into the folder the cases are opened from)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"


def shared_data_folder() -> Path | None:
    folder = Path(os.environ.get("NEBULAYER_SHARED_DATA", REPO.parent / "shared" / "data"))
    return folder if folder.is_dir() else None


def small_project(path: Path) -> Path:
    """A 64x48 RGB project with adjustments, a group, a generated mask, an offset image layer
    and a snapshot, pixels embedded."""
    from editor.core.document import Document

    rng = np.random.default_rng(7)
    base = (rng.random((48, 64, 3), dtype=np.float32) * 0.2 + 0.05).astype(np.float32)
    doc = Document.from_image(base)
    from editor.core.masks import GeneratedMask

    panel = doc.add_image(rng.random((20, 30), dtype=np.float32), name="panel")
    doc.set_layer_props(panel, offset=(5, 7))
    levels = doc.add_adjustment("levels", midtone=0.6)
    doc.add_group("Group", [levels])
    doc.add_adjustment("curves")
    doc.take_snapshot("before")
    stretch = doc.add_adjustment("asinh_stretch")
    doc.set_mask(stretch, GeneratedMask("luminance_range_mask", {}, "below"))
    doc.save(path)
    return path


def make_own_bases(work: Path, input_folder: Path) -> dict[str, list[tuple[str, bytes]]]:
    """kind -> [(name, bytes)] of files Nebulayer made; the sample project's images are copied
    into ``input_folder`` (where the cases are written) so its references resolve there."""
    from editor.io import export_image, open_image

    work.mkdir(parents=True, exist_ok=True)
    input_folder.mkdir(parents=True, exist_ok=True)
    shared = shared_data_folder()
    src = shared / "fits/m51_kpno_b_int16.fits" if shared else SAMPLES / "deep_sky_field.fits"
    image = open_image(src)
    colour = open_image(SAMPLES / "deep_sky_field.fits")
    out: dict[str, list[tuple[str, bytes]]] = {"tiff": [], "png": [], "jpg": [], "fits": [], "nebula": []}
    for name, img, bits in [("own16.tif", image, 16), ("own32.tif", image, 32),
                            ("own_rgb32.tif", colour, 32), ("own16.png", image, 16),
                            ("own8.jpg", colour, 8), ("own32.fits", image, 32)]:
        target = work / name
        export_image(img.data, target, bits=bits, meta=img.meta)
        kind = {"tif": "tiff", "png": "png", "jpg": "jpg", "fits": "fits"}[name.rsplit(".", 1)[1]]
        out[kind].append((name, target.read_bytes()))
    out["nebula"].append(("small.nebula", small_project(work / "small.nebula").read_bytes()))
    sample = SAMPLES / "sample_project.nebula"
    if sample.is_file():
        for fits in SAMPLES.glob("*.fits"):
            shutil.copyfile(fits, input_folder / fits.name)
        out["nebula"].append(("sample_project.nebula", sample.read_bytes()))
    return out
