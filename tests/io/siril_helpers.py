"""Running Debian's ``siril-cli`` on a script, and comparing colours with LibRaw's decode."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

SIRIL = shutil.which("siril-cli")


def need_siril() -> str:
    if SIRIL is None:
        pytest.skip("siril-cli is not installed (Debian/Ubuntu: apt install siril)")
    return SIRIL


def run_siril(workdir: Path, *commands: str) -> None:
    """Run ``commands`` as a Siril script in ``workdir``; fail with Siril's log on error."""
    script = workdir / "nebulayer_test.ssf"
    script.write_text("requires 0.99.4\nsetext fits\n" + "\n".join(commands) + "\n")
    done = subprocess.run([need_siril(), "-d", str(workdir), "-s", str(script)],
                          capture_output=True, text=True, timeout=120)
    log = done.stdout + done.stderr
    if done.returncode != 0 or "Script execution failed" in log:
        raise AssertionError(f"siril-cli failed:\n{log[-2000:]}")
    script.unlink()


def siril_debayer(fits_path: Path, workdir: Path) -> Path:
    """Siril's own demosaic of a CFA FITS (``convert -debayer``, as in Siril 1.0 to 1.4)."""
    workdir.mkdir()
    shutil.copy(fits_path, workdir / fits_path.name)
    run_siril(workdir, "convert deb -debayer")
    (out,) = workdir.glob("deb_*.fits")
    return out


def libraw_camera_rgb(raw_path: Path) -> np.ndarray:
    """LibRaw's own demosaic (AHD), camera colour space, no white balance, linear, unrotated."""
    import rawpy

    with rawpy.imread(str(raw_path)) as raw:
        rgb = raw.postprocess(gamma=(1, 1), no_auto_bright=True, output_bps=16,
                              user_wb=[1.0, 1.0, 1.0, 1.0], output_color=rawpy.ColorSpace.raw,
                              user_flip=0, demosaic_algorithm=rawpy.DemosaicAlgorithm.AHD)
    return rgb.astype(np.float32)


def colour_difference_correlation(a: np.ndarray, b: np.ndarray, border: int = 4) -> tuple[float, float]:
    """Correlation of (R - G) and of (B - G) between two RGB images, each channel first divided
    by its mean (so white balance and scale do not matter, only where the colours are)."""
    def diffs(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        img = img[border:-border, border:-border].astype(np.float64)
        img = img / np.nanmean(img, axis=(0, 1))
        return img[..., 0] - img[..., 1], img[..., 2] - img[..., 1]

    (ar, ab), (br, bb) = diffs(a), diffs(b)
    return (float(np.corrcoef(ar.ravel(), br.ravel())[0, 1]),
            float(np.corrcoef(ab.ravel(), bb.ravel())[0, 1]))
