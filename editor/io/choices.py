"""What a file asks of the person opening it: which image HDU, which plane of a cube, and
whether to debayer a mosaic. Headers only, no pixels read: fast enough for the UI thread.
Used by the GUI's open dialog; the CLI says the same through ``--hdu``/``--plane``/``--debayer``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class ImageChoice:
    """One image HDU of a FITS file."""

    hdu: int
    label: str  # "1 SCI 1024 x 1024", "0 53 planes of 105 x 105"
    width: int
    height: int
    planes: int  # 1 for a 2-D image; 3 for an RGB cube
    rgb: bool  # a 3-plane cube, opened as colour unless a plane is chosen
    mosaic: bool  # declares a 2x2 Bayer pattern (can be debayered)


@dataclass(frozen=True)
class FileChoices:
    images: list[ImageChoice] = field(default_factory=list)

    @property
    def needs_choice(self) -> bool:
        """True when the file cannot be opened without asking: several images, or a cube
        that is not RGB."""
        return len(self.images) > 1 or any(c.planes > 1 and not c.rgb for c in self.images)

    @property
    def offers_debayer(self) -> bool:
        return any(c.mosaic for c in self.images)

    @property
    def worth_asking(self) -> bool:
        return self.needs_choice or self.offers_debayer


def file_choices(path: str | Path) -> FileChoices:
    """The image HDUs of a FITS file (an empty list for other formats)."""
    path = Path(path)
    from editor.io.formats import FITS_EXTENSIONS, extension_of, sniff_extension

    if extension_of(path) not in FITS_EXTENSIONS and sniff_extension(path) != ".fits":
        return FileChoices()
    from editor.io.bayer_fits import top_first_pattern
    from editor.io.fits_read import hdu_label, hdu_shape, is_image_hdu, open_hdul, squeeze

    images = []
    with open_hdul(path) as hdul:
        for index, hdu in enumerate(hdul):
            if not is_image_hdu(hdu):
                continue
            shape = squeeze(hdu_shape(hdu))
            planes = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
            rgb = (len(shape) == 3 and (shape[0] == 3 or shape[2] == 3))
            if len(shape) == 3 and shape[2] == 3 and shape[0] != 3:
                planes, width, height = 3, shape[1], shape[0]
            else:
                width, height = shape[-1], shape[-2]
            header = {k: hdu.header.get(k) for k in ("BAYERPAT", "XBAYROFF", "YBAYROFF",
                                                     "ROWORDER") if k in hdu.header}
            mosaic = planes == 1 and top_first_pattern(header, height) is not None
            images.append(ImageChoice(index, hdu_label(index, hdu), int(width), int(height),
                                      planes, rgb, mosaic))
    return FileChoices(images)
