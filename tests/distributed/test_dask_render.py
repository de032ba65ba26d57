"""The same tiled render on dask workers (a LocalCluster of 2 processes, as `--workers 2`
makes, and the one `--scheduler ADDRESS` would reach): byte-identical to the serial render,
for one project cut in bands, a batch of projects and a recipe applied to images; workers
never import Qt."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from editor import Document, GeneratedMask  # noqa: E402
from editor.cli import main  # noqa: E402
from editor.render.cache import RenderCache  # noqa: E402
from editor.render.tiles import TiledRender  # noqa: E402
from editor.render.tiles_distributed import DistributedBands, qt_modules  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as c:
        yield c


@pytest.fixture
def projects(tmp_path, shared_data) -> list[Path]:
    from tests.tiles.big_doc import plate

    p = plate(shared_data)
    out = []
    for k, (black, radius) in enumerate(((0.01, 30.0), (0.03, 60.0))):
        rgb = np.ascontiguousarray(np.stack([p, p * 0.9, p * (0.8 + 0.05 * k)], axis=-1))
        doc = Document.from_image(rgb + np.float32(0.02))
        doc.add_adjustment("levels", black=black, white=0.5)
        lv = doc.add_adjustment("curves", points=[[0, 0], [0.3, 0.4], [1, 1]])
        doc.set_mask(lv, GeneratedMask("contrast_mask", {"radius": radius, "blur": 8.0}))
        doc.add_adjustment("highpass", radius=5.0)
        path = tmp_path / f"p{k}.nebula"
        doc.save(path)
        out.append(path)
    return out


def _serial(path: Path, tile: int) -> np.ndarray:
    doc = Document.load(path, cache=RenderCache(0))
    return TiledRender(doc, tile=tile, workers=1, cache=doc.cache).render()


def test_bands_rendered_on_dask_workers_are_byte_identical_to_the_serial_render(
        cluster, projects):
    with distributed.Client(cluster) as client:
        assert all(mods == [] for mods in client.run(qt_modules).values())
        doc = Document.load(projects[0], cache=RenderCache(0))
        bands = DistributedBands(client, str(projects[0]), doc, 1.0, 128)
        out = bands.render()
        assert all(mods == [] for mods in client.run(qt_modules).values())
    assert out.tobytes() == _serial(projects[0], 128).tobytes()


def _read(path: Path) -> np.ndarray:
    import tifffile

    return tifffile.imread(path)


@pytest.mark.slow
def test_a_batch_on_the_cluster_writes_the_serial_pixels(cluster, projects, tmp_path, capsys):
    serial_dir, dask_dir = tmp_path / "serial", tmp_path / "dask"
    serial_dir.mkdir()
    dask_dir.mkdir()
    paths = [str(p) for p in projects]
    assert main(["render", *paths, "-o", f"{serial_dir}/", "--tile", "256"]) == 0
    assert main(["render", *paths, "-o", f"{dask_dir}/", "--tile", "256",
                 "--scheduler", cluster.scheduler_address]) == 0
    for p in projects:
        a, b = _read(serial_dir / f"{p.stem}.tif"), _read(dask_dir / f"{p.stem}.tif")
        assert a.tobytes() == b.tobytes()
        assert a.tobytes() == _serial(p, 256).tobytes()


@pytest.mark.slow
def test_one_project_on_the_cluster_and_a_recipe_applied_to_images(cluster, projects, tmp_path,
                                                                     shared_data):
    one = tmp_path / "one.tif"
    assert main(["render", str(projects[1]), "-o", str(one), "--tile", "128",
                 "--scheduler", cluster.scheduler_address]) == 0
    assert _read(one).tobytes() == _serial(projects[1], 128).tobytes()

    from astropy.io import fits

    images = []
    for k in range(2):
        img = tmp_path / f"img{k}.fits"
        data = fits.getdata(shared_data / "fits/horsehead_dss_ukschmidt.fits").astype(np.float32)
        fits.writeto(img, data[k * 50:k * 50 + 600] / np.float32(data.max()))
        images.append(img)
    out_dir = tmp_path / "applied"
    out_dir.mkdir()
    assert main(["apply", str(projects[0]), *map(str, images), "-o", str(out_dir),
                 "--scheduler", cluster.scheduler_address]) == 0
    from editor.render.recipe_apply import apply_recipe, recipe_layers

    recipe = recipe_layers(str(projects[0]))
    assert [r["kind"] for r in recipe] == ["levels", "curves", "highpass"]
    for img in images:
        want = TiledRender(apply_recipe(recipe, str(img)), tile=1024, cache=RenderCache(0)).render()
        got = _read(out_dir / f"{img.stem}.tif")
        assert got.tobytes() == want.tobytes()
