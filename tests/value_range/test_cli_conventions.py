"""Command-line conventions: --version, help on every option, exit codes, `info` from headers
only, and a --help that imports neither Qt nor the acquisition/stacking/review stacks
(issue 11)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
from astropy.io import fits

from editor import __version__
from editor.cli import SUBCOMMANDS, _build_parser, main

REPO = Path(__file__).resolve().parents[2]


def nebulayer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "editor.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=REPO)


def test_version_prints_the_package_version():
    result = nebulayer("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"nebulayer {__version__}"


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_option_of_every_sub_command_has_help_text(command):
    parser = _build_parser(command)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    # (help=argparse.SUPPRESS is a deliberately hidden option, not a missing text)
    missing = [a.option_strings or a.dest for a in sub.choices[command]._actions
               if not isinstance(a, argparse._HelpAction) and not a.help]
    assert not missing, f"{command}: no help for {missing}"


def test_help_imports_neither_qt_nor_the_heavy_sub_command_stacks():
    code = ("import sys\nfrom editor.cli import main\ntry:\n    main(['--help'])\n"
            "except SystemExit:\n    pass\n"
            "heavy = ('PyQt6', 'pyqtgraph', 'editor.acquisition', 'editor.stacking', "
            "'editor.review', 'astropy', 'scipy', 'filters')\n"
            "print(sorted({m.split('.')[0] if not m.startswith('editor.') else "
            "'.'.join(m.split('.')[:2]) for m in sys.modules if m.startswith(heavy)}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_a_sub_command_help_still_lists_its_own_options():
    result = nebulayer("capture", "--help")
    assert result.returncode == 0 and "--exposure" in result.stdout


def test_info_describes_a_22_gib_fits_from_its_header_without_reading_pixels(tmp_path):
    header = fits.Header()
    header["SIMPLE"], header["BITPIX"], header["NAXIS"] = True, -32, 2
    header["NAXIS1"], header["NAXIS2"], header["OBJECT"] = 77000, 76000, "M31 mosaic"
    raw = header.tostring().encode("ascii")
    raw += b" " * (-len(raw) % 2880)
    data_bytes = 77000 * 76000 * 4
    path = tmp_path / "huge.fits"
    with open(path, "wb") as fh:  # a sparse file: the header, then a hole of 21.8 GiB
        fh.write(raw)
        fh.truncate(len(raw) + data_bytes + (-data_bytes % 2880))
    if os.stat(path).st_blocks * 512 > 1 << 20:
        pytest.skip("this filesystem does not make sparse files")
    result = nebulayer("info", str(path))
    assert result.returncode == 0, result.stderr
    assert "77000 x 76000" in result.stdout and "21.8 GiB" in result.stdout
    assert "OBJECT: M31 mosaic" in result.stdout and "data range: not read" in result.stdout


def test_exit_codes_usage_and_user_errors_are_2_internal_errors_1(tmp_path, monkeypatch,
                                                                    capsys):
    assert nebulayer("convert", "only-one-argument").returncode == 2  # usage
    assert nebulayer("info", str(tmp_path / "missing.fits")).returncode == 2  # user error
    import editor.plugins.registry as registry

    def broken() -> str:
        raise RuntimeError("a bug")

    monkeypatch.setattr(registry, "describe_installed", broken)
    assert main(["plugins"]) == 1  # a bug: one line, status 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "internal error" in err[0]
