"""`nebulayer info FILE | head -1`: a reader that goes away is not a bug of ours."""

from __future__ import annotations

import subprocess
import sys


def test_info_into_a_closed_pipe_stops_quietly_without_internal_error(shared_data):
    path = shared_data / "fits" / "horsehead_dss_ukschmidt.fits"
    proc = subprocess.Popen([sys.executable, "-m", "editor.cli", "info", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first line is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "internal error" not in err and "Traceback" not in err, err
