"""Make docs/review_page.png, the README's picture of a review page: two members' versions of
the sample field, with notes, exported and photographed in headless Chromium.

    .venv/bin/python tests/review/make_screenshot.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def build(folder: Path) -> Path:
    from editor import Document
    from editor.review import export_review, place_note

    alice = Document.from_image(REPO / "samples" / "deep_sky_field.fits")
    alice.take_snapshot("Original")
    alice.add_adjustment("extract_background", name="Remove light pollution")
    alice.add_adjustment("neutralize_background", name="Neutral sky")
    alice.add_adjustment("auto_stretch", name="Stretch")
    alice.add_adjustment("levels", name="Lift the faint regions", midtone=0.6)
    place_note(alice, "rect", 190, 110, 160, 120, "The blue gas is separated from the red here")
    place_note(alice, "pin", 420, 300, text="Background crushed?")
    alice.save(folder / "Alice.nebula")
    bob = Document.from_image(REPO / "samples" / "deep_sky_field.fits")
    bob.take_snapshot("Original")
    bob.add_adjustment("auto_stretch", name="Stretch")
    bob.add_adjustment("levels", name="Contrast", midtone=1.4, black=0.05)
    bob.save(folder / "Bob.nebula")
    return export_review([folder / "Alice.nebula", folder / "Bob.nebula"], folder / "review",
                         title="Synthetic Nebula: club night")


def main() -> int:
    from PIL import Image

    from tests.review.browser import start_browser, stop_browser

    with tempfile.TemporaryDirectory() as tmp:
        index = build(Path(tmp))
        driver = start_browser(1280, 1500)
        try:
            driver.get(index.as_uri())
            driver.execute_script("document.querySelector('.ba-range').value = 42;"
                                  "document.querySelector('.ba-range').dispatchEvent(new Event('input'));")
            out = REPO / "docs" / "review_page.png"
            driver.save_screenshot(str(out))
        finally:
            stop_browser(driver)
    img = Image.open(out).convert("RGB")
    img.save(out, optimize=True)
    print(f"wrote {out} {img.size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
