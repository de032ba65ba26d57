"""A plugin folder or file that someone else could have written is refused, as ssh refuses
keys others can change: a warning, listed by `nebulayer plugins`, and its code never runs."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from editor.plugins.registry import Registry

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX mode bits")

INIT = """
    from pathlib import Path
    Path(__file__).with_name("RAN").write_text("code ran")
    from filters.registry import FilterSpec
    def plugin_manifest():
        return {"id": "club.noop", "name": "Noop", "version": "1",
                "filters": [FilterSpec(id="club.noop", name="Noop", func=lambda img, *, progress=None: img)]}
"""


def _plugin(root: Path) -> Path:
    folder = root / "noop"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(textwrap.dedent(INIT))
    os.chmod(root, 0o755)
    os.chmod(folder, 0o755)
    os.chmod(folder / "__init__.py", 0o644)
    return folder


def test_a_plugin_only_its_owner_can_change_loads(tmp_path):
    folder = _plugin(tmp_path / "plugins")
    reg = Registry.discover(entry_points=[], folders=[tmp_path / "plugins"])
    assert reg.plugin("club.noop").loaded and (folder / "RAN").exists()


@pytest.mark.parametrize("what, mode", [("folder", 0o777), ("file", 0o666), ("root", 0o777),
                                        ("folder", 0o775)])
def test_a_plugin_others_can_write_is_refused_with_a_reason_and_never_runs(tmp_path, caplog, what, mode):
    root = tmp_path / "plugins"
    folder = _plugin(root)
    target = {"folder": folder, "file": folder / "__init__.py", "root": root}[what]
    os.chmod(target, mode)
    import grp

    if mode == 0o775 and set(grp.getgrgid(os.getgid()).gr_mem) <= {__import__("pwd").getpwuid(os.getuid()).pw_name}:
        # The user's private group may write (Debian's scheme): put the folder in another group.
        others = [g.gr_gid for g in grp.getgrall() if g.gr_gid != os.getgid()]
        if os.getuid() != 0 or not others:
            pytest.skip("needs root to give the folder another group")
        os.chown(target, -1, others[0])
    reg = Registry.discover(entry_points=[], folders=[root])
    assert not (folder / "RAN").exists(), "the refused plugin's code ran"
    info = next(p for p in reg.plugins if p.origin == f"folder {folder}")
    assert not info.loaded and "writable by" in info.error and str(target) in info.error
    assert "\n" not in info.error and "Traceback" not in info.error
    assert any("refused" in r.getMessage() for r in caplog.records)
    assert reg.get("club.noop") is None


def test_a_plugin_file_owned_by_another_user_is_refused(tmp_path):
    if os.getuid() != 0:
        pytest.skip("only root can give a file to another user")
    root = tmp_path / "plugins"
    folder = _plugin(root)
    os.chown(folder / "__init__.py", 4242, -1)
    reg = Registry.discover(entry_points=[], folders=[root])
    info = next(p for p in reg.plugins if p.origin == f"folder {folder}")
    assert not info.loaded and "belongs to another user" in info.error
    assert not (folder / "RAN").exists()
