"""Seeded fuzzing of the command line: damaged FITS, RAW, TIFF, PNG, JPEG and .nebula files.

Every case must end in one of two ways: success with a sane output, or exactly one stderr line
``nebulayer: <file>: <problem>`` and exit status 2. Never a traceback, a hang, library chatter
before the error line, a file written anywhere but the output path, or (subprocess cases) a
peak memory above a generous bound (NEBULAYER_MEMORY_BUDGET=1G; 3 GB). The seed is fixed so CI is repeatable;
``NEBULAYER_FUZZ_SEED`` explores others, ``NEBULAYER_FUZZ_CASES`` changes the count; a failure
prints the seed and case number to reproduce it (see fuzz_cases.py).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from fuzz_bases import make_own_bases, shared_data_folder
from fuzz_cases import DEFAULT_SEED, generate, load_bases
from fuzz_runner import REPO, describe, judge, listing, run_in_process, run_subprocess

CASES = int(os.environ.get("NEBULAYER_FUZZ_CASES", "300"))
SUBPROCESS_EVERY = 50  # 6 of 300 cases run as a real process, with their peak memory measured


@pytest.mark.timeout(300)
def test_damaged_files_end_in_one_line_or_a_sane_output(tmp_path, capfd, monkeypatch):
    seed = int(os.environ.get("NEBULAYER_FUZZ_SEED", DEFAULT_SEED))
    inputs = tmp_path / "in"
    logs = tmp_path / "logs"
    monkeypatch.setenv("NEBULAYER_LOG_DIR", str(logs))
    monkeypatch.setenv("NEBULAYER_MEMORY_BUDGET", "1G")
    monkeypatch.chdir(tmp_path)
    bases = load_bases(shared_data_folder(), make_own_bases(tmp_path / "bases", inputs))
    cases = generate(bases, seed, CASES, SUBPROCESS_EVERY)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    failures: list[str] = []
    times: dict[str, float] = {}
    in_process = sub = 0
    sub_seconds = 0.0
    peak_kb = 0
    for case in cases:
        input_path = inputs / case.input_name
        out_dir = tmp_path / "out" / f"case{case.index:04d}"
        out_dir.mkdir(parents=True)
        out_path = out_dir / f"out{case.out_ext}" if case.out_ext else None
        input_path.write_bytes(case.data)
        before = listing(tmp_path)
        argv = case.argv(input_path, out_path)
        if case.subprocess:
            outcome = run_subprocess(argv, env, tmp_path)
            sub += 1
            sub_seconds += outcome.seconds
            peak_kb = max(peak_kb, outcome.maxrss_kb or 0)
        else:
            outcome = run_in_process(argv, capfd)
            in_process += 1
        after = listing(tmp_path)
        new_or_changed = {p for p, st in after.items() if before.get(p) != st}
        allowed = {str(out_path.relative_to(tmp_path))} if out_path else set()
        allowed |= {p for p in new_or_changed if p.startswith("logs/")}
        problem = judge(case, outcome, input_path, out_path, new_or_changed, allowed)
        if problem:
            failures.append(describe(seed, case, argv, outcome, problem))
        times[case.id] = outcome.seconds
        input_path.unlink()
        shutil.rmtree(out_dir)
    slowest = sorted(times.items(), key=lambda kv: -kv[1])[:3]
    print(f"fuzz seed {seed}: {len(cases)} cases ({in_process} in-process, {sub} subprocess "
          f"taking {sub_seconds:.1f} s, peak RSS {peak_kb / 1024:.0f} MB), "
          f"{sum(times.values()):.1f} s; slowest {[(k, round(v, 2)) for k, v in slowest]}",
          file=sys.__stderr__)
    assert not failures, f"{len(failures)} of {len(cases)} cases misbehaved:\n" + "\n".join(failures)
