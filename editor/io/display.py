"""PNG and JPEG: display-referred sRGB files.

Pixel values are written as they are, like PixInsight, Siril and Photoshop do: a document's
values become display-referred when the user stretches them (a stretch layer is the tone
curve), and the screen shows them the same way (editor.render.display), so the exported file
looks like the canvas. Linear data that was never stretched therefore exports dark, as it
looks in the editor without a display stretch.

Write: values clipped to 0..1, NaN shown as black, quantised to 8 bits (PNG may be 16), with
an embedded sRGB ICC profile so colour-managed viewers show the right colours.
Read (for convenience: logos, references, star masks): decoded with Pillow, values scaled to
0..1 as stored, so ``open_image`` then ``export_image`` gives back the same file values.
"""

from __future__ import annotations

import struct
import warnings
import zlib
from pathlib import Path

import numpy as np

from editor.errors import ImageReadError, UnsupportedFormatError
from editor.io.budget import check_budget
from editor.io.exif import exif_from_pillow
from editor.io.formats import ReadOptions
from editor.io.image import Image, ImageMeta
from editor.io.pixels import freeze
from editor.io.srgb import srgb_icc_profile
from editor.io.tiff import quantise
from editor.locale import _, D_


def read_display(path: Path, options: ReadOptions) -> Image:
    from PIL import Image as PILImage, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(path) as pil:
                width, height = pil.size
                channels = len(pil.getbands())
                check_budget(path, (height, width, max(channels, 1)), 4 + 2, options.memory_budget)
                fmt = pil.format or "PNG"
                # Checked before anything loads the pixels (loading clears ``tile``).
                wide = fmt == "PNG" and pil.mode in ("RGB", "RGBA") and ";16" in str(pil.tile)
                icc = pil.info.get("icc_profile")
                exif = exif_from_pillow(pil)
                if wide:
                    pixels, notes = _png16(path)
                else:
                    from PIL import ImageOps

                    upright = ImageOps.exif_transpose(pil)  # camera JPEGs shot in portrait
                    pixels, notes = _pixels(upright)
    except (UnidentifiedImageError, PILImage.DecompressionBombError,
            PILImage.DecompressionBombWarning) as exc:
        raise UnsupportedFormatError(path, _("not a readable PNG/JPEG image ({exc})").format(exc=exc)) from exc
    except (OSError, ValueError, SyntaxError, struct.error) as exc:
        raise ImageReadError(path, _("damaged PNG/JPEG image ({exc})").format(exc=exc)) from exc
    peak = 65535.0 if pixels.dtype == np.uint16 else 255.0
    data = pixels.astype(np.float32) / np.float32(peak)
    meta = ImageMeta(path=str(path), format=fmt, original_dtype=str(pixels.dtype),
                     exif=exif, data_range=(float(pixels.min()), float(pixels.max())),
                     icc_profile=icc, notes=notes)
    return Image(freeze(np.ascontiguousarray(data)), meta)


def _pixels(pil) -> tuple[np.ndarray, list[str]]:
    notes: list[str] = []
    mode = pil.mode
    if mode in ("I;16", "I;16B", "I;16L"):
        return np.asarray(pil).astype(np.uint16), notes
    if mode == "I":  # 16-bit PNG greyscale often decodes as 32-bit int
        return np.clip(np.asarray(pil), 0, 65535).astype(np.uint16), notes
    if mode in ("RGBA", "LA", "PA"):
        notes.append(D_("alpha channel dropped"))
    if mode in ("L", "LA"):
        return np.asarray(pil.convert("L")), notes
    return np.asarray(pil.convert("RGB")), notes


def _png16(path: Path) -> tuple[np.ndarray, list[str]]:
    """Pillow reduces 16-bit RGB(A) PNG to 8 bits; imagecodecs keeps all 16."""
    import imagecodecs

    try:
        pixels = np.asarray(imagecodecs.png_decode(Path(path).read_bytes()))
    except imagecodecs.PngError as exc:  # a damaged file ("IDAT: CRC error"): the caller's one line
        raise ValueError(str(exc)) from exc
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        return pixels[..., :3], [D_("alpha channel dropped")]
    return pixels, []


def _encoded(data: np.ndarray, bits: int) -> np.ndarray:
    # Grey is written as RGB: an sRGB (RGB) ICC profile is not allowed on a grey PNG/JPEG.
    if data.ndim == 2:
        data = np.repeat(data[..., None], 3, axis=2)
    return quantise(data, bits)


def write_png(path: Path, data: np.ndarray, *, bits: int | None = None,
              meta: ImageMeta | None = None) -> None:
    bits = bits or 8
    if bits not in (8, 16):
        raise ValueError(_("PNG export supports 8 or 16 bits, not {bits}").format(bits=bits))
    pixels = _encoded(data, bits)
    if bits == 8:
        from PIL import Image as PILImage

        PILImage.fromarray(pixels).save(path, format="PNG", icc_profile=srgb_icc_profile())
        return
    # Pillow cannot write 16-bit RGB PNG: imagecodecs encodes, we add the iCCP chunk ourselves.
    import imagecodecs

    png = imagecodecs.png_encode(pixels)
    Path(path).write_bytes(_with_iccp(png, srgb_icc_profile()))


def _with_iccp(png: bytes, profile: bytes) -> bytes:
    """Insert an iCCP chunk (PNG spec 11.3.3.3) right after IHDR."""
    body = b"sRGB\x00\x00" + zlib.compress(profile)
    chunk = struct.pack(">I", len(body)) + b"iCCP" + body
    chunk += struct.pack(">I", zlib.crc32(b"iCCP" + body) & 0xFFFFFFFF)
    ihdr_end = 8 + 8 + 13 + 4  # signature, IHDR length+type, IHDR data, CRC
    return png[:ihdr_end] + chunk + png[ihdr_end:]


def write_jpeg(path: Path, data: np.ndarray, *, bits: int | None = None,
               meta: ImageMeta | None = None) -> None:
    if bits not in (None, 8):
        raise ValueError(_("JPEG export is 8-bit only, not {bits}").format(bits=bits))
    from PIL import Image as PILImage

    from editor.io.exif import exif_block

    camera = exif_block(meta.exif) if meta is not None and meta.exif else None
    PILImage.fromarray(_encoded(data, 8)).save(path, format="JPEG", quality=95, subsampling=0,
                                               icc_profile=srgb_icc_profile(),
                                               **({"exif": camera} if camera else {}))
