"""Bad input: every broken file gives a typed, one-line error naming the file; nothing crashes.

The corpus is generated in tmp_path; the real negatives come from ../shared/data/raw/invalid.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
from astropy.io import fits

from editor.errors import (ChoiceNeededError, ImageReadError, ImageTooLargeError,
                           UnsupportedFormatError)
from editor.io import describe_file, open_image


def _text(path: Path) -> Path:
    path.write_text("SIMPLE is not how this starts\nJust some notes about M42.\n")
    return path


def _fits_bytes() -> bytes:
    buf = __import__("io").BytesIO()
    fits.PrimaryHDU(np.zeros((50, 60), dtype=np.uint16)).writeto(buf)
    return buf.getvalue()


def _lying_naxis(path: Path) -> Path:
    data = bytearray(_fits_bytes())
    at = data.find(b"NAXIS1  =")
    data[at:at + 80] = b"NAXIS1  =                60000 / more columns than the file holds".ljust(80)
    path.write_bytes(bytes(data))
    return path


def _truncated_fits(path: Path) -> Path:
    path.write_bytes(_fits_bytes()[:2880 + 1000])
    return path


def _huge_fits(path: Path) -> Path:
    header = fits.Header({"SIMPLE": True, "BITPIX": -32, "NAXIS": 2, "NAXIS1": 200000,
                          "NAXIS2": 200000})
    path.write_bytes(header.tostring().encode("ascii"))
    # A sparse file of the declared size (no disk used): a whole file, so the refusal must
    # come from the memory budget; a short one is refused as truncated (tests/hostile).
    with path.open("r+b") as f:
        f.truncate(2880 + 200000 * 200000 * 4)
    return path


def _four_d(path: Path) -> Path:
    fits.PrimaryHDU(np.zeros((2, 2, 4, 4), dtype=np.float32)).writeto(path)
    return path


def _table_only(path: Path) -> Path:
    table = fits.BinTableHDU.from_columns([fits.Column(name="x", format="E", array=[1.0])])
    fits.HDUList([fits.PrimaryHDU(), table]).writeto(path)
    return path


def _truncated_tiff(path: Path) -> Path:
    noise = np.random.default_rng(0).integers(0, 65535, (64, 64), dtype=np.uint16)
    tifffile.imwrite(path, noise, compression="zlib")
    path.write_bytes(path.read_bytes()[:3000])
    return path


def _huge_tiff(path: Path) -> Path:
    tifffile.imwrite(path, np.zeros((8, 8), dtype=np.float32))
    with tifffile.TiffFile(path, mode="r+b") as tif:
        tif.pages.first.tags["ImageWidth"].overwrite(180_000)
        tif.pages.first.tags["ImageLength"].overwrite(150_000)  # ~100 GB as float32
    return path


def _tiff_stack(path: Path) -> Path:
    tifffile.imwrite(path, np.zeros((5, 8, 8), dtype=np.uint16))
    return path


CORPUS = {
    "text renamed .fits": ("notes.fits", _text, ImageReadError, "not a readable FITS"),
    "text renamed .tif": ("notes.tif", _text, ImageReadError, "not a readable TIFF"),
    "text renamed .cr2": ("notes.cr2", _text, ImageReadError, "RAW"),
    "text renamed .png": ("notes.png", _text, UnsupportedFormatError, "PNG"),
    "text renamed .xisf": ("notes.xisf", _text, ImageReadError, "XISF"),
    "FITS with a lying NAXIS": ("lie.fits", _lying_naxis, ImageReadError, "truncated"),
    "truncated FITS": ("cut.fits", _truncated_fits, ImageReadError, "truncated"),
    "FITS declaring 160 GB": ("huge.fits", _huge_fits, ImageTooLargeError, "memory budget"),
    "4-D cube": ("cube4d.fits", _four_d, ChoiceNeededError, "4 planes.*--plane 0..3"),
    "FITS with only a table": ("table.fits", _table_only, UnsupportedFormatError, "no image"),
    "truncated TIFF": ("cut.tif", _truncated_tiff, ImageReadError, "truncated"),
    "TIFF declaring 100 GB": ("huge.tif", _huge_tiff, ImageTooLargeError, "memory budget"),
    "TIFF stack of pages": ("stack.tif", _tiff_stack, UnsupportedFormatError, "stack"),
}


def _assert_one_line_naming(exc: BaseException, path: Path) -> None:
    text = str(exc)
    assert str(path) in text, text
    assert "\n" not in text, text


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_corpus_file_gives_typed_error(tmp_path, case):
    name, make, error, words = CORPUS[case]
    path = make(tmp_path / name)
    with pytest.raises(error, match=words) as info:
        open_image(path)
    _assert_one_line_naming(info.value, path)


@pytest.mark.parametrize("name", ["empty.fits", "empty.tif", "empty.nef", "empty.png"])
def test_empty_file(tmp_path, name):
    path = tmp_path / name
    path.touch()
    with pytest.raises(ImageReadError, match="empty") as info:
        open_image(path)
    _assert_one_line_naming(info.value, path)


def test_missing_file(tmp_path):
    with pytest.raises(ImageReadError, match="does not exist"):
        open_image(tmp_path / "ghost.fits")


def test_directory(tmp_path):
    folder = tmp_path / "lights.fits"
    folder.mkdir()
    with pytest.raises(ImageReadError, match="folder"):
        open_image(folder)


def test_unknown_extension_and_content(tmp_path):
    path = tmp_path / "readme.txt"
    _text(path)
    with pytest.raises(UnsupportedFormatError, match="unknown image format"):
        open_image(path)


def test_memory_budget_from_environment(tmp_path, monkeypatch):
    path = tmp_path / "small.fits"
    fits.PrimaryHDU(np.zeros((100, 100), dtype=np.float32)).writeto(path)
    monkeypatch.setenv("NEBULAYER_MEMORY_BUDGET", "10K")
    with pytest.raises(ImageTooLargeError):
        open_image(path)
    open_image(path, memory_budget=10**6)  # the argument wins over the environment


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_info_on_corpus_never_crashes(tmp_path, case):
    name, make, error, _ = CORPUS[case]
    path = make(tmp_path / name)
    try:
        text = describe_file(path)
    except ImageReadError as exc:  # includes the Unsupported/TooLarge subclasses
        _assert_one_line_naming(exc, path)
    else:
        assert "format: FITS" in text  # cubes are described even though they cannot open
