"""Time opening every file of ../shared/data with Nebulayer against the plain libraries.

Run: ``python tests/benchmarks/bench_io.py [DATA_DIR]``. Prints, per file, the best of N runs
for ``open_image`` and for the baseline, and their ratio. Goals (issue 3): RAW within 1.2x of
rawpy's postprocess with the same settings; FITS within 1.2x of a plain astropy read; a
half-size preview of a 24 MP raw under 0.5 s (measured on a synthetic 24 MP DNG written here,
since no real 24 MP raw is in the shared data).

Baselines. RAW: ``rawpy.imread`` + ``postprocess`` with Nebulayer's settings (16-bit linear),
the float conversion not included. FITS: ``fits.open`` + ``.data`` of the same HDU, converted
to native float32 (what any editor must do before processing); the bare lazy ``.data`` time
is printed too.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from editor.errors import NebulayerError  # noqa: E402
from editor.io import open_image  # noqa: E402

RUNS = 5


def best_of(func: Callable[[], object], runs: int = RUNS) -> float:
    func()  # warm caches (imports, page cache)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def fits_baselines(path: Path, hdu: int) -> tuple[float, float]:
    from astropy.io import fits

    def bare() -> object:
        with fits.open(path, memmap=False) as hdul:
            return hdul[hdu].data

    def as_float() -> object:
        with fits.open(path, memmap=False) as hdul:
            return np.asarray(hdul[hdu].data, dtype=np.float32)

    return best_of(bare), best_of(as_float)


def raw_baseline(path: Path, half: bool) -> float:
    import rawpy

    def run() -> object:
        with rawpy.imread(str(path)) as raw:
            return raw.postprocess(gamma=(1, 1), no_auto_bright=True, output_bps=16,
                                   use_camera_wb=True, half_size=half,
                                   highlight_mode=rawpy.HighlightMode.Ignore)

    return best_of(run)


def synthetic_24mp_dng(folder: Path) -> Path:
    """A 6000 x 4000 RGGB CFA DNG that LibRaw decodes (noise, 14-bit, black 512)."""
    import tifffile

    cfa = (np.random.default_rng(0).integers(0, 15000, (4000, 6000)) + 512).astype(np.uint16)
    identity = [v for pair in [(1, 1), (0, 1), (0, 1), (0, 1), (1, 1), (0, 1), (0, 1), (0, 1),
                               (1, 1)] for v in pair]
    tags = [(271, "s", 0, "Nebulayer", True), (272, "s", 0, "Synthetic 24MP", True),
            (50706, "B", 4, (1, 4, 0, 0), True), (50708, "s", 0, "Synthetic 24MP", True),
            (33421, "H", 2, (2, 2), True), (33422, "B", 4, (0, 1, 1, 2), True),
            (50721, "2i", 9, identity, True), (50728, "2I", 3, (1, 1, 1, 1, 1, 1), True),
            (50714, "H", 1, (512,), True), (50717, "H", 1, (16383,), True)]
    path = folder / "synthetic_24mp.dng"
    tifffile.imwrite(path, cfa, photometric=32803, extratags=tags)
    return path


def synthetic_fits(folder: Path) -> list[tuple[str, Path]]:
    """Stack-sized FITS files: 24 MP float32 mono, 24 MP camera uint16, 24 MP RGB float32."""
    from astropy.io import fits

    rng = np.random.default_rng(0)
    mono = rng.random((4000, 6000), dtype=np.float32)
    files = [("synthetic 24 MP float32 mono", mono),
             ("synthetic 24 MP uint16 (BZERO) camera frame", (mono * 65535).astype(np.uint16)),
             ("synthetic 24 MP float32 RGB (3 planes)", np.stack([mono, mono * 0.5, mono * 0.25]))]
    out = []
    for index, (label, data) in enumerate(files):
        path = folder / f"synthetic_{index}.fits"
        fits.PrimaryHDU(data).writeto(path)
        out.append((label, path))
    return out


def row(name: str, ours: float, base: float, note: str = "") -> None:
    print(f"{name:48s} {ours * 1000:9.1f} ms {base * 1000:9.1f} ms {ours / base:6.2f}x {note}")


def main(data: Path) -> int:
    print(f"{'file':48s} {'nebulayer':>12s} {'baseline':>12s} {'ratio':>7s}")
    for path in sorted(data.rglob("*")):
        if not path.is_file() or path.suffix.lower() == ".md" or "invalid" in path.parts:
            continue
        rel = str(path.relative_to(data))
        try:
            image = open_image(path)
        except NebulayerError as exc:
            print(f"{rel:48s} not an image: {exc.problem}")
            continue
        if image.meta.format == "FITS":
            hdu = image.meta.extra["hdu"]
            ours = best_of(lambda: open_image(path))
            bare, as_float = fits_baselines(path, hdu)
            row(rel, ours, as_float, f"(bare astropy .data: {bare * 1000:.1f} ms, "
                f"{ours / bare:.2f}x)")
        elif image.meta.format == "RAW":
            for mode in ("rgb", "half"):
                ours = best_of(lambda: open_image(path, raw_mode=mode))
                row(f"{rel} [{mode}]", ours, raw_baseline(path, mode == "half"))
    with tempfile.TemporaryDirectory() as tmp:
        for label, path in synthetic_fits(Path(tmp)):
            ours = best_of(lambda: open_image(path), runs=3)
            bare, as_float = fits_baselines(path, 0)
            row(label, ours, as_float, f"(bare astropy .data: {bare * 1000:.1f} ms, "
                f"{ours / bare:.2f}x)")
        dng = synthetic_24mp_dng(Path(tmp))
        for mode in ("half", "rgb"):
            ours = best_of(lambda: open_image(dng, raw_mode=mode), runs=3)
            base = raw_baseline(dng, mode == "half")
            goal = " goal < 500 ms" if mode == "half" else ""
            row(f"synthetic 24 MP DNG [{mode}]", ours, base, goal)
    return 0


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "data"
    sys.exit(main(folder))
