"""Helpers to fake installed plugins: a folder plugin, or a distribution with an entry point."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable

import pytest

# A minimal, valid plugin body; tests replace parts of it.
GOOD_PLUGIN = '''
import numpy as np
from filters.registry import FilterSpec, Param

def brighten(img, *, progress=None, amount=0.1):
    return (img + np.float32(amount)).astype(np.float32)

def plugin_manifest():
    return {{
        "api_version": 1, "id": "{pid}", "name": "Test plugin {pid}", "version": "{version}",
        "filters": [FilterSpec(id="{fid}", name="Brighten", func=brighten,
                               params=(Param("amount", "float", 0.1, min=-1, max=1),))],
    }}
'''


@pytest.fixture
def make_folder_plugin(tmp_path: Path) -> Callable[..., Path]:
    """Write ``<tmp>/plugins/<name>/__init__.py`` (+ extra modules); returns the plugins folder."""
    root = tmp_path / "plugins"

    def make(name: str, init: str | None = None, *, pid: str | None = None, fid: str | None = None,
             version: str = "1.0", extra: dict[str, str] | None = None) -> Path:
        pkg = root / name
        pkg.mkdir(parents=True, exist_ok=True)
        body = init if init is not None else GOOD_PLUGIN.format(
            pid=pid or f"test.{name}", fid=fid or f"{name}.brighten", version=version)
        (pkg / "__init__.py").write_text(textwrap.dedent(body))
        for fname, text in (extra or {}).items():
            (pkg / fname).write_text(textwrap.dedent(text))
        return root

    return make


@pytest.fixture
def make_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Install a fake distribution on sys.path: a ``*.dist-info`` with entry_points.txt and
    METADATA, plus its module, found by importlib.metadata like a pip-installed package."""
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    monkeypatch.syspath_prepend(str(site))

    def make(dist: str, module: str, source: str | None = None, *, ep_name: str = "main",
             target: str | None = None, version: str = "1.0", pid: str | None = None,
             fid: str | None = None) -> Path:
        if source is None:
            source = GOOD_PLUGIN.format(pid=pid or f"test.{module}", fid=fid or f"{module}.brighten",
                                        version=version)
        info = site / f"{dist}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(
            f"[nebulayer.plugins]\n{ep_name} = {target or module + ':plugin_manifest'}\n")
        (site / f"{module}.py").write_text(textwrap.dedent(source))
        return site

    return make


@pytest.fixture(scope="session")
def horsehead(shared_data: Path):
    """DSS plate scan of the Horsehead (893 x 891) as float32 0..1, read-only."""
    import numpy as np
    from astropy.io import fits

    with fits.open(shared_data / "fits" / "horsehead_dss_ukschmidt.fits") as hdul:
        data = np.asarray(hdul[0].data, dtype=np.float32)
    out = (data - data.min()) / (data.max() - data.min())
    out.flags.writeable = False
    return out
