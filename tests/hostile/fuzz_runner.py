"""Running one fuzz case through the ``nebulayer`` command line and judging what it did.

In-process (fast: no interpreter start, imports paid once) with an alarm as the hang guard, or
as a subprocess that also reports its peak memory (``ru_maxrss``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from fuzz_cases import Case

REPO = Path(__file__).resolve().parents[2]
CASE_TIMEOUT_S = 20
MEMORY_BOUND_KB = 3 * 1024 * 1024  # generous: the fuzz budget is 1 GiB, Python + Qt-free libs ~300 MB


class Hang(BaseException):  # not Exception: guarded plugin calls must not swallow it
    pass


@dataclass
class Outcome:
    rc: int | None
    stdout: str
    stderr: str
    seconds: float
    maxrss_kb: int | None = None
    hang: bool = False


def _alarm(_sig, _frame):
    raise Hang()


def run_in_process(argv: list[str], capfd) -> Outcome:
    from editor.cli import main

    capfd.readouterr()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_TIMEOUT_S)
    t0 = time.perf_counter()
    hang = False
    try:
        rc: int | None = main(argv)
    except Hang:
        rc, hang = None, True
    except SystemExit as exc:  # argparse
        rc = exc.code if isinstance(exc.code, int) else 2
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    seconds = time.perf_counter() - t0
    out, err = capfd.readouterr()
    return Outcome(rc, out, err, seconds, hang=hang)


# The child's own peak: /proc's VmHWM (reset by exec). ru_maxrss is the fallback only: on Linux
# it keeps the parent's size at fork, so a big test process would be blamed on the child.
_WRAPPER = ("import resource, sys\n"
            "from editor.cli import main\n"
            "rc = main(sys.argv[1:])\n"
            "try:\n"
            "    kb = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
            "except (OSError, StopIteration):\n"
            "    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "print('MAXRSS', kb, file=sys.__stdout__)\n"
            "sys.exit(rc)\n")


def run_subprocess(argv: list[str], env: dict[str, str], cwd: Path) -> Outcome:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", _WRAPPER, *argv], capture_output=True, text=True,
                              timeout=CASE_TIMEOUT_S * 3, env=env, cwd=cwd)
    except subprocess.TimeoutExpired as exc:
        return Outcome(None, str(exc.stdout or ""), str(exc.stderr or ""), time.perf_counter() - t0, hang=True)
    lines = proc.stdout.splitlines()
    rss = None
    if lines and lines[-1].startswith("MAXRSS "):
        rss = int(lines[-1].split()[1])
        lines = lines[:-1]
    return Outcome(proc.returncode, "\n".join(lines), proc.stderr, time.perf_counter() - t0, rss)


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


def judge(case: Case, outcome: Outcome, input_path: Path, out_path: Path | None,
          new_files: set[str], allowed: set[str]) -> str | None:
    """None when the case behaved; else what went wrong (one line)."""
    err_lines = [l for l in outcome.stderr.splitlines() if l.strip()]
    if outcome.hang:
        return f"hang: no answer within {CASE_TIMEOUT_S} s"
    if "Traceback" in outcome.stderr or "Traceback" in outcome.stdout:
        return "traceback: " + " | ".join(err_lines[-3:])
    stray = new_files - allowed
    if stray:
        return f"wrote outside the output path: {sorted(stray)[:5]}"
    if outcome.maxrss_kb is not None and outcome.maxrss_kb > MEMORY_BOUND_KB:
        return f"peak memory {outcome.maxrss_kb / 1024:.0f} MB above {MEMORY_BOUND_KB / 1024:.0f} MB"
    if outcome.rc == 2:
        if len(err_lines) != 1 or not err_lines[0].startswith("nebulayer: "):
            return f"exit 2 but stderr is {len(err_lines)} lines: {' | '.join(err_lines[:4])[:400]}"
        names = {input_path.name, out_path.name if out_path else input_path.name}
        if not any(n in err_lines[0] for n in names):
            return f"error line names no file: {err_lines[0][:300]}"
        return None
    if outcome.rc != 0:
        return f"exit {outcome.rc}: {' | '.join(err_lines[:3])[:400]}"
    # Success: must be sane.
    if case.command == "info":
        if not outcome.stdout.strip():
            return "info succeeded but printed nothing"
        return None
    # Allowed on success: the "wrote" line, progress, and "nebulayer: ..." notes saying what an
    # export did to the values (rescaled, clipped); nothing else.
    extra = [l for l in err_lines if not l.startswith(("wrote ", "render", "nebulayer: "))
             and "\r" not in l and "%" not in l]
    if extra or len(err_lines) > 6:
        return f"success with library noise on stderr: {' | '.join(extra[:3])[:300]}"
    if out_path is None or not out_path.is_file() or out_path.stat().st_size == 0:
        return "success but no output file"
    from editor.io import open_image

    try:
        img = open_image(out_path)
    except Exception as exc:  # noqa: BLE001 - any failure here is the finding
        return f"success but the output does not reopen: {exc}"
    if img.data.ndim not in (2, 3) or min(img.data.shape[:2]) < 1:
        return f"success but the output has shape {img.data.shape}"
    return None


def describe(seed: int, case: Case, argv: list[str], outcome: Outcome, problem: str) -> str:
    return json.dumps({"seed": seed, "case": case.index, "id": case.id, "problem": problem,
                       "argv": argv, "rc": outcome.rc,
                       "reproduce": f"tests/hostile/fuzz_cases.py --seed {seed} --case {case.index} --write /tmp/case"})
