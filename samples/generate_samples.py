"""Make Nebulayer's bundled samples: synthetic, deterministic, small.

Run from the repository root::

    python samples/generate_samples.py          # writes into samples/

The code lives in the package (``editor/sample_data.py``), so an installed Nebulayer can make
the same files on first run; see that module for what each file is.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    from editor.sample_data import main

    sys.exit(main(default_out=HERE))
