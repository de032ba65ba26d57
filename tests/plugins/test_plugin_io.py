"""Plugin readers and writers go through editor.io's extension table, guarded."""

from __future__ import annotations

import numpy as np
import pytest

from editor.errors import ImageReadError, ImageWriteError
from editor.io import formats
from editor.io.image import Image, ImageMeta
from editor.plugins.registry import Registry

io_api = pytest.importorskip("editor.io.api", reason="editor.io.api (open_image/export_image) not written yet")


@pytest.fixture
def isolated_formats(monkeypatch):
    """The real format table, restored after the test (plugins register into it)."""
    monkeypatch.setattr(formats, "_READERS", dict(formats._READERS))
    monkeypatch.setattr(formats, "_WRITERS", dict(formats._WRITERS))
    return formats


def read_txt(path):
    """A toy text format: 'H W' then the values, row-major."""
    with open(path) as fh:
        h, w = map(int, fh.readline().split())
        data = np.loadtxt(fh, dtype=np.float64).reshape(h, w)
    return Image(data, ImageMeta(format="NBTXT"))


def write_txt(array, path, meta):
    with open(path, "w") as fh:
        fh.write(f"{array.shape[0]} {array.shape[1]}\n")
        np.savetxt(fh, array.reshape(array.shape[0], -1))


def registry_with(readers=(), writers=()):
    reg = Registry()
    info = reg.add_manifest({"id": "org.nbtxt", "name": "Text images", "version": "0.2",
                             "readers": list(readers), "writers": list(writers)}, "test")
    assert info.loaded, info.error
    return reg, info


def test_plugin_format_round_trips_through_open_image_and_export_image(isolated_formats, tmp_path):
    reg, info = registry_with([{"extensions": [".nbtxt"], "read": read_txt}],
                              [{"extensions": [".NBTXT"], "write": write_txt}])
    reg.install_io(isolated_formats)
    pixels = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    target = tmp_path / "x.nbtxt"
    io_api.export_image(pixels, target)
    image = io_api.open_image(target)
    assert image.data.dtype == np.float32 and np.allclose(image.data, pixels, atol=1e-6)
    assert image.meta.format == "NBTXT" and info.readers == [".nbtxt"] and info.writers == [".nbtxt"]
    assert "reads: .nbtxt" in reg.describe() and "writes: .nbtxt" in reg.describe()


def test_a_crashing_plugin_reader_gives_a_read_error_naming_file_and_plugin(isolated_formats, tmp_path):
    def crash(path):
        raise KeyError("HEADER")

    reg, _ = registry_with([{"extensions": [".nbtxt"], "read": crash}])
    reg.install_io(isolated_formats)
    bad = tmp_path / "bad.nbtxt"
    bad.write_text("junk")
    with pytest.raises(ImageReadError) as info:
        io_api.open_image(bad)
    assert str(bad) in str(info.value) and "plugin 'org.nbtxt' 0.2 could not read it: KeyError" in str(info.value)


@pytest.mark.parametrize("returned, problem", [
    ("pixels", "returned a str, not an editor.io.Image"),
    (np.zeros((2, 2, 4)), "shape (2, 2, 4)"),
    (np.zeros((2, 2), complex), "type complex128"),
])
def test_a_plugin_reader_returning_nonsense_is_refused(isolated_formats, tmp_path, returned, problem):
    reg, _ = registry_with([{"extensions": [".nbtxt"], "read": lambda path: returned}])
    reg.install_io(isolated_formats)
    f = tmp_path / "f.nbtxt"
    f.write_text("x")
    with pytest.raises(ImageReadError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        io_api.open_image(f)


def test_a_plugin_reader_may_return_a_bare_array(isolated_formats, tmp_path):
    reg, _ = registry_with([{"extensions": [".nbtxt"], "read": lambda path: np.ones((2, 3), np.uint8)}])
    reg.install_io(isolated_formats)
    f = tmp_path / "f.nbtxt"
    f.write_text("x")
    image = io_api.open_image(f)
    assert image.data.dtype == np.float32 and image.data.shape == (2, 3) and image.meta.path == str(f)


def test_a_crashing_plugin_writer_leaves_no_file_and_names_the_plugin(isolated_formats, tmp_path):
    def half_write(array, path, meta):
        with open(path, "w") as fh:
            fh.write("partial")
        raise OSError("disk quota")

    reg, _ = registry_with(writers=[{"extensions": [".nbtxt"], "write": half_write}])
    reg.install_io(isolated_formats)
    target = tmp_path / "out.nbtxt"
    with pytest.raises(ImageWriteError, match="plugin 'org.nbtxt' 0.2 could not write it: OSError: disk quota"):
        io_api.export_image(np.zeros((2, 2), np.float32), target)
    assert list(tmp_path.iterdir()) == []


def test_a_plugin_writer_that_writes_nothing_is_an_error(isolated_formats, tmp_path):
    reg, _ = registry_with(writers=[{"extensions": [".nbtxt"], "write": lambda a, p, m: None}])
    reg.install_io(isolated_formats)
    with pytest.raises(ImageWriteError):
        io_api.export_image(np.zeros((2, 2), np.float32), tmp_path / "out.nbtxt")
    assert not (tmp_path / "out.nbtxt").exists()


def test_a_plugin_cannot_replace_a_builtin_format(isolated_formats):
    reg, info = registry_with([{"extensions": [".fits", ".nbtxt"], "read": read_txt}])
    before = isolated_formats._READERS[".fits"]
    reg.install_io(isolated_formats)
    assert isolated_formats._READERS[".fits"] is before
    assert ".nbtxt" in isolated_formats.readable_extensions()
    assert info.warnings == ["reader for .fits not used: Nebulayer reads .fits itself"]
    reg.install_io(isolated_formats)  # installing again keeps the plugin's own extension
    assert info.warnings == ["reader for .fits not used: Nebulayer reads .fits itself"] * 2


def test_two_plugins_claiming_one_extension_the_second_is_refused():
    reg, _ = registry_with([{"extensions": [".nbtxt"], "read": read_txt}])
    info = reg.add_manifest({"id": "other", "version": "1",
                             "readers": [{"extensions": [".nbtxt"], "read": read_txt}]}, "test")
    assert not info.loaded and "reader for .nbtxt is already provided by plugin 'org.nbtxt'" in info.error
