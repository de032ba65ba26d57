"""Reading and writing image files: DSLR RAW, FITS, TIFF, XISF, PNG and JPEG.

    from editor.io import open_image, export_image, write_fits

Every reader returns an :class:`~editor.io.image.Image`: float32 pixels, (H, W) or (H, W, 3),
linear, integers scaled to 0..1, float data kept as stored (never clipped), NaN = missing data,
plus an :class:`~editor.io.image.ImageMeta` with the FITS header / camera EXIF.

Orientation convention
----------------------
In memory, row 0 of every Nebulayer image is the TOP of the picture, as in TIFF, PNG, JPEG,
XISF and camera RAW files, and as Photoshop, PixInsight and Siril show them.

FITS files store rows the other way by default: the FITS standard puts the first stored row at
the bottom of the picture, and Siril, PixInsight, ds9 and fv display them that way. The
``ROWORDER`` keyword (introduced by Siril and CCDCiel, written by INDI, N.I.N.A., SharpCap,
MaxIm DL, PixInsight...) says which order a file uses: ``BOTTOM-UP`` (the default when the
keyword is absent) or ``TOP-DOWN`` (most camera drivers). Nebulayer therefore:

* reads a FITS file without ``ROWORDER``, or with ``ROWORDER = 'BOTTOM-UP'``, by flipping it
  so that its last stored row becomes our top row; a ``TOP-DOWN`` file is read as stored;
* writes FITS in the row order of the source header (``TOP-DOWN`` only if the source said so,
  ``BOTTOM-UP`` otherwise) and always writes the ``ROWORDER`` keyword, so a FITS we write and
  re-read is bit-exact and the same way up, and its WCS and Bayer keywords stay valid;
* reads ``BAYERPAT``/``XBAYROFF``/``YBAYROFF`` as Siril does (the pattern of the picture's top
  row, i.e. of the last stored row when ``ROWORDER = 'BOTTOM-UP'``; see
  :mod:`editor.io.bayer_fits`), and reports ``meta.bayer_pattern`` for the array as returned,
  top row first.

So a stacked image saved by Siril or PixInsight as FITS and as TIFF opens the same way up in
Nebulayer, and looks the same as in those programs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from editor.io.formats import register_reader, register_writer

if TYPE_CHECKING:
    from editor.io.image import Image, ImageMeta

__all__ = ["open_image", "export_image", "write_fits", "describe_file", "register_reader",
           "register_writer", "Image", "ImageMeta"]


def __getattr__(name: str) -> Any:
    # Lazy, so that importing editor.io does not import astropy, rawpy or Pillow.
    if name in ("open_image", "export_image"):
        from editor.io import api

        return getattr(api, name)
    if name == "write_fits":
        from editor.io.fits_write import write_fits

        return write_fits
    if name == "describe_file":
        from editor.io.describe import describe_file

        return describe_file
    if name in ("Image", "ImageMeta"):
        from editor.io import image

        return getattr(image, name)
    raise AttributeError(f"module 'editor.io' has no attribute {name!r}")  # untranslated: Python's own words
