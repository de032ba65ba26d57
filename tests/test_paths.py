"""Settings, recovery files, plugins, samples and captures live in the platform's standard
folders (platformdirs), one folder per kind, with the environment overrides kept."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest


def test_one_config_and_one_data_folder_hold_everything(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from editor import paths
    from editor.acquisition.settings import config_dir as acquisition_config
    from editor.plugins.discovery import default_plugin_folders
    from editor.project.recovery import recovery_dir

    for var in ("NEBULAYER_CONFIG_DIR", "NEBULAYER_DATA_DIR", "NEBULAYER_PLUGIN_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda app: str(tmp_path / "cfg" / app))
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda app: str(tmp_path / "share" / app))
    config, data = tmp_path / "cfg" / "nebulayer", tmp_path / "share" / "nebulayer"
    assert acquisition_config() == config
    assert paths.settings_file() == config / "settings.ini"
    assert default_plugin_folders() == [config / "plugins"]
    assert recovery_dir() == data / "recovery"


def test_environment_overrides_are_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    from editor.acquisition.settings import config_dir as acquisition_config
    from editor.plugins.discovery import default_plugin_folders
    from editor.project.recovery import recovery_dir

    monkeypatch.setenv("NEBULAYER_CONFIG_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("NEBULAYER_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("NEBULAYER_PLUGIN_DIR", os.pathsep.join([str(tmp_path / "p1"), str(tmp_path / "p2")]))
    assert acquisition_config() == tmp_path / "c"
    assert recovery_dir() == tmp_path / "d" / "recovery"
    assert default_plugin_folders() == [tmp_path / "p1", tmp_path / "p2"]


def test_captures_go_to_the_desktops_pictures_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from editor import paths

    monkeypatch.setattr(platformdirs, "user_pictures_dir", lambda: str(tmp_path / "Images"))
    assert paths.captures_dir() == tmp_path / "Images" / "Nebulayer captures"


def test_recent_files_and_language_share_the_settings_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pytest.importorskip("PyQt6")
    from editor.ui.common import i18n
    from editor.ui.shell.recent_files import settings

    monkeypatch.setenv("NEBULAYER_CONFIG_DIR", str(tmp_path))
    i18n.save_language("ja")
    assert Path(settings().fileName()) == tmp_path / "settings.ini"
    assert settings().value("language") == "ja" and i18n.saved_language() == "ja"
    monkeypatch.delenv("NEBULAYER_LANG", raising=False)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert i18n.current_language() == "ja"  # the menu's choice beats the system locale
    i18n.save_language("")
    assert i18n.current_language() == "fr"  # "System language": LANG
