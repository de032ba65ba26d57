"""Labels of exported comparisons: drawn, apart from each other, readable, at any output size.

Labels are found in the rendered pixels (not taken from the layout code): every pixel that
differs from the picture the composer was given is label ink. The ink must form exactly one
separate region per label, their bounding boxes must not intersect, each must lie wholly inside
the output (not cut at an edge) and its text must be at least a readable size.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from editor.render.comparison import (BACKGROUND, compose_side_by_side, compose_split, export_comparison,
                                      label_frames)
from editor.render.labels import MIN_LABEL_PX

RED, BLUE = (200, 40, 40), (40, 60, 200)
SIZES = [(1200, 1600), (300, 400), (120, 160), (60, 80), (40, 40), (16, 24), (6, 6)]
LONG = ("Original, straight from the stacker", "Current: new background extraction + GHS")
SHORT = ("Before", "After")
# The smallest text height that still reads: DejaVu's cap height is ~0.73 em.
MIN_TEXT_ROWS = int(0.6 * MIN_LABEL_PX)


def solid(h: int, w: int, colour: tuple[int, int, int]) -> np.ndarray:
    img = np.empty((h, w, 3), np.uint8)
    img[:] = colour
    return img


def label_regions(ink: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (y0, x0, y1, x1) of the separate ink regions (8-connected)."""
    lab, n = ndimage.label(ink, structure=np.ones((3, 3)))
    return [(s[0].start, s[1].start, s[0].stop, s[1].stop) for s in ndimage.find_objects(lab)]


def intersects(a, b) -> bool:
    return not (a[3] <= b[1] or b[3] <= a[1] or a[2] <= b[0] or b[2] <= a[0])


def text_rows(out: np.ndarray, box) -> int:
    """Rows of the box holding the label's light text (the box itself is dark)."""
    y0, x0, y1, x1 = box
    light = (out[y0:y1, x0:x1] > 150).all(axis=2)
    rows = np.flatnonzero(light.any(axis=1))
    return 0 if rows.size == 0 else int(rows[-1] - rows[0] + 1)


def check(out: np.ndarray, ink: np.ndarray, expected: int) -> list[tuple[int, int, int, int]]:
    boxes = label_regions(ink)
    assert len(boxes) == expected, f"{len(boxes)} label regions instead of {expected} (touching labels merge)"
    h, w = ink.shape
    for i, a in enumerate(boxes):
        assert a[0] > 0 and a[1] > 0 and a[2] < h and a[3] < w, f"label {a} is cut by the edge of {w}x{h}"
        assert text_rows(out, a) >= MIN_TEXT_ROWS, f"label {a} text is too small to read"
        for b in boxes[i + 1:]:
            assert not intersects(a, b), f"labels {a} and {b} overlap"
    return boxes


def split_ink(out: np.ndarray, h: int, w: int, before, after, vertical: bool) -> np.ndarray:
    """Pixels that are not the split picture (bottom rows) or the plain band above it."""
    expected = np.empty_like(out)
    expected[:] = BACKGROUND
    band = out.shape[0] - h
    x = (out.shape[1] - w) // 2
    pic = compose_split(before, after, divider_width=0, orientation="vertical" if vertical else "horizontal")
    expected[band:, x:x + w] = pic
    return np.any(out != expected, axis=2)


@pytest.mark.parametrize("texts", [SHORT, LONG], ids=["short", "long"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for h, w in SIZES])
@pytest.mark.parametrize("vertical", [True, False], ids=["vertical", "horizontal"])
def test_split_labels_never_overlap_and_stay_readable(size, texts, vertical):
    h, w = size
    before, after = solid(h, w, RED), solid(h, w, BLUE)
    out = compose_split(before, after, labels=list(texts), divider_width=0,
                        orientation="vertical" if vertical else "horizontal")
    boxes = check(out, split_ink(out, h, w, before, after, vertical), 2)
    if out.shape[:2] == (h, w):  # labels on the picture: each stays on its own side
        left, right = sorted(boxes, key=lambda b: (b[1], b[0]) if vertical else (b[0], b[1]))
        if vertical:
            assert left[3] <= w // 2 <= right[1]
        else:
            assert left[2] <= h // 2 <= right[0]


def test_split_labels_stay_on_the_picture_when_they_fit():
    before, after = solid(600, 800, RED), solid(600, 800, BLUE)
    out = compose_split(before, after, labels=list(LONG), divider_width=0)
    assert out.shape == before.shape


def test_the_old_overlap_case_is_fixed():
    # 320 px wide with two long names: the corner labels used to run into each other.
    before, after = solid(240, 320, RED), solid(240, 320, BLUE)
    out = compose_split(before, after, labels=list(LONG), divider_width=0)
    check(out, split_ink(out, 240, 320, before, after, True), 2)


@pytest.mark.parametrize("texts", [SHORT, LONG], ids=["short", "long"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for h, w in SIZES])
def test_side_by_side_labels_never_overlap_and_stay_readable(size, texts):
    h, w = size
    out = compose_side_by_side([solid(h, w, RED), solid(h, w, BLUE)], list(texts), gap=4)
    band = out.shape[0] - h
    raw = np.zeros(out.shape[:2], bool)
    raw[:band] = np.any(out[:band] != BACKGROUND, axis=2)
    # The band's text is drawn without a box: close each word's letters into one region.
    ink = ndimage.binary_dilation(raw, iterations=max(2, band // 6)) & (np.arange(out.shape[0])[:, None] < band)
    boxes = label_regions(ink)
    assert len(boxes) == 2
    a, b = sorted(boxes, key=lambda r: r[1])
    assert a[3] <= b[1], "labels overlap"
    for r in (a, b):
        y0, x0, y1, x1 = r
        lit = np.any(out[y0:y1, x0:x1] != BACKGROUND, axis=2)
        rows = np.flatnonzero(lit.any(axis=1))
        assert rows[-1] - rows[0] + 1 >= MIN_TEXT_ROWS
        cols = np.flatnonzero(raw[y0:y1, x0:x1].any(axis=0)) + x0
        assert cols[0] > 0 and cols[-1] < out.shape[1] - 1, "label cut by the edge"


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for h, w in SIZES])
def test_blink_frames_keep_one_size_with_readable_labels(size):
    h, w = size
    frames = label_frames([solid(h, w, RED), solid(h, w, BLUE)], list(LONG))
    assert frames[0].shape == frames[1].shape
    for f, colour in zip(frames, (RED, BLUE)):
        band = f.shape[0] - h
        expected = np.empty_like(f)
        expected[:] = BACKGROUND
        x = (f.shape[1] - w) // 2
        expected[band:, x:x + w] = colour
        check(f, np.any(f != expected, axis=2), 1)


def test_an_exported_tiny_split_png_has_both_labels_readable(tmp_path, shared_data):
    from PIL import Image

    from editor import Document

    doc = Document.from_image(shared_data / "fits" / "horsehead_dss_ukschmidt.fits")
    doc.take_snapshot("Original")
    doc.add_adjustment("auto_stretch")
    out = export_comparison(doc, tmp_path / "tiny.png", "split", states=(doc.snapshots[0][0], None),
                            labels=list(LONG), region=(400, 400, 48, 32))
    img = np.asarray(Image.open(out).convert("RGB"))
    band = img.shape[0] - 32
    assert band > 0, "a 48x32 crop cannot hold readable labels: they go in a band above"
    ink = np.zeros(img.shape[:2], bool)
    ink[:band] = np.any(img[:band] != BACKGROUND, axis=2)
    check(img, ink, 2)
