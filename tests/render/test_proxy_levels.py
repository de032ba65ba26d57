"""Proxy levels built from one read of a source (by bands, on two threads) keep the bits of
the 2x2 rule: (((p + q) + r) + s) * 0.25 in float32, an odd edge paired with itself."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.sources import Source, freeze
from editor.render import resample
from editor.render.resample import proxy_level, reduce2, reduce_levels


def rule(img: np.ndarray) -> np.ndarray:
    """The rule written out: pad an odd edge with a copy of itself, then sum in that order."""
    x = img if img.ndim == 3 else img[:, :, None]
    if x.shape[0] % 2:
        x = np.concatenate([x, x[-1:]], axis=0)
    if x.shape[1] % 2:
        x = np.concatenate([x, x[:, -1:]], axis=1)
    p, q, r, s = x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2], x[1::2, 1::2]
    out = (((p + q) + r) + s) * np.float32(0.25)
    return out if img.ndim == 3 else out[:, :, 0]


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(a.view(np.uint32), b.view(np.uint32))


@pytest.mark.parametrize("shape", [(1, 1), (1, 6, 3), (5, 1, 3), (7, 9), (64, 99, 3), (65, 64, 3),
                                   (33, 17, 4), (130, 3, 1)])
def test_reduce2_keeps_the_bits_of_the_rule(shape):
    img = np.random.default_rng(3).random(shape, dtype=np.float32) * 7
    assert same_bits(reduce2(img), rule(img))


def test_reduce2_of_a_strided_or_float64_view_is_the_rule_of_its_values():
    img = np.random.default_rng(4).random((40, 30, 3), dtype=np.float32)
    for view in (img[:, ::-1], img.transpose(1, 0, 2), img[::3, :, 1:]):
        assert same_bits(reduce2(view), rule(np.ascontiguousarray(view)))


@pytest.mark.parametrize("parallel", [False, True])
def test_levels_from_one_read_equal_reducing_each_level_again(monkeypatch, parallel):
    # small bands and a low two-thread threshold: band edges and the halves' cut are crossed
    monkeypatch.setattr(resample, "PROXY_BAND_ROWS", 8)
    monkeypatch.setattr(resample, "PARALLEL_BYTES", 1 if parallel else 1 << 40)
    img = np.random.default_rng(5).random((301, 203, 3), dtype=np.float32)
    want, x = [], img
    for _ in range(5):
        x = rule(x)
        want.append(x)
    got = reduce_levels(img, 5)
    assert all(same_bits(g, w) for g, w in zip(got, want, strict=True))


def test_asking_for_a_deep_proxy_builds_every_level_up_to_it_from_one_read(monkeypatch):
    img = np.random.default_rng(6).random((200, 150, 3), dtype=np.float32)
    src = Source(id="S", pixels=freeze(img))
    calls = []
    real = resample.reduce_levels
    monkeypatch.setattr(resample, "reduce_levels",
                        lambda a, n, first=1: calls.append((n, first)) or real(a, n, first))
    l3 = proxy_level(src, 3)
    # one read of the source; level 1 (a quarter of it) only passed through a band buffer
    assert calls == [(3, 2)] and sorted(src._pyramid) == [2, 3]
    assert same_bits(l3, rule(rule(rule(img)))) and not l3.flags.writeable
    assert same_bits(src._pyramid[2], rule(rule(img)))
    assert same_bits(proxy_level(src, 4), rule(l3))  # deeper: from the level above it
    assert calls == [(3, 2), (1, 1)]
    assert same_bits(proxy_level(src, 1), rule(img))  # asked for: built then, the same bits
    assert sorted(src._pyramid) == [1, 2, 3, 4]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf - inf
@pytest.mark.parametrize("bad", [None, (0, 0), (100, 150), (-1, -1), "inf"])
def test_a_source_is_known_finite_only_after_a_level_proves_it(bad):
    img = np.random.default_rng(7).random((101, 151, 3), dtype=np.float32)  # odd edges
    if bad == "inf":
        img[50, 60, 1], img[50, 61, 1] = np.inf, -np.inf  # a NaN only where they meet
    elif bad is not None:
        img[bad[0], bad[1], 2] = np.nan
    src = Source(id="S", pixels=freeze(img))
    assert not resample.known_finite(src)  # nothing built: not known
    proxy_level(src, 4)
    assert resample.known_finite(src) is (bad is None)


def _doc_with_holes(registry, holes: bool):
    from editor.core.document import Document
    from editor.render.cache import RenderCache

    rng = np.random.default_rng(8)
    doc = Document.new(150, 101, registry=registry, cache=RenderCache(0))
    base = rng.random((101, 150, 3), dtype=np.float32)
    top = rng.random((101, 150, 3), dtype=np.float32) + 1
    if holes:
        top[100, 149] = np.nan  # the last pixel: reaches the proxies through the odd row
    doc.add_image(base)
    doc.add_image(top)
    return doc, base, top


@pytest.mark.parametrize("holes", [False, True])
def test_full_resolution_tiles_skip_the_nan_pass_only_for_a_source_known_finite(
        registry, monkeypatch, holes):
    from editor.render.kinds import image
    from editor.render.tiles import TiledRender

    doc, base, top = _doc_with_holes(registry, holes)
    calls = []
    real = image.missing_is_transparent
    monkeypatch.setattr(image, "missing_is_transparent", lambda t, c: calls.append(1) or real(t, c))
    want = TiledRender(doc, tile=64).render()  # nothing known yet: every tile's NaN pass
    assert len(calls) == 12  # 2 image layers, 6 tiles
    assert np.isfinite(want).all()
    assert same_bits(want[100, 149], base[100, 149]) is holes  # the hole shows the base
    TiledRender(doc, 0.25).render()  # a preview builds the proxies
    calls.clear()
    out = TiledRender(doc, tile=64).render()
    assert same_bits(out, want)
    assert len(calls) == (6 if holes else 0)  # the source with NaN still takes it
