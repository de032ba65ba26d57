"""Build a review page: ``export_review(projects, out_dir)`` -> the folder's index.html.

Per project: a before/after slider over the whole picture (two states: snapshots by name, or
the current state), the notes' 100 % crops (side by side and as a blink), the capture details,
the processing steps and, when solved, an RA/Dec grid. With several projects (members' versions
of one target) the page also shows every note's place in every version. The job reports
progress and stops at the next step when its progress callback raises
:class:`~editor.jobs.progress.Cancelled`; the pictures are built in a temporary folder beside
``out_dir`` that replaces it only when everything is written, so a cancelled or failed export
leaves no half page behind.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any, Sequence

from editor.errors import NebulayerError
from editor.jobs.progress import Progress, scaled_progress
from editor.locale import tr
from editor.render.comparison import CURRENT_LABEL, ORIGINAL_NAME, original_snapshot
from editor.review import images
from editor.review.capture import capture_details
from editor.review.crops import CropSpec, crop_specs, map_region
from editor.review.locate import document_wcs
from editor.review.model import AcrossRow, CropView, Picture, ProjectView, ReviewPage
from editor.review.page import render_html
from editor.review.steps import describe_steps
from editor.review.wcsgrid import grid_overlay

LONG_SIDE = 2048
CURRENT_NAMES = ("current", "now", "")


class ReviewError(NebulayerError):
    """A review page cannot be made as asked (the message says why)."""


def resolve_state(doc: Any, name: str | None, where: str) -> Any:
    """A snapshot id for ``name`` ("Original": that snapshot, else the oldest; "Current" or
    None: the current state); ReviewError naming the project and its snapshots otherwise."""
    if name is None or name.strip().lower() in CURRENT_NAMES:
        return None
    if name == ORIGINAL_NAME:
        sid = original_snapshot(doc)
        if sid is None:
            raise ReviewError(tr("{where}: has no snapshots, so no '{ORIGINAL_NAME}' to compare with; "
                              "take one in the editor (in a script: doc.take_snapshot('Original') "
                              "before the adjustments) or pass --before Current").format(where=where, ORIGINAL_NAME=ORIGINAL_NAME))
        return sid
    for sid, sname in doc.snapshots:
        if sname == name or sid == name:
            return sid
    names = ", ".join(repr(n) for _, n in doc.snapshots) or "none"
    raise ReviewError(tr("{where}: no snapshot named {name!r} (snapshots: {names})").format(where=where, name=name, names=names))


def _sky_text(sky: tuple[float, float] | None) -> str:
    if sky is None:
        return ""
    from astropy import units as u
    from astropy.coordinates import Angle

    ra = Angle(sky[0], u.deg).to_string(unit=u.hourangle, sep="hms", precision=1, pad=True)
    dec = Angle(sky[1], u.deg).to_string(unit=u.deg, sep=("\u00b0", "\u2032", "\u2033"), precision=0,
                                         alwayssign=True, pad=True)
    return tr("RA {ra}, Dec {dec}").format(ra=ra, dec=dec)


def _project_name(doc: Any, index: int, taken: set[str]) -> str:
    name = Path(doc.path).stem if doc.path else tr("Project {number}").format(number=index + 1)
    base, n = name, 2
    while name in taken:
        name, n = f"{base} ({n})", n + 1
    taken.add(name)
    return name


def _load(project: Any, allow_outside: bool) -> Any:
    from editor.core.document import Document

    if isinstance(project, Document):
        return project
    return Document.load(project, allow_outside=allow_outside)


class _Builder:
    def __init__(self, folder: Path, long_side: int, stretch: str) -> None:
        self.folder = folder
        self.long_side = long_side
        self.stretch = stretch

    def picture(self, frame: Any, rel: str, alt: str, png: bool) -> Picture:
        path = self.folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        (images.write_png if png else images.write_jpeg)(frame, path)
        return Picture(rel, int(frame.shape[1]), int(frame.shape[0]), alt)

    def project(self, doc: Any, anchor: str, name: str, before: Any, after: Any,
                progress: Progress | None) -> tuple[ProjectView, list[images.StateView], list[CropSpec]]:
        views = images.plan_views(doc, [before, after], self.stretch, scaled_progress(progress, 0, 0.2))
        bv, av = views
        for v in views:  # the names the editor gives ("Original", "Current") in the page's language
            v.label = tr(v.label) if v.label in (ORIGINAL_NAME, CURRENT_LABEL) else v.label
        if bv.label == av.label:
            bv.label = tr("{state} (before)").format(state=bv.label)
            av.label = tr("{state} (after)").format(state=av.label)
        scale = images.web_scale(doc.width, doc.height, self.long_side)
        wb = images.render_view(doc, bv, scale, progress=scaled_progress(progress, 0.2, 0.35))
        wa = images.render_view(doc, av, scale, progress=scaled_progress(progress, 0.35, 0.5))
        whole = tr("{project}, {state}: the whole picture")
        pb = self.picture(wb, f"{anchor}/before.jpg", whole.format(project=name, state=bv.label), False)
        pa = self.picture(wa, f"{anchor}/after.jpg", whole.format(project=name, state=av.label), False)
        stretched = [v.label for v in views if v.stretched]
        if self.stretch == "shared":
            note = tr("Both are shown through one screen stretch measured on {state}.").format(state=bv.label)
        elif len(stretched) == 1:
            note = tr("{state} is linear data, shown here with an automatic screen stretch.").format(
                state=stretched[0])
        elif stretched:
            note = tr("{state} and {state2} are linear data, shown here with an automatic screen "
                      "stretch.").format(state=stretched[0], state2=stretched[1])
        else:
            note = tr("Both are shown as they export (no screen stretch).")
        wcs = document_wcs(doc)
        grid = plate = None
        if wcs is not None:
            try:
                overlay = grid_overlay(wcs, (doc.width, doc.height), (pa.width, pa.height))
                path = self.folder / anchor / "grid.png"
                images.write_overlay_png(overlay, path)
                grid = Picture(f"{anchor}/grid.png", pa.width, pa.height, tr("RA/Dec grid"))
                from editor.astrometry.wcs import summarise

                plate = tr("; ").join(summarise(wcs, (doc.height, doc.width)).describe().splitlines())
            except ValueError:  # a WCS that maps nothing onto the sky: no grid rather than a wrong one
                grid = plate = None
        specs = crop_specs(doc)
        crops = []
        for k, spec in enumerate(specs):
            part = scaled_progress(progress, 0.5 + 0.5 * k / len(specs), 0.5 + 0.5 * (k + 1) / len(specs))
            cb = images.render_view(doc, bv, 1.0, spec.region, scaled_progress(part, 0, 0.5))
            ca = images.render_view(doc, av, 1.0, spec.region, scaled_progress(part, 0.5, 1))
            what = spec.note.text or tr("note {number}").format(number=spec.number)
            n = spec.note
            crops.append(CropView(
                spec.number, n.text, n.kind, spec.region, _sky_text(n.sky),
                self.picture(cb, f"{anchor}/note{spec.number}-before.png",
                             tr("{state} at 100 %: {what}").format(state=bv.label, what=what), True),
                self.picture(ca, f"{anchor}/note{spec.number}-after.png",
                             tr("{state} at 100 %: {what}").format(state=av.label, what=what), True),
                (100 * n.x / doc.width, 100 * n.y / doc.height, 100 * n.w / doc.width, 100 * n.h / doc.height)))
        if progress is not None:
            progress(1.0)
        view = ProjectView(anchor, name, (doc.width, doc.height), bv.label, av.label, pb, pa, note,
                           grid, plate or "", capture_details(doc),
                           describe_steps(doc.snapshot_layers(after) if after is not None else doc.to_dict(),
                                          {sid: s.name for sid, s in doc.sources.items()}, doc.registry),
                           crops)
        return view, views, specs

    def across(self, docs: list[Any], names: list[str], views: list[list[images.StateView]],
               specs: list[list[CropSpec]], progress: Progress | None) -> list[AcrossRow]:
        wcss = [document_wcs(d) for d in docs]
        jobs = [(i, s) for i, ss in enumerate(specs) for s in ss]
        rows = []
        for k, (i, spec) in enumerate(jobs):
            title = tr("{project}, note {number}: {text}").format(
                project=names[i], number=spec.number, text=spec.note.text) if spec.note.text \
                else tr("{project}, note {number}").format(project=names[i], number=spec.number)
            cells: list[tuple[str, Picture | None]] = []
            for j, doc in enumerate(docs):
                region = spec.region if j == i else map_region(
                    spec.region, wcss[i], wcss[j], (doc.width, doc.height))
                if region is None:
                    cells.append((names[j], None))
                    continue
                frame = images.render_view(doc, views[j][1], 1.0, region)
                cells.append((names[j], self.picture(
                    frame, f"across/{k + 1}-p{j + 1}.png",
                    tr("{project} ({state}) at 100 %: the place of {title}").format(
                        project=names[j], state=views[j][1].label, title=title), True)))
                if progress is not None:
                    progress((k + (j + 1) / len(docs)) / len(jobs))
            rows.append(AcrossRow(title, cells))
        return rows


def _prepare_target(out_dir: Path) -> None:
    if out_dir.exists():
        if not out_dir.is_dir():
            raise ReviewError(tr("{out_dir}: exists and is not a folder").format(out_dir=out_dir))
        entries = [p.name for p in out_dir.iterdir()]
        if entries and "index.html" not in entries:
            raise ReviewError(tr("{out_dir}: folder is not empty and holds no earlier review page; "
                              "choose an empty or new folder").format(out_dir=out_dir))
    if not out_dir.parent.is_dir():
        raise ReviewError(tr("{parent}: folder does not exist").format(parent=out_dir.parent))


def export_review(projects: Sequence[Any], out_dir: str | Path, *, before: str | None = ORIGINAL_NAME,
                  after: str | None = CURRENT_LABEL, title: str | None = None, stretch: str = "auto",
                  long_side: int = LONG_SIDE, progress: Progress | None = None,
                  allow_outside: bool = False) -> Path:
    """Write a self-contained review page for ``projects`` (paths or Documents) into
    ``out_dir``; returns the path of its index.html. ``before``/``after`` are snapshot names
    ("Original" by default; "Current" is the current state). ``stretch``: see
    :mod:`editor.review.images`."""
    if not projects:
        raise ReviewError(tr("a review page needs at least one project"))
    if stretch not in images.STRETCH_MODES:
        raise ReviewError(tr("stretch must be one of {text}").format(text=', '.join(images.STRETCH_MODES)))
    if long_side < 64:
        raise ReviewError(tr("the pictures' long side must be at least 64 px"))
    out_dir = Path(out_dir).absolute()
    _prepare_target(out_dir)
    docs = [_load(p, allow_outside) for p in projects]
    taken: set[str] = set()
    names = [_project_name(d, i, taken) for i, d in enumerate(docs)]
    states = []
    for doc, name in zip(docs, names):
        states.append((resolve_state(doc, before, name), resolve_state(doc, after, name)))
    temp = Path(tempfile.mkdtemp(prefix=".review-", dir=out_dir.parent))
    try:
        builder = _Builder(temp, long_side, stretch)
        share = 0.85 if len(docs) > 1 else 1.0
        project_views, all_views, all_specs = [], [], []
        for i, (doc, name, (b, a)) in enumerate(zip(docs, names, states)):
            part = scaled_progress(progress, share * i / len(docs), share * (i + 1) / len(docs))
            view, views, specs = builder.project(doc, f"p{i + 1}", name, b, a, part)
            project_views.append(view)
            all_views.append(views)
            all_specs.append(specs)
        across = []
        if len(docs) > 1:
            across = builder.across(docs, names, all_views, all_specs, scaled_progress(progress, share, 0.99))
        objects = [v.capture.object for v in project_views if v.capture.object]
        page_title = title or (tr("Review: {object}").format(object=objects[0]) if objects else tr("Image review"))
        subtitle = (tr("{count} versions: {names}").format(count=len(docs), names=", ".join(names))
                    if len(docs) > 1 else names[0])
        html = render_html(ReviewPage(page_title, subtitle, project_views, across), _version())
        (temp / "index.html").write_text(html, encoding="utf-8")
        _replace_folder(temp, out_dir)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    if progress is not None:
        progress(1.0)
    return out_dir / "index.html"


def _replace_folder(temp: Path, out_dir: Path) -> None:
    """Put the finished page where it belongs: a rename, after moving an earlier review aside."""
    temp.chmod(0o755)  # mkdtemp makes it private; a review folder is meant to be shared
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}")
        out_dir.rename(old)
        temp.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        temp.rename(out_dir)


def _version() -> str:
    from editor._version import __version__

    return re.sub(r"[^0-9A-Za-z.+-]", "", str(__version__))
