"""The `nebulayer` command: headless sub-commands, one-line errors, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
SAMPLE_FITS = REPO / "samples" / "deep_sky_field.fits"
SAMPLE_PROJECT = REPO / "samples" / "sample_project.nebula"


def nebulayer(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "editor.cli", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=REPO)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_info_describes_a_real_fits_file(shared_data: Path) -> None:
    result = nebulayer("info", str(shared_data / "fits" / "m13_subs" / "M13_blue_0001.fits"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "FITS" in out and "1392" in out and "1040" in out


def test_info_describes_a_real_raw_file(shared_data: Path) -> None:
    result = nebulayer("info", str(shared_data / "raw" / "kodak_dc50_bayer.kdc"))
    assert result.returncode == 0, result.stderr
    assert "RAW" in result.stdout.upper() and "Kodak" in result.stdout


def test_info_on_a_missing_file_prints_one_line_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.fits"
    assert_one_line_error(nebulayer("info", str(missing)), str(missing))


def test_info_on_a_text_file_named_fits_is_a_clean_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.fits"
    bad.write_text("clear skies\n" * 100)
    assert_one_line_error(nebulayer("info", str(bad)), str(bad))


def test_convert_writes_a_fits_that_reopens_bit_exact(tmp_path: Path) -> None:
    from editor import open_image

    out = tmp_path / "copy.fits"
    result = nebulayer("convert", str(SAMPLE_FITS), str(out))
    assert result.returncode == 0, result.stderr
    assert np.array_equal(open_image(out).data, open_image(SAMPLE_FITS).data)


def test_convert_with_auto_stretch_writes_a_display_png(tmp_path: Path) -> None:
    from PIL import Image as PILImage

    out = tmp_path / "stretched.png"
    result = nebulayer("convert", str(SAMPLE_FITS), str(out), "--stretch", "auto", "--bits", "8")
    assert result.returncode == 0, result.stderr
    with PILImage.open(out) as png:
        pixels = np.asarray(png)
        assert "icc_profile" in png.info
    # An auto stretch lifts the sky background to about a quarter of the range.
    assert 30 < np.median(pixels) < 120


def test_render_a_project_headless(tmp_path: Path) -> None:
    from editor import Document, open_image

    out = tmp_path / "render.tif"
    result = nebulayer("render", str(SAMPLE_PROJECT), "-o", str(out), "--bits", "32")
    assert result.returncode == 0, result.stderr
    expected = Document.load(SAMPLE_PROJECT).render()
    assert np.array_equal(open_image(out).data, expected)


def test_render_a_corrupt_project_is_a_clean_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.nebula"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert_one_line_error(nebulayer("render", str(bad), "-o", str(tmp_path / "x.tif")), str(bad))
    assert not (tmp_path / "x.tif").exists()


def test_plugins_lists_the_builtin_filters() -> None:
    result = nebulayer("plugins")
    assert result.returncode == 0, result.stderr
    assert "nebulayer.builtin" in result.stdout and "levels" in result.stdout


def test_unknown_option_is_a_usage_error() -> None:
    result = nebulayer("render", "--no-such-option")
    assert result.returncode == 2 and "usage" in result.stderr


def test_a_headless_render_keeps_no_intermediate_results_in_memory(tmp_path: Path,
                                                                   monkeypatch) -> None:
    """A one-shot render never re-uses a step: caching each layer's full-size result only
    multiplies the peak memory (a 100 MP mosaic: ~6 GiB more)."""
    from editor import cli
    from editor.render import cache as cache_mod

    fresh = cache_mod.RenderCache()
    monkeypatch.setattr(cache_mod, "_default", fresh)
    out = tmp_path / "out.fits"
    assert cli.main(["render", str(SAMPLE_PROJECT), "-o", str(out), "--bits", "32"]) == 0
    assert out.is_file()
    assert fresh.nbytes == 0 and len(fresh) == 0


def test_a_truncated_raw_file_is_one_line_with_libraws_own_reason(shared_data: Path) -> None:
    """LibRaw prints "Unexpected end of file" on stderr itself: it must end up in our one
    line, not as a stray second line."""
    bad = shared_data / "raw" / "invalid" / "exiv2_canon_powershot_s40_truncated.crw"
    result = nebulayer("info", str(bad))
    assert_one_line_error(result, str(bad), "truncated", "Unexpected end of file")


TEXT_FORMAT_PLUGIN = '''
import numpy as np


def read_nbtxt(path):
    return np.loadtxt(path, ndmin=2).astype(np.float32)


def plugin_manifest():
    return {"id": "test.nbtxt", "name": "Text images", "version": "1", "api_version": 1,
            "readers": [{"extensions": [".nbtxt"], "read": read_nbtxt}]}
'''


def test_info_and_convert_read_a_file_format_added_by_a_plugin(tmp_path: Path) -> None:
    import os

    from editor import open_image

    plugin = tmp_path / "plugins" / "nbtxt_format"
    plugin.mkdir(parents=True)
    (plugin / "__init__.py").write_text(TEXT_FORMAT_PLUGIN)
    image = tmp_path / "frame.nbtxt"
    image.write_text("0 0.25 0.5\n0.75 1 0.5\n")
    env = {**os.environ, "NEBULAYER_PLUGIN_DIR": str(tmp_path / "plugins")}
    run = lambda *args: subprocess.run([sys.executable, "-m", "editor.cli", *args],  # noqa: E731
                                       capture_output=True, text=True, timeout=120, cwd=REPO, env=env)
    info = run("info", str(image))
    assert info.returncode == 0, info.stderr
    assert "3" in info.stdout and "2" in info.stdout
    out = tmp_path / "frame.fits"
    converted = run("convert", str(image), str(out))
    assert converted.returncode == 0, converted.stderr
    assert np.array_equal(open_image(out).data, [[0, 0.25, 0.5], [0.75, 1, 0.5]])
