"""Camera RAW files through rawpy (LibRaw).

Modes (``open_image(raw_mode=...)``):

* ``"rgb"`` (default): LibRaw demosaic (AHD) to linear camera RGB -> sRGB primaries, gamma 1,
  no auto-brightness, highlights not clipped (``HighlightMode.Ignore``), camera white balance,
  16-bit output scaled to 0..1. Camera orientation is applied.
* ``"half"``: the same at half size (each 2x2 cell becomes one pixel, no interpolation): the
  fast preview.
* ``"cfa"``: the undemosaiced sensor mosaic as a mono image, for users who calibrate (bias,
  darks, flats) and stack themselves. As in Siril, the values are the camera's raw ADU, black
  level NOT subtracted (the bias/dark frames remove it), divided by 65535 (so a 14-bit camera
  tops out near 0.25). Black and white levels are in ``meta.extra``, the pattern of the
  visible area in ``meta.bayer_pattern``. The mosaic is in sensor orientation (not rotated).
* ``"thumbnail"``: the embedded JPEG/bitmap preview, linearised with the sRGB curve; falls
  back to ``"half"`` when the file has none.

Impossible decodes are refused before any pixel is decoded: metadata-only "stub" raws (as in
ExifTool's and Exiv2's test files) declare a full sensor but hold a few KB, and some LibRaw
decoders turn the missing bytes into an image of noise without an error. A real raw, even
lossy-compressed, needs more than 1 bit per photosite; below :data:`STUB_BITS_PER_PIXEL`
(1/4 bit) the file is refused, between that and 1 bit it opens with a warning in the notes.
LibRaw's own messages ("Unexpected end of file", "data corrupted") go into the error or the
notes, and damaged data (``LibRawDataError``, I/O errors) is refused with one line.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from editor.errors import ImageReadError, UnsupportedFormatError
from editor.io.budget import check_budget
from editor.io.exif import exif_from_tiff, exif_from_jpeg_bytes
from editor.io.formats import ReadOptions
from editor.io.image import Image, ImageMeta
from editor.io.pixels import finite_range, freeze
from editor.io.srgb import srgb_to_linear
from editor.locale import _, D_


def _rawpy():
    import rawpy

    return rawpy


def _postprocess_args(half: bool) -> dict[str, Any]:
    rawpy = _rawpy()
    return dict(gamma=(1, 1), no_auto_bright=True, output_bps=16, use_camera_wb=True,
                highlight_mode=rawpy.HighlightMode.Ignore, half_size=half,
                output_color=rawpy.ColorSpace.sRGB)


def bayer_pattern_of(raw: Any) -> str | None:
    """"RGGB"-style pattern of the visible area, None for non-Bayer sensors (X-Trans, linear DNG)."""
    pattern = raw.raw_pattern
    if pattern is None or np.shape(pattern) != (2, 2):
        return None
    desc = raw.color_desc.decode("ascii", "replace")
    letters = "".join(desc[int(i)] for i in np.asarray(pattern).ravel())
    return letters if sorted(letters) == sorted("RGGB") else None


_stderr_lock = threading.Lock()


@contextmanager
def _libraw_messages(path: Path) -> Iterator[list[str]]:
    """Catch what LibRaw prints on the process's stderr ("<file>: Unexpected end of file")
    into a list (without the file name), so it reaches the user inside our one-line error or
    the image notes instead of as a stray line. Other lines written meanwhile (other threads)
    go back to the real stderr. Decodes are serialised while fd 2 is swapped."""
    said: list[str] = []
    with _stderr_lock:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError):  # no usable fd 2 (embedded interpreter): nothing to catch
            yield said
            return
        with tempfile.TemporaryFile() as tmp:
            os.dup2(tmp.fileno(), 2)
            try:
                yield said
            finally:
                os.dup2(saved, 2)
                tmp.seek(0)
                prefix = f"{path}:"
                for line in tmp.read().decode("utf-8", "replace").splitlines():
                    if line.startswith(prefix) or _is_libjpeg(line):
                        # LibRaw names the file it speaks of; its libjpeg does not.
                        message = line.removeprefix(prefix).strip()
                        if message and message not in said:
                            said.append(message)
                    else:  # another thread's words: give them back to the real stderr
                        os.write(saved, (line + "\n").encode("utf-8", "replace"))
                os.close(saved)


STUB_BITS_PER_PIXEL = 0.25  # below: no real raw, only metadata (refused)
THIN_BITS_PER_PIXEL = 1.0  # below: suspicious (a warning in the notes)


def check_plausible(path: Path, file_size: int, raw_height: int, raw_width: int) -> str | None:
    """Refuse a file far smaller than the sensor it declares; a warning text when doubtful."""
    pixels = max(1, int(raw_height) * int(raw_width))
    bits = file_size * 8 / pixels
    if bits < STUB_BITS_PER_PIXEL:
        from editor.io.budget import format_bytes

        raise ImageReadError(
            path, _("is truncated or holds only metadata: LibRaw declares a {raw_width} x "
            "{raw_height} sensor ({format_bytes} of 16-bit data) but the file has "
            "only {format_bytes2}").format(raw_width=raw_width, raw_height=raw_height, format_bytes=format_bytes(pixels * 2), format_bytes2=format_bytes(file_size)))
    if bits < THIN_BITS_PER_PIXEL:
        return D_("warning: only {bits:.2f} bits per photosite in the file: the picture may be noise "
                  "from missing data", bits=bits)
    return None


def _is_libjpeg(line: str) -> bool:
    # libjpeg's warnings while LibRaw decodes a JPEG-compressed raw or preview.
    # untranslated: libjpeg's own words, matched
    return line.startswith(("Premature end of JPEG", "Corrupt JPEG data", "Invalid JPEG",
                            "Bogus ", "Unsupported JPEG"))


def read_raw(path: Path, options: ReadOptions) -> Image:
    try:
        with _libraw_messages(path) as said:
            image = _read_raw(path, options)
    except ImageReadError as exc:
        if not said:  # filled when the block ends
            raise
        raise type(exc)(path, _("{problem}; LibRaw says: {said}").format(problem=exc.problem, said="; ".join(said))) from exc
    image.meta.notes = image.meta.notes + [D_("warning: LibRaw says: {message}", message=m) for m in said]
    return image


def _read_raw(path: Path, options: ReadOptions) -> Image:
    rawpy = _rawpy()
    progress = options.progress
    try:
        raw = rawpy.imread(str(path))
    except rawpy.LibRawFileUnsupportedError as exc:
        raise UnsupportedFormatError(path, _("is not a camera RAW file LibRaw can decode")) from exc
    except (rawpy.LibRawError, OSError) as exc:
        raise ImageReadError(path, _("damaged or truncated RAW file ({reason})").format(reason=_reason(exc))) from exc
    with raw:
        try:
            doubt = check_plausible(path, path.stat().st_size, raw.sizes.raw_height,
                                    raw.sizes.raw_width)
        except ImageReadError:
            try:  # LibRaw's own reason ("Unexpected end of file"), for the same one line
                raw.unpack()
            except rawpy.LibRawError:
                pass
            raise
        try:
            if progress:
                progress(0.1)
            exif = exif_from_tiff(path)
            mode = options.raw_mode
            notes: list[str] = []
            if mode == "thumbnail":
                data = _thumbnail(path, raw, exif, notes)
                if data is None:
                    mode = "half"
                    notes.append(D_("no embedded preview: decoded at half size instead"))
            if mode == "cfa":
                image = _cfa(path, raw, options, notes)
            elif mode in ("rgb", "half"):
                data, stored_range = _demosaic(path, raw, options, half=(mode == "half"))
                notes.append(D_("linear demosaic (LibRaw AHD, camera white balance, gamma 1), half size")
                             if mode == "half" else
                             D_("linear demosaic (LibRaw AHD, camera white balance, gamma 1)"))
            if mode == "thumbnail":
                image = Image(data, ImageMeta(original_dtype="uint8", data_range=finite_range(data)))
            elif mode != "cfa":
                image = Image(data, ImageMeta(original_dtype="uint16", data_range=stored_range))
        except rawpy.LibRawError as exc:
            raise ImageReadError(path, _("damaged or truncated RAW file ({reason})").format(reason=_reason(exc))) from exc
        image.meta.format = "RAW"
        image.meta.path = str(path)
        image.meta.exif = exif
        image.meta.notes = ([doubt] if doubt else []) + notes + image.meta.notes
        image.meta.extra.update(_raw_facts(raw, mode))
    freeze(image.data)
    return image


def _reason(exc: BaseException) -> str:
    text = str(exc).strip("b'\"") or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:160]


def _demosaic(path: Path, raw: Any, options: ReadOptions,
              half: bool) -> tuple[np.ndarray, tuple[float, float] | None]:
    sizes = raw.sizes
    h, w = (sizes.iheight, sizes.iwidth) if not half else ((sizes.height + 1) // 2, (sizes.width + 1) // 2)
    # uint16 output of LibRaw plus our float32 copy (and LibRaw's own working image).
    check_budget(path, (h, w, 3), 2 + 4 + 8, options.memory_budget)
    rgb16 = raw.postprocess(**_postprocess_args(half))
    if options.progress:
        options.progress(0.8)
    out = np.empty(rgb16.shape, dtype=np.float32)
    np.multiply(rgb16, np.float32(1.0 / 65535.0), out=out, casting="unsafe")
    return out, finite_range(rgb16)


def _cfa(path: Path, raw: Any, options: ReadOptions, notes: list[str]) -> Image:
    sizes = raw.sizes
    check_budget(path, (sizes.height, sizes.width), 2 + 4, options.memory_budget)
    mosaic = raw.raw_image_visible
    if mosaic.ndim != 2:
        raise UnsupportedFormatError(
            path, _("has no colour filter mosaic (already demosaiced, e.g. a linear DNG); "
            "open it in RGB mode"))
    pattern = bayer_pattern_of(raw)
    data = np.empty(mosaic.shape, dtype=np.float32)
    np.multiply(mosaic, np.float32(1.0 / 65535.0), out=data, casting="unsafe")
    notes.append(D_("raw CFA mosaic, black level not subtracted, ADU / 65535"))
    if pattern is None:
        notes.append(D_("sensor is not a 2x2 Bayer RGB mosaic (e.g. X-Trans)"))
    if sizes.flip:
        notes.append(D_("mosaic kept in sensor orientation (camera rotation not applied)"))
    return Image(data, ImageMeta(original_dtype=str(mosaic.dtype), bayer_pattern=pattern,
                                 data_range=finite_range(mosaic)))


def _thumbnail(path: Path, raw: Any, exif: dict[str, Any], notes: list[str]) -> np.ndarray | None:
    rawpy = _rawpy()
    try:
        thumb = raw.extract_thumb()
    except (rawpy.LibRawNoThumbnailError, rawpy.LibRawUnsupportedThumbnailError):
        return None
    if thumb.format == rawpy.ThumbFormat.JPEG:
        from PIL import Image as PILImage, UnidentifiedImageError

        try:
            with PILImage.open(io.BytesIO(thumb.data)) as pil:
                pixels = np.asarray(pil.convert("RGB"))
        except (UnidentifiedImageError, OSError):
            return None
        for key, value in exif_from_jpeg_bytes(thumb.data).items():
            exif.setdefault(key, value)
    else:
        pixels = np.asarray(thumb.data)
        if pixels.ndim == 2:
            pixels = np.repeat(pixels[..., None], 3, axis=2)
    notes.append(D_("embedded camera preview (display-referred, linearised with the sRGB curve)"))
    scale = 255.0 if pixels.dtype == np.uint8 else 65535.0
    return srgb_to_linear(pixels.astype(np.float32) / np.float32(scale))


def _raw_facts(raw: Any, mode: str) -> dict[str, Any]:
    facts: dict[str, Any] = {"raw_mode": mode}
    facts["black_level_per_channel"] = [int(v) for v in raw.black_level_per_channel]
    facts["white_level"] = int(raw.white_level)
    facts["color_desc"] = raw.color_desc.decode("ascii", "replace")
    facts["raw_type"] = str(raw.raw_type.name)
    facts["camera_whitebalance"] = [float(v) for v in raw.camera_whitebalance]
    facts["sensor_size"] = (int(raw.sizes.raw_height), int(raw.sizes.raw_width))
    facts["bayer_pattern"] = bayer_pattern_of(raw)
    return facts
