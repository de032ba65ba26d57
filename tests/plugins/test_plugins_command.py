"""`nebulayer plugins` lists what is installed, from where, and what failed."""

from __future__ import annotations

import pytest

from editor.plugins.registry import set_registry


@pytest.fixture
def fresh_registry():
    """Make the process registry rediscover (after the test sets the environment)."""
    old = set_registry(None)
    yield
    set_registry(old)


def test_plugins_command_lists_builtin_folder_plugins_and_failures(
        make_folder_plugin, monkeypatch, capsys, fresh_registry):
    from editor.cli import main

    make_folder_plugin("broken", "import not_a_real_dependency\n")
    folder = make_folder_plugin("good", pid="club.good", fid="good.f", version="3.2")
    monkeypatch.setenv("NEBULAYER_PLUGIN_DIR", str(folder))
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "nebulayer.builtin" in out and "entry point builtin = filters:plugin_manifest" in out
    assert "club.good 3.2" in out and f"from: folder {folder / 'good'}" in out and "filters: good.f" in out
    assert "broken" in out and "[NOT LOADED]" in out and "not_a_real_dependency" in out
    assert f"plugin folders: {folder}" in out


def test_the_example_plugins_are_found_when_the_plugin_folder_points_at_them(monkeypatch, capsys, fresh_registry):
    from pathlib import Path

    from editor.cli import main

    examples = Path(__file__).resolve().parents[2] / "plugins"
    monkeypatch.setenv("NEBULAYER_PLUGIN_DIR", str(examples))
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    for line in ("nebulayer.wavelets 1.0.0 - Wavelet sharpening", "filters: wavelets.sharpen",
                 "nebulayer.stars 1.0.0 - Star reduction", "filters: stars.reduce, stars.mask",
                 "nebulayer.flatfield 1.0.0 - Synthetic flat", "filters: flatfield.vignetting"):
        assert line in out
    assert "NOT LOADED" not in out
