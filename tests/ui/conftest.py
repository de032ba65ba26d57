"""Fixtures for the editor window tests: an isolated settings/recovery folder, the real
window, captured message boxes, and helpers to wait for jobs and renders."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Recovery files and QSettings (recent files) go to a temporary folder."""
    from PyQt6.QtCore import QSettings

    data = tmp_path / "userdata"
    monkeypatch.setenv("NEBULAYER_DATA_DIR", str(data))
    monkeypatch.setenv("NEBULAYER_CONFIG_DIR", str(tmp_path / "config"))  # settings.ini (editor.paths)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    return data


class Dialogs:
    """Every QMessageBox the code under test opened: (kind, title, text)."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str, str]] = []
        self.answer: Any = None

    def texts(self, kind: str | None = None) -> list[str]:
        return [t for k, _title, t in self.shown if kind is None or k == kind]


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    from PyQt6.QtWidgets import QMessageBox

    d = Dialogs()
    SB = QMessageBox.StandardButton

    def record(kind: str, default: Any):
        def fn(parent: Any, title: str, text: str, *args: Any, **kwargs: Any) -> Any:
            d.shown.append((kind, title, text))
            return d.answer if (kind == "question" and d.answer is not None) else default
        return fn

    monkeypatch.setattr(QMessageBox, "critical", staticmethod(record("critical", SB.Ok)))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(record("warning", SB.Ok)))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(record("information", SB.Ok)))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(record("question", SB.Discard)))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: d.shown.append(("exec", self.windowTitle(), self.text())) or 0)
    return d


@pytest.fixture
def window(qtbot: Any, dialogs: Dialogs):
    """The real main window (no sample project, no recovery prompt)."""
    from editor.ui.shell.app import create_window, make_application

    make_application()
    win = create_window([], offer_recovery=False, open_sample=False)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    yield win
    win.editor.renderer.shutdown()


@pytest.fixture
def french(monkeypatch: pytest.MonkeyPatch):
    """The UI in French for one test (the application's translators installed), English after."""
    from PyQt6.QtWidgets import QApplication

    from editor.ui.common import i18n
    from editor.ui.shell.app import make_application

    monkeypatch.setenv("NEBULAYER_LANG", "fr")
    make_application()
    assert i18n.install(QApplication.instance()) == "fr"
    yield
    monkeypatch.setenv("NEBULAYER_LANG", "en")
    i18n.install(QApplication.instance())
