"""The public entry points: lazy re-exports, cancellation, no Qt below the UI."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from astropy.io import fits

from editor.jobs.progress import Cancelled, CancelToken
from tests.io.synthetic import gradient


def test_editor_package_re_exports_open_and_export(tmp_path):
    import editor

    editor.export_image(gradient(), tmp_path / "a.fits")
    assert editor.open_image(tmp_path / "a.fits").data.shape == (6, 8)


def test_cancelling_from_progress_stops_the_read(tmp_path):
    fits.PrimaryHDU(gradient()).writeto(tmp_path / "c.fits")
    from editor.io import open_image

    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        open_image(tmp_path / "c.fits", progress=token.progress())


def test_raw_mode_must_be_known(tmp_path):
    from editor.io import open_image

    with pytest.raises(ValueError, match="raw_mode"):
        open_image(tmp_path / "x.cr2", raw_mode="jpeg")


def test_reading_and_writing_never_import_qt(tmp_path):
    code = (
        "import sys, numpy as np\n"
        "from editor.io import open_image, export_image, describe_file\n"
        f"p = r'{tmp_path}/q.fits'\n"
        "export_image(np.zeros((4, 4), np.float32), p)\n"
        "open_image(p); describe_file(p)\n"
        "import editor.io.raw, editor.io.tiff, editor.io.display, editor.io.xisf_read\n"
        "bad = [m for m in sys.modules if m.startswith(('PyQt', 'pyqtgraph'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_importing_editor_io_is_lazy():
    code = ("import sys, editor.io\n"
            "heavy = [m for m in ('rawpy', 'astropy', 'PIL', 'tifffile') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_source_pixels_are_read_only_for_every_format(tmp_path):
    from editor.io import export_image, open_image

    for name in ("a.fits", "a.tif", "a.png"):
        export_image(gradient(), tmp_path / name)
        assert not open_image(tmp_path / name).data.flags.writeable
        assert open_image(tmp_path / name).data.dtype == np.float32
