"""Run Debian's ``siril-cli`` on the same frames as Nebulayer (for the side-by-side test and
the benchmark): Siril's own mono preprocessing script (its Mono_Preprocessing.ssf for 1.0),
with the master dark made bias-free and optimised (-opt), since our darks are longer than the
lights (Siril scales only a bias-free dark)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Sequence

SCRIPT = """requires 0.99.4
cd biases
convert bias -out=../process
cd ../process
stack bias rej 3 3 -nonorm
cd ../flats
convert flat -out=../process
cd ../process
preprocess flat -bias=bias_stacked
stack pp_flat rej 3 3 -norm=mul
cd ../darks
convert dark -out=../process
cd ../process
preprocess dark -bias=bias_stacked
stack pp_dark rej 3 3 -nonorm
cd ../lights
convert light -out=../process
cd ../process
preprocess light -bias=bias_stacked -dark=pp_dark_stacked -flat=pp_flat_stacked -opt
register pp_light
stack r_pp_light rej w 3 3 -norm=addscale -out=../result
close
"""

LIGHTS_ONLY = """requires 0.99.4
cd lights
convert light -out=../process
cd ../process
register light
stack r_light rej w 3 3 -norm=addscale -out=../result
close
"""


def siril_cli() -> str | None:
    return shutil.which("siril-cli")


def run_siril(work: Path, lights: Sequence[Path], darks: Sequence[Path] = (),
              flats: Sequence[Path] = (), bias: Sequence[Path] = (),
              timeout: float = 600) -> tuple[Path, str]:
    """Lay the frames out as Siril's scripts expect, run it; (result FITS, log)."""
    exe = siril_cli()
    if exe is None:
        raise FileNotFoundError("siril-cli is not installed")
    work.mkdir(parents=True, exist_ok=True)
    for name, frames in (("lights", lights), ("darks", darks), ("flats", flats),
                         ("biases", bias)):
        folder = work / name
        folder.mkdir(exist_ok=True)
        for f in frames:
            target = folder / Path(f).name
            if not target.exists():
                target.symlink_to(Path(f).resolve())
    script = work / "stack.ssf"
    script.write_text(SCRIPT if darks else LIGHTS_ONLY)
    proc = subprocess.run([exe, "-s", str(script), "-d", str(work)], capture_output=True,
                          text=True, timeout=timeout)
    log = proc.stdout + proc.stderr
    result = next((p for p in (work / "result.fit", work / "result.fits") if p.exists()), None)
    if result is None:
        raise RuntimeError(f"Siril made no result (exit {proc.returncode}): "
                           + " | ".join(log.strip().splitlines()[-5:]))
    return result, log
