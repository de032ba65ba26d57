"""The render buffer pool hands an array out again only when nothing else holds it (no
caller, view or cache entry), writeable, and keeps to its byte bound; renders through it give
the same pixels as before and do reuse memory across a slider drag."""

from __future__ import annotations

import numpy as np
import pytest

from editor.render.buffers import MIN_BYTES, BufferPool

SHAPE = (512, 512, 3)  # 3 MiB: pooled


def test_an_array_is_reused_only_once_nothing_else_holds_it():
    pool = BufferPool()
    a = pool.empty(SHAPE)
    first = id(a)
    b = pool.empty(SHAPE)
    assert id(b) != first  # a is in use
    view = a[10:20]
    del a
    c = pool.empty(SHAPE)
    assert id(c) != first  # a view keeps it in use
    del view, c
    b.flags.writeable = False  # as the cache stores it
    del b
    d = pool.empty(SHAPE)
    assert pool.reused == 1 and d.flags.writeable and d.shape == SHAPE
    d[...] = 1.0


def test_the_pool_keeps_to_its_bound_and_leaves_small_and_odd_arrays_alone():
    pool = BufferPool(max_bytes=3 * int(np.prod(SHAPE)) * 4)
    held = [pool.empty(SHAPE) for _ in range(5)]
    assert pool._bytes <= pool.max_bytes and pool.made == 5
    small = pool.empty((8, 8))
    assert small.nbytes < MIN_BYTES and pool.made == 5
    del held
    again = [pool.empty(SHAPE) for _ in range(3)]
    assert pool.reused == 3 and len({id(a) for a in again}) == 3


def test_a_slider_drag_renders_into_reused_memory_with_the_same_pixels():
    from editor.core.document import Document
    from editor.plugins.registry import get_registry
    from editor.render.buffers import POOL
    from editor.render.cache import RenderCache

    pixels = np.random.default_rng(3).random((600, 700, 3), dtype=np.float32)
    doc = Document.from_image(pixels, registry=get_registry(), cache=RenderCache(200 << 20))
    lid = doc.add_adjustment("levels", black=0.01, white=0.9)
    doc.add_adjustment("curves", points=[[0, 0], [0.3, 0.4], [1, 1]])
    before = POOL.reused
    seen = []
    for v in (0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5):
        doc.set_params(lid, merge_key="drag", midtone=v)
        seen.append(np.array(doc.render(), copy=True))
    doc.set_params(lid, midtone=1.0)
    assert np.array_equal(doc.render(), seen[2])
    assert POOL.reused > before


def test_populate_keeps_contents_and_shape_and_fresh_arrays_are_usable():
    from editor.render.buffers import fresh, populate

    a = np.arange(3 * 1024 * 1024, dtype=np.float32).reshape(1024, 1024, 3)
    before = a.copy()
    assert populate(a) is a and np.array_equal(a, before)  # a hint: nothing written
    view = a[1:, 5:]
    assert np.array_equal(populate(view), before[1:, 5:])  # unaligned start: fine too
    b = fresh((700, 900, 3))
    b[...] = 2.0
    assert b.shape == (700, 900, 3) and b.dtype == np.float32 and float(b.sum()) == 2.0 * b.size


def _faults_writing_after_populate(nbytes: int, offset: int) -> tuple[int, int]:
    """(page faults, pages) writing a fresh mmap-backed array after populate()."""
    import mmap
    import resource

    from editor.render import buffers

    region = mmap.mmap(-1, nbytes + offset)  # fresh anonymous pages, none faulted in yet
    arr = np.frombuffer(region, np.uint8)[offset:]  # offset: not page aligned
    buffers.populate(arr)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    arr.fill(1)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    del arr
    return faults, nbytes // 4096


def test_populate_in_steps_faults_in_every_page_of_a_large_unaligned_array():
    """populate() works in POPULATE_STEP pieces (so the UI thread's allocations are not
    held up behind one long call, issue 17); all pages are still faulted in: writing the
    array afterwards takes (almost) no page faults."""
    import sys

    from editor.render import buffers

    if buffers._MADVISE is None or not sys.platform.startswith("linux"):
        pytest.skip("MADV_POPULATE_WRITE is Linux's")
    faults, pages = _faults_writing_after_populate(buffers.POPULATE_STEP // 2, 0)
    if faults > pages // 2:  # one call, within one step
        pytest.skip(f"this kernel ignores MADV_POPULATE_WRITE ({faults} faults, {pages} pages)")
    faults, pages = _faults_writing_after_populate(int(3.5 * buffers.POPULATE_STEP), 12)
    assert faults < pages // 50, (faults, pages)
