"""Plate solving with astrometry.net's ``solve-field`` (or ASTAP's ``astap_cli``) as a
cancellable subprocess job.

The image goes to the solver as a temporary FITS written top row first, so the WCS it returns
is already an array WCS (row 0 = top). The solver runs in its own process group, killed on
cancel or time-out. Index files: the folders of ``add_path`` in /etc/astrometry.cfg plus
``NEBULAYER_ASTROMETRY_INDEX`` (folders separated by ``:``), passed through our own backend
config so both are searched.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from astropy.wcs import WCS

from editor.astrometry.hints import SolveHints, hints_from_header
from editor.astrometry.wcs import PlateSummary, summarise
from editor.errors import NebulayerError
from editor.jobs.progress import CancelToken, Cancelled, Progress
from editor.locale import _

SYSTEM_CONFIG = Path("/etc/astrometry.cfg")
ENV_INDEX = "NEBULAYER_ASTROMETRY_INDEX"
#: Narrowest field (arcmin) each index series solves reliably (astrometry.net's table: index
#: scale 0 covers 2-2.8', each step x1.4; Tycho-2's 07..19 start at scale 7, ~22').
SERIES_MIN_FIELD = {"tycho2": 22.0, "4100": 11.0, "4200": 2.0, "5000": 2.0, "5200": 2.0}


class SolveError(NebulayerError):
    """A plate could not be solved; the message says why and what to do, in one line."""


@dataclass
class Solution:
    wcs: WCS  # array order (row 0 = top)
    summary: PlateSummary
    backend: str
    seconds: float


def index_dirs() -> list[Path]:
    """Folders holding astrometry.net index files: $NEBULAYER_ASTROMETRY_INDEX first, then
    the add_path lines of /etc/astrometry.cfg."""
    dirs = [Path(p) for p in os.environ.get(ENV_INDEX, "").split(os.pathsep) if p.strip()]
    if SYSTEM_CONFIG.is_file():
        for line in SYSTEM_CONFIG.read_text(errors="replace").splitlines():
            parts = line.split("#", 1)[0].split()
            if len(parts) == 2 and parts[0] == "add_path":
                dirs.append(Path(parts[1]))
    seen, out = set(), []
    for d in dirs:
        if d not in seen and d.is_dir():
            seen.add(d)
            out.append(d)
    return out


def installed_series(dirs: list[Path]) -> dict[str, list[str]]:
    """Index series found (e.g. {"tycho2": ["07", ..., "19"], "5200": ["5203", ...]})."""
    found: dict[str, list[str]] = {}
    for d in dirs:
        for f in sorted(d.glob("index-*")):
            m = re.match(r"index-tycho2-(\d+)", f.name)
            if m:
                found.setdefault("tycho2", []).append(m.group(1))
                continue
            m = re.match(r"index-(\d{4})", f.name)
            if m:
                found.setdefault(m.group(1)[:2] + "00", []).append(m.group(1))
    return {k: sorted(set(v)) for k, v in found.items()}


def narrowest_field(series: dict[str, list[str]]) -> float | None:
    widths = [SERIES_MIN_FIELD.get(k, 2.0) for k in series]
    return min(widths) if widths else None


def describe_series(series: dict[str, list[str]]) -> str:
    parts = []
    for k, v in series.items():
        name = "Tycho-2" if k == "tycho2" else f"{k} series"
        parts.append(f"{name} ({v[0]}-{v[-1]})" if len(v) > 1 else f"{name} ({v[0]})")
    return ", ".join(parts) or "none"


def _no_solution(series: dict[str, list[str]], field: float | None, why: str,
                 timed_out: bool = False) -> SolveError:
    narrow = narrowest_field(series)
    if timed_out:
        # Not a verdict on the index files: a busy machine or a blind search ran out of time
        # (the 12' 2MASS J frame solves with Tycho-2 in ~40 s when the machine is quiet).
        size = f" for a {field:.0f}' field" if field is not None else ""
        return SolveError(_("no solution{size} {why}: the time limit was reached; allow more time "
                          "(--timeout), give hints (RA/Dec, FOCALLEN + XPIXSZ), or install the "
                          "4100/5200 index series for narrow fields ({describe_series} "
                          "is installed)").format(size=size, why=why, describe_series=describe_series(series)))
    if field is not None and narrow is not None and field < narrow * 1.1:
        return SolveError(
            _("no solution with the installed index files for a {field:.0f}' field: "
            "{describe_series} covers fields wider than ~{narrow:.0f}'; install the "
            "4100/5200 series (astrometry-data-* or index-52xx files) and point {ENV_INDEX} "
            "(or astrometry.cfg add_path) to them").format(field=field, describe_series=describe_series(series), narrow=narrow, ENV_INDEX=ENV_INDEX))
    size = f" for a {field:.0f}' field" if field is not None else ""
    return SolveError(_("no solution{size} with the installed index files "
                      "({describe_series}) {why}; give hints (RA/Dec, FOCALLEN + XPIXSZ) "
                      "or a longer time limit").format(size=size, describe_series=describe_series(series), why=why))


def _mono(pixels: np.ndarray) -> np.ndarray:
    m = pixels if pixels.ndim == 2 else np.nanmean(pixels, axis=2)
    m = np.asarray(m, dtype=np.float32)
    bad = ~np.isfinite(m)
    if bad.any():
        m = np.where(bad, np.float32(np.nanmedian(m)) if (~bad).any() else 0, m)
    return m


def _run(cmd: list[str], timeout: float, cancel: CancelToken | None, progress: Progress | None,
         cwd: Path) -> tuple[int, str]:
    """Run ``cmd`` in its own process group; kill the group on cancel or time-out."""
    log = (cwd / "solver.log").open("w")
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    start = time.monotonic()
    try:
        while proc.poll() is None:
            elapsed = time.monotonic() - start
            if cancel is not None and cancel.cancelled:
                raise Cancelled()
            if elapsed > timeout + 5:  # the solver's own limit (cpulimit) did not stop it
                raise TimeoutError
            if progress is not None:
                progress(min(0.95, elapsed / max(timeout, 1e-3)))
            time.sleep(0.1)
    except BaseException:
        _kill(proc)
        raise
    finally:
        log.close()
    return proc.returncode, (cwd / "solver.log").read_text(errors="replace")


def _kill(proc: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=2)
            return
        except subprocess.TimeoutExpired:
            continue


def _write_input(pixels: np.ndarray, path: Path) -> None:
    from astropy.io import fits

    # Rows as in memory (top first): FITS pixel y = row + 1, so the WCS comes back in array order.
    fits.PrimaryHDU(_mono(pixels)).writeto(path, overwrite=True)


def solve_field(pixels: np.ndarray, hints: SolveHints | None = None, *, timeout: float = 120.0,
                cancel: CancelToken | None = None, progress: Progress | None = None) -> Solution:
    """Solve with astrometry.net's solve-field; SolveError with the reason on failure."""
    exe = shutil.which("solve-field")
    if exe is None:
        raise SolveError(_("plate solving needs astrometry.net's solve-field (Debian/Ubuntu: "
                         "apt install astrometry.net astrometry-data-tycho2)"))
    dirs = index_dirs()
    series = installed_series(dirs)
    if not series:
        raise SolveError(_("no astrometry.net index files found (looked in "
                         "{text}); install astrometry-data-tycho2 "
                         "or point {ENV_INDEX} to a folder of index-*.fits files").format(text=', '.join(map(str, dirs)) or 'nothing', ENV_INDEX=ENV_INDEX))
    hints = hints or SolveHints()
    shape = pixels.shape[:2]
    start = time.monotonic()
    files = index_files(dirs)
    if hints.scale_low and hints.scale_high:
        passes = [files]  # astrometry.net keeps only the indexes that fit the scale range
    else:
        # Blind: one index scale at a time, narrow fields first. All at once, the engine
        # spends its time in the wide-field indexes (measured: 2MASS 1 deg field, index 07
        # alone 41 s, 07-10 together 60 s, all 13 Tycho-2 files > 200 s).
        passes = _blind_passes(files)
    with tempfile.TemporaryDirectory(prefix="nebulayer-solve-") as tmp:
        work = Path(tmp)
        _write_input(pixels, work / "image.fits")
        wcs_file = work / "image.wcs"
        log = ""
        timed_out = False
        for k, group in enumerate(passes):
            left = timeout - (time.monotonic() - start)
            if left < 1:
                timed_out = True
                break
            cfg = work / "backend.cfg"
            cfg.write_text("".join(f"index {f}\n" for f in group) + f"cpulimit {int(left)}\n")
            cmd = [exe, "--no-plots", "--overwrite", "--dir", str(work), "--backend-config",
                   str(cfg), "--cpulimit", str(max(1, int(left))), "--crpix-center",
                   "--new-fits", "none", "--corr", "none", "--rdls", "none", "--match", "none",
                   "--index-xyls", "none", "--temp-axy"]
            if max(shape) > 3000:
                cmd += ["--downsample", "2"]
            if hints.scale_low and hints.scale_high:
                cmd += ["--scale-units", "arcsecperpix", "--scale-low", f"{hints.scale_low:.6g}",
                        "--scale-high", f"{hints.scale_high:.6g}"]
            if hints.ra_deg is not None and hints.dec_deg is not None:
                cmd += ["--ra", f"{hints.ra_deg:.6f}", "--dec", f"{hints.dec_deg:.6f}",
                        "--radius", f"{hints.radius_deg or 2.0:.3f}"]
            cmd.append(str(work / "image.fits"))
            sub = None if progress is None else (
                lambda f, k=k: progress((k + f) / len(passes)))
            try:
                code, log = _run(cmd, left, cancel, sub, work)
            except TimeoutError:
                timed_out = True
                break
            if wcs_file.is_file():
                break
            if code != 0 and "Traceback" in log:
                last = [ln for ln in log.splitlines() if ln.strip()][-1:]
                raise SolveError(_("solve-field failed: {text}").format(text=' '.join(last)[:200]))
        if not wcs_file.is_file():
            timed_out = timed_out or time.monotonic() - start >= timeout - 1
            raise _no_solution(series, hints.field_arcmin(shape), f"within {timeout:g} s",
                               timed_out)
        from astropy.io import fits

        from editor.io.wcs import header_wcs

        wcs = header_wcs(dict(fits.getheader(wcs_file)))
    if wcs is None:
        raise SolveError(_("solve-field reported a solution but its WCS file could not be read"))
    if progress is not None:
        progress(1.0)
    return Solution(wcs, summarise(wcs, shape), "astrometry.net", time.monotonic() - start)


def index_files(dirs: list[Path]) -> list[Path]:
    return [f for d in dirs for f in sorted(d.glob("index-*.fits"))]


def _blind_passes(files: list[Path]) -> list[list[Path]]:
    """Index files grouped by scale, narrowest first: Tycho-2 07, 08, 09, 10, then 11-19;
    other series (41xx/52xx...) by their scale number, two scales per pass."""
    def scale_of(f: Path) -> int:
        m = re.match(r"index-tycho2-(\d+)", f.name)
        if m:
            return int(m.group(1))
        m = re.match(r"index-\d\d(\d\d)", f.name)
        return int(m.group(1)) if m else 99

    groups: dict[int, list[Path]] = {}
    for f in files:
        sc = scale_of(f)
        groups.setdefault(sc if sc <= 10 else 11 + (sc > 19), []).append(f)
    return [groups[k] for k in sorted(groups)]


def astap_available() -> tuple[str, Path] | None:
    """(executable, star database folder) when ASTAP and one of its databases are installed."""
    exe = shutil.which("astap_cli") or shutil.which("astap-cli") or shutil.which("astap")
    if exe is None:
        return None
    for d in (os.environ.get("NEBULAYER_ASTAP_DB", ""), "/opt/astap", "/usr/share/astap",
              "/usr/local/share/astap", str(Path.home() / ".astap")):
        if d and Path(d).is_dir() and any(Path(d).glob("*.1476")) or (
                d and Path(d).is_dir() and any(Path(d).glob("*.290"))):
            return exe, Path(d)
    return None


def solve_astap(pixels: np.ndarray, hints: SolveHints | None = None, *, timeout: float = 120.0,
                cancel: CancelToken | None = None, progress: Progress | None = None) -> Solution:
    """Solve with ASTAP's command-line solver (needs one of its star databases, D05..D80)."""
    found = astap_available()
    if found is None:
        raise SolveError(_("ASTAP is not installed with a star database (astap_cli plus e.g. "
                         "the D50 database in /opt/astap, or NEBULAYER_ASTAP_DB)"))
    exe, db = found
    hints = hints or SolveHints()
    shape = pixels.shape[:2]
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="nebulayer-astap-") as tmp:
        work = Path(tmp)
        _write_input(pixels, work / "image.fits")
        cmd = [exe, "-f", str(work / "image.fits"), "-d", str(db), "-wcs", "-r",
               f"{(hints.radius_deg or 180.0):g}"]
        field = hints.field_arcmin(shape)
        if field is not None:
            cmd += ["-fov", f"{min(shape) * (hints.scale_low + hints.scale_high) / 2 / 3600:.4f}"]
        if hints.ra_deg is not None and hints.dec_deg is not None:
            cmd += ["-ra", f"{hints.ra_deg / 15.0:.6f}", "-spd", f"{hints.dec_deg + 90.0:.6f}"]
        try:
            _run(cmd, timeout, cancel, progress, work)
        except TimeoutError:
            raise SolveError(_("ASTAP found no solution within {timeout:g} s").format(timeout=timeout)) from None
        wcs_file = work / "image.wcs"
        if not wcs_file.is_file():
            raise SolveError(_("ASTAP found no solution (wrong star database for this field size?)"))
        from astropy.io import fits

        from editor.io.wcs import header_wcs

        wcs = header_wcs(dict(fits.getheader(wcs_file)))
    if wcs is None:
        raise SolveError(_("ASTAP reported a solution but its WCS file could not be read"))
    return Solution(wcs, summarise(wcs, shape), "ASTAP", time.monotonic() - start)


def solve_image(pixels: np.ndarray, header: Mapping[str, Any] | None = None, *,
                backend: str = "auto", timeout: float = 120.0, use_hints: bool = True,
                cancel: CancelToken | None = None, progress: Progress | None = None) -> Solution:
    """Solve an image (top row first); hints from ``header``. ``backend``: "astrometry",
    "astap" or "auto" (astrometry.net, else ASTAP when it is installed)."""
    hints = hints_from_header(header or {}, pixels.shape[:2]) if use_hints else SolveHints()
    if backend == "astap" or (backend == "auto" and shutil.which("solve-field") is None
                              and astap_available() is not None):
        return solve_astap(pixels, hints, timeout=timeout, cancel=cancel, progress=progress)
    if backend not in ("auto", "astrometry"):
        raise SolveError(_("unknown solver {backend!r} (auto, astrometry or astap)").format(backend=backend))
    return solve_field(pixels, hints, timeout=timeout, cancel=cancel, progress=progress)
