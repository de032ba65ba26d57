"""Finding plugins in installed distributions and in the user's folder; broken ones recorded."""

from __future__ import annotations

import os

import numpy as np
import pytest

from editor.plugins.discovery import default_plugin_folders
from editor.plugins.registry import (
    Registry,
    describe_installed,
    get_registry,
    provenance,
    set_registry,
    using_registry,
)


def test_builtin_filters_enter_through_the_entry_point_and_keep_source_builtin():
    reg = Registry.discover(folders=[])
    builtin = reg.plugin("nebulayer.builtin")
    assert builtin is not None and builtin.loaded and builtin.builtin
    assert "filters:plugin_manifest" in builtin.origin
    assert all(s.source == "builtin" for s in reg.specs())
    assert reg.plugins[0] is builtin  # loaded first, so no plugin can take a built-in id


def test_plugin_from_an_installed_distribution_is_found_through_its_entry_point(make_distribution):
    make_distribution("nebulayer-fakewave", "fakewave_mod", pid="org.fake.wave", fid="fake.wave")
    reg = Registry.discover(folders=[])
    info = reg.plugin("org.fake.wave")
    assert info is not None and info.loaded, info and info.error
    assert "nebulayer-fakewave 1.0" in info.origin and "fakewave_mod:plugin_manifest" in info.origin
    spec = reg.get("fake.wave")
    assert spec.source == "org.fake.wave"
    out = spec.func(np.zeros((2, 3), np.float32), amount=0.5)
    assert np.allclose(out, 0.5)


def test_plugin_folder_package_is_imported_with_relative_imports(make_folder_plugin):
    init = '''
        from .impl import invert
        from filters.registry import FilterSpec
        def plugin_manifest():
            return {"id": "club.invert", "name": "Invert", "version": "0.3",
                    "filters": [FilterSpec(id="club.invert", name="Invert", func=invert)]}
    '''
    impl = '''
        def invert(img, *, progress=None):
            return 1.0 - img
    '''
    folder = make_folder_plugin("invert", init, extra={"impl.py": impl})
    reg = Registry.discover(entry_points=[], folders=[folder])
    info = reg.plugin("club.invert")
    assert info.loaded and info.origin == f"folder {folder / 'invert'}"
    assert reg.get("club.invert").func(np.float32([[0.25]]))[0, 0] == pytest.approx(0.75)
    assert reg.provenance("club.invert") == ("club.invert", "0.3")


def test_two_folders_with_the_same_package_name_do_not_collide(tmp_path, make_folder_plugin):
    first = make_folder_plugin("same", pid="a.same", fid="a.filter")
    second = tmp_path / "other"
    (second / "same").mkdir(parents=True)
    (second / "same" / "__init__.py").write_text(
        (first / "same" / "__init__.py").read_text().replace("a.same", "b.same").replace("a.filter", "b.filter"))
    reg = Registry.discover(entry_points=[], folders=[first, second])
    assert reg.get("a.filter") is not None and reg.get("b.filter") is not None


def test_rediscovery_sees_the_folders_current_code(make_folder_plugin):
    folder = make_folder_plugin("evolving", version="1.0")
    assert Registry.discover(entry_points=[], folders=[folder]).plugin("test.evolving").version == "1.0"
    make_folder_plugin("evolving", version="2.0")
    assert Registry.discover(entry_points=[], folders=[folder]).plugin("test.evolving").version == "2.0"


def test_plugin_folder_comes_from_env_then_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("NEBULAYER_PLUGIN_DIR", f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}")
    assert default_plugin_folders() == [tmp_path / "a", tmp_path / "b"]
    monkeypatch.delenv("NEBULAYER_PLUGIN_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert default_plugin_folders() == [tmp_path / "cfg" / "nebulayer" / "plugins"]
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_plugin_folders() == [tmp_path / "home" / ".config" / "nebulayer" / "plugins"]


def test_discover_reads_the_folder_named_by_the_environment(monkeypatch, make_folder_plugin):
    folder = make_folder_plugin("fromenv")
    monkeypatch.setenv("NEBULAYER_PLUGIN_DIR", str(folder))
    assert Registry.discover(entry_points=[]).plugin("test.fromenv").loaded


@pytest.mark.parametrize("body, expected", [
    ("import no_such_module_xyz\n", "ModuleNotFoundError: No module named 'no_such_module_xyz'"),
    ("def plugin_manifest(:\n", "SyntaxError"),
    ("raise SystemExit(3)\n", "SystemExit: 3"),
    ("X = 1\n", "defines no plugin_manifest() function"),
    ("def plugin_manifest():\n    raise RuntimeError('no licence key')\n", "RuntimeError: no licence key"),
    ("def plugin_manifest():\n    return ['not', 'a', 'dict']\n", "the manifest must be a dict"),
])
def test_a_broken_plugin_is_recorded_and_the_others_still_load(make_folder_plugin, body, expected):
    make_folder_plugin("a_broken", body)
    folder = make_folder_plugin("b_good")
    reg = Registry.discover(entry_points=[], folders=[folder])
    broken = reg.plugin("a_broken")
    assert broken is not None and not broken.loaded
    assert expected in broken.error
    assert reg.plugin("test.b_good").loaded and reg.get("b_good.brighten") is not None


def test_import_error_message_points_at_the_plugins_line(make_folder_plugin):
    folder = make_folder_plugin("trace", "x = 1\nraise ValueError('bad config')\n")
    error = Registry.discover(entry_points=[], folders=[folder]).plugin("trace").error
    assert f"{folder / 'trace' / '__init__.py'}:2" in error


def test_a_broken_entry_point_is_recorded_without_stopping_discovery(make_distribution):
    make_distribution("broken-dist", "broken_ep_mod", "import does_not_exist_abc\n")
    make_distribution("fine-dist", "fine_ep_mod", pid="fine.plugin")
    reg = Registry.discover(folders=[])
    broken = reg.plugin("main") or next(p for p in reg.plugins if "broken-dist" in p.origin)
    assert "does_not_exist_abc" in broken.error and "broken-dist" in broken.origin
    assert reg.plugin("fine.plugin").loaded
    assert reg.plugin("nebulayer.builtin").loaded


MANIFEST_PROBLEMS = {
    "no id": ({"name": "x", "version": "1"}, "'id' must be"),
    "future api": ({"id": "p", "version": "1", "api_version": 2}, "api_version 2 is not supported"),
    "no version": ({"id": "p"}, "'version' must be"),
    "filters not a list": ({"id": "p", "version": "1", "filters": "f"}, "'filters' must be a list"),
    "not a spec": ({"id": "p", "version": "1", "filters": [42]}, "expected a FilterSpec"),
    "bad category": ({"id": "p", "version": "1", "filters": [
        {"id": "f", "name": "F", "func": lambda img, progress=None: img, "category": "brush"}]},
        "category must be"),
    "bad default": ({"id": "p", "version": "1", "filters": [
        {"id": "f", "name": "F", "func": lambda img, *, progress=None, k=1: img,
         "params": [{"name": "k", "kind": "float", "default": 5, "min": 0, "max": 1}]}]},
        "k: 5.0 is above the maximum 1"),
    "unknown kind": ({"id": "p", "version": "1", "filters": [
        {"id": "f", "name": "F", "func": lambda img, *, progress=None, k=1: img,
         "params": [{"name": "k", "kind": "colour", "default": 1}]}]}, "kind 'colour'"),
    "func lacks param": ({"id": "p", "version": "1", "filters": [
        {"id": "f", "name": "F", "func": lambda img: img,
         "params": [{"name": "k", "kind": "int", "default": 1}]}]},
        "does not accept keyword argument(s) k, progress"),
    "duplicate filter": ({"id": "p", "version": "1", "filters": [
        {"id": "f", "name": "F", "func": lambda img, progress=None: img},
        {"id": "f", "name": "F", "func": lambda img, progress=None: img}]}, "appears twice"),
    "bad reader ext": ({"id": "p", "version": "1", "readers": [
        {"extensions": ["xyz"], "read": print}]}, "invalid extension"),
    "unhashable kind": ({"id": "p", "version": "1", "filters": [
        {"id": "f", "name": "F", "func": lambda img, *, progress=None, k=1: img,
         "params": [{"name": "k", "kind": ["float"], "default": 1}]}]}, "invalid manifest: TypeError"),
    "reader not callable": ({"id": "p", "version": "1", "readers": [
        {"extensions": [".xyz"], "read": "open"}]}, "'read' must be callable"),
}


@pytest.mark.parametrize("manifest, expected", MANIFEST_PROBLEMS.values(), ids=MANIFEST_PROBLEMS.keys())
def test_an_invalid_manifest_is_refused_with_a_reason_and_registers_nothing(manifest, expected):
    reg = Registry()
    info = reg.add_manifest(manifest, "test")
    assert not info.loaded and expected in info.error
    assert reg.specs() == [] and reg.readers == {} and info in reg.plugins


def test_every_problem_of_a_manifest_is_listed_at_once():
    info = Registry().add_manifest({"id": "", "version": None, "api_version": 9}, "test")
    assert "'id' must be" in info.error and "api_version 9" in info.error and "'version'" in info.error


def test_filters_declared_as_plain_dicts_are_accepted():
    reg = Registry()
    info = reg.add_manifest({"id": "dicts", "version": "1", "filters": [
        {"id": "dicts.gain", "name": "Gain", "func": lambda img, *, progress=None, g=2.0: img * g,
         "params": [{"name": "g", "kind": "float", "default": 2.0, "min": 0}], "category": "adjustment"}]},
        "test")
    assert info.loaded, info.error
    spec = reg.get("dicts.gain")
    assert spec.source == "dicts" and spec.param("g").min == 0


def test_duplicate_plugin_id_keeps_the_first_and_records_the_second(make_folder_plugin):
    make_folder_plugin("one", pid="same.id", fid="one.f")
    folder = make_folder_plugin("two", pid="same.id", fid="two.f")
    reg = Registry.discover(entry_points=[], folders=[folder])
    first, second = [p for p in reg.plugins if p.id == "same.id"]
    assert first.loaded and "one" in first.origin
    assert not second.loaded and "already provided by folder" in second.error
    assert reg.get("one.f") is not None and reg.get("two.f") is None


def test_a_plugin_cannot_take_a_builtin_or_another_plugins_filter_id():
    reg = Registry()
    reg.add_manifest({"id": "first", "version": "1", "filters": [
        {"id": "levels", "name": "L", "func": lambda img, progress=None: img}]}, "builtin", builtin=True)
    info = reg.add_manifest({"id": "thief", "version": "1", "filters": [
        {"id": "mine", "name": "M", "func": lambda img, progress=None: img},
        {"id": "levels", "name": "L", "func": lambda img, progress=None: img}]}, "test")
    assert not info.loaded and "filter id 'levels' is already provided by plugin 'first'" in info.error
    assert reg.get("mine") is None  # a refused plugin registers nothing at all
    assert reg.get("levels").source == "builtin"


def test_provenance_names_the_plugin_and_version_only_for_third_party_filters(make_folder_plugin):
    folder = make_folder_plugin("prov", pid="org.prov", fid="prov.f", version="2.1")
    reg = Registry.discover(folders=[folder])
    with using_registry(reg):
        assert provenance("prov.f") == ("org.prov", "2.1")
        assert provenance("no.such.filter") is None
        for spec in reg.specs():
            if spec.source == "builtin":
                assert provenance(spec.id) is None


def test_missing_reason_tells_the_user_what_to_install(make_folder_plugin):
    make_folder_plugin("broken", "raise ImportError('needs torch')\n")
    folder = make_folder_plugin("old", pid="org.old", fid="old.f", version="1.0")
    reg = Registry.discover(entry_points=[], folders=[folder])
    assert reg.missing_reason("old.f") == ""
    assert reg.missing_reason("x.f", "org.absent", "3.0") == "'x.f' needs plugin 'org.absent' 3.0, which is not installed"
    assert "failed to load: ImportError: needs torch" in reg.missing_reason("b.f", "broken")
    assert "installed version 1.0 does not provide it" in reg.missing_reason("old.g", "org.old", "2.0")


def test_describe_lists_origin_provided_items_and_errors(make_folder_plugin):
    make_folder_plugin("bad", "raise RuntimeError('boom')\n")
    folder = make_folder_plugin("nice", pid="org.nice", fid="nice.f", version="0.9")
    with using_registry(Registry.discover(folders=[folder])):
        text = describe_installed()
    assert "nebulayer.builtin" in text
    assert "org.nice 0.9 - Test plugin org.nice" in text
    assert f"from: folder {folder / 'nice'}" in text and "filters: nice.f" in text
    assert "bad ? - bad  [NOT LOADED]" in text and "RuntimeError: boom" in text
    assert "1 failed" in text


def test_using_registry_swaps_and_restores_the_process_registry():
    outer = get_registry()
    mine = Registry()
    with using_registry(mine):
        assert get_registry() is mine
    assert get_registry() is outer
    old = set_registry(None)
    try:
        fresh = get_registry()
        assert fresh is not outer and fresh.plugin("nebulayer.builtin").loaded
    finally:
        set_registry(old)


def test_unknown_manifest_keys_are_warnings_not_errors():
    info = Registry().add_manifest({"id": "p", "version": "1", "colour": "red", "filters": [
        {"id": "p.f", "name": "F", "func": lambda img, progress=None: img}]}, "test")
    assert info.loaded and info.warnings == ["unknown manifest key(s) ignored: colour"]


def test_registry_lists_only_the_requested_category():
    reg = Registry()
    reg.add_manifest({"id": "p", "version": "1", "filters": [
        {"id": "p.adj", "name": "A", "func": lambda img, progress=None: img},
        {"id": "p.mask", "name": "M", "func": lambda img, progress=None: img[..., 0], "category": "mask"}]},
        "test")
    assert [s.id for s in reg.specs("mask")] == ["p.mask"]
    assert [s.id for s in reg.specs("adjustment")] == ["p.adj"]
