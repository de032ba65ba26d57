"""Before/after comparisons: composed PNGs and blink animations, with no Qt.

The images people post to show a reprocessing are display-referred 8-bit pictures of two (or
more) states of the same document. To be honest, every state goes through the SAME screen
stretch: the STF parameters are measured once on a reference state (by default the first, the
"before") and applied unchanged to the others, so a brighter "after" looks brighter instead of
being re-stretched into looking like the "before".

States are snapshot ids of the document (``doc.take_snapshot(name)``) or ``None`` for the
current state. "Original" is the snapshot of that name taken when the file was opened (see
:func:`take_original_snapshot`); failing that, the oldest snapshot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw, PngImagePlugin

from editor.errors import ImageWriteError
from editor.io.atomic import atomic_path
from editor.io.srgb import srgb_icc_profile
from editor.jobs.progress import Progress, scaled_progress
from editor.locale import _
from editor.render import labels as _labels
from editor.render.labels import label_font

ORIGINAL_NAME = "Original"
CURRENT_LABEL = "Current"
BACKGROUND = (24, 24, 24)
TEXT_COLOUR = (235, 235, 235)
DIVIDER_COLOUR = (255, 255, 255)
KIND_NAMES = {"side_by_side": "side-by-side PNG", "split": "split PNG",
              "blink_gif": "blink GIF", "blink_apng": "blink animated PNG"}
KINDS = tuple(KIND_NAMES)
EXTENSIONS = {"side_by_side": (".png",), "split": (".png",), "blink_gif": (".gif",),
              "blink_apng": (".png", ".apng")}
State = Any  # a snapshot id, or None for the current state
# what the user picks -> index of the state the one shared stretch is measured on (None: none)
STRETCH_CHOICES = {"Same stretch, measured on A": 0, "Same stretch, measured on B": 1,
                   "No stretch (already display-ready)": None}


# --------------------------------------------------------------------------- states

def original_snapshot(doc: Any) -> Any:
    """The id of the snapshot called "Original" (else the oldest one), or None if none exists."""
    snaps = list(doc.snapshots)
    for sid, name in snaps:
        if name == ORIGINAL_NAME:
            return sid
    return snaps[0][0] if snaps else None


def take_original_snapshot(doc: Any) -> Any:
    """Snapshot the document as opened, once; call right after opening a file or project."""
    for sid, name in doc.snapshots:
        if name == ORIGINAL_NAME:
            return sid
    return doc.take_snapshot(ORIGINAL_NAME)


def state_label(doc: Any, state: State) -> str:
    """The name a user sees for a state: "Current" or the snapshot's name."""
    if state is None:
        return CURRENT_LABEL
    for sid, name in doc.snapshots:
        if sid == state:
            return str(name)
    return str(state)


# --------------------------------------------------------------------------- stretch

def shared_stretch_params(reference: np.ndarray, stretch: Any = "auto") -> Any:
    """The screen stretch to apply to every state: measured on ``reference`` when "auto"."""
    if isinstance(stretch, str) and stretch == "auto":
        from editor.render.display import stf_params  # the main canvas's "auto", exactly

        return stf_params(reference)
    return stretch


STATS_PIXELS = 4_000_000  # the stretch of a crop is measured on the whole canvas at <= 4 MP


def stats_scale(width: int, height: int) -> float:
    """Scale at which the whole canvas has at most :data:`STATS_PIXELS` pixels (never > 1)."""
    return float(min(1.0, np.sqrt(STATS_PIXELS / max(1, width * height))))


def render_states(doc: Any, states: Sequence[State], region: tuple[int, int, int, int] | None = None,
                  scale: float = 1.0, stretch: Any = "auto", reference: int = 0,
                  progress: Progress | None = None) -> tuple[list[np.ndarray], Any]:
    """Render each state (same region, same scale) and stretch them all identically.

    ``stretch``: "auto" (STF measured on state ``reference``), "none" (values already
    display-referred) or explicit STF parameters. "auto" is always measured on the whole
    canvas of the reference state at :func:`stats_scale` (at most 4 MP), whatever the region
    and scale asked for: a crop's or a thumbnail's own statistics would make the same state
    look different in the view, the crop export and the full export.
    Returns the uint8 (h, w, 3) frames and the stretch used (pass it back as ``stretch`` to
    show another region of the same states identically).
    """
    from editor.render.display import display_image

    n = len(states)
    if n == 0:
        return [], stretch
    basis_scale = stats_scale(doc.width, doc.height)
    measure_whole = (isinstance(stretch, str) and stretch == "auto"
                     and (region is not None or abs(scale - basis_scale) > 1e-9))
    steps = n + (1 if measure_whole else 0)
    renders = []
    for i, state in enumerate(states):
        part = scaled_progress(progress, 0.95 * i / steps, 0.95 * (i + 1) / steps)
        renders.append(doc.render(scale=scale, region=region, progress=part, snapshot=state))
    if measure_whole:
        part = scaled_progress(progress, 0.95 * n / steps, 0.95)
        basis = doc.render(scale=basis_scale, progress=part, snapshot=states[reference])
    else:
        basis = renders[reference]
    params = shared_stretch_params(basis, stretch)
    frames = [np.ascontiguousarray(display_image(r, stretch=params)) for r in renders]
    if progress is not None:
        progress(1.0)
    return frames, params


def comparison_frames(doc: Any, states: Sequence[State], region: tuple[int, int, int, int] | None = None,
                      scale: float = 1.0, stretch: Any = "auto", reference: int = 0,
                      progress: Progress | None = None) -> list[np.ndarray]:
    """Display-ready frames of ``states`` of ``doc``, all through one identical stretch.

    ``region`` is (x, y, w, h) in full-resolution canvas pixels; ``scale=1.0`` with a region is
    the 100 % crop people post. ``reference`` picks the state whose statistics set the stretch
    (default: the first, the "before").
    """
    return render_states(doc, states, region, scale, stretch, reference, progress)[0]


# --------------------------------------------------------------------------- geometry

def default_crop(width: int, height: int, size: tuple[int, int] = (800, 600)) -> tuple[int, int, int, int]:
    """A centred (x, y, w, h) crop of at most ``size`` inside a ``width`` x ``height`` canvas."""
    w, h = min(size[0], width), min(size[1], height)
    return ((width - w) // 2, (height - h) // 2, w, h)


def clamp_region(region: tuple[float, float, float, float], width: int,
                 height: int) -> tuple[int, int, int, int] | None:
    """``region`` rounded outwards and cut to the canvas; None when nothing is left."""
    x, y, w, h = region
    x0, y0 = max(0, int(np.floor(x))), max(0, int(np.floor(y)))
    x1, y1 = min(width, int(np.ceil(x + w))), min(height, int(np.ceil(y + h)))
    if x1 <= x0 or y1 <= y0:
        return None
    return (x0, y0, x1 - x0, y1 - y0)


# --------------------------------------------------------------------------- labels

def overlay_labels(img: np.ndarray, texts: Sequence[str], corners: Sequence[str],
                   share: Sequence[tuple[float, float]]) -> np.ndarray | None:
    """``texts`` drawn in ``corners`` of ``img``, each within its ``share`` (max width, max
    height) of the picture, at one common size; None when they would be smaller than
    :data:`editor.render.labels.MIN_LABEL_PX` (then the caller puts them in a band)."""
    size = _labels.corner_size(texts, share, _overlay_size(*img.shape[:2]))
    return None if size is None else _labels.draw_corner_labels(img, texts, corners, size, TEXT_COLOUR)


def _overlay_size(h: int, w: int) -> int:
    return int(np.clip(min(h, w) / 22, 11, 40))


def _check_frame(img: np.ndarray, what: str) -> np.ndarray:
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"{what}: expected uint8 (h, w, 3), got {img.dtype} {img.shape}")
    return img


# --------------------------------------------------------------------------- composition

def compose_side_by_side(images: Sequence[np.ndarray], labels: Sequence[str] | None = None, *,
                         gap: int = 8, label_height: int | None = None,
                         background: tuple[int, int, int] = BACKGROUND) -> np.ndarray:
    """Put display images next to each other, each with its label centred in a band above it.

    Images of different heights are top-aligned on ``background``. No labels (or all empty)
    means no band. A label is shrunk to fit its image's width; when it would then be smaller
    than :data:`editor.render.labels.MIN_LABEL_PX`, that column is widened to the label (the
    image centred in it) and the band made tall enough, so labels stay readable and apart.
    Returns uint8 (H, W, 3).
    """
    if not images:
        raise ValueError("compose_side_by_side needs at least one image")
    imgs = [_check_frame(im, f"image {i}") for i, im in enumerate(images)]
    texts = (list(labels or []) + [""] * len(imgs))[:len(imgs)]
    band = 0
    size = _labels.MIN_LABEL_PX
    cols = [im.shape[1] for im in imgs]
    if any(texts):
        band = label_height if label_height is not None else int(np.clip(max(im.shape[0] for im in imgs) / 16, 22, 56))
        start = max(_labels.MIN_LABEL_PX, int(band * 0.6))
        fitted = [_labels.fit_size([t], c, start) if t else start for t, c in zip(texts, cols)]
        if all(f is not None for f in fitted):
            size = min(fitted)
        else:
            size = min([f for f in fitted if f is not None] + [start])
            size = min(size, _labels.MIN_LABEL_PX) if None in fitted else size
            cols = [max(c, _labels.box_size(t, size)[0] + 2 * _labels.margin(size)) if t else c
                    for t, c in zip(texts, cols)]
        band = max(band, max(_labels.box_size(t, size)[1] for t in texts if t))
    h = band + max(im.shape[0] for im in imgs)
    w = sum(cols) + gap * (len(imgs) - 1)
    out = np.empty((h, w, 3), np.uint8)
    out[:] = background
    x = 0
    for im, col in zip(imgs, cols):
        ix = x + (col - im.shape[1]) // 2
        out[band:band + im.shape[0], ix:ix + im.shape[1]] = im
        x += col + gap
    if band:
        canvas = PILImage.fromarray(out)
        draw = ImageDraw.Draw(canvas)
        font = label_font(size)
        x = 0
        for col, text in zip(cols, texts):
            if text:
                draw.text((x + col / 2, band / 2), text, font=font, fill=TEXT_COLOUR, anchor="mm")
            x += col + gap
        out = np.asarray(canvas).copy()
    return out


def compose_split(before: np.ndarray, after: np.ndarray, position: float = 0.5,
                  orientation: str = "vertical", labels: Sequence[str] | None = None, *,
                  divider_width: int = 2,
                  divider_colour: tuple[int, int, int] = DIVIDER_COLOUR) -> np.ndarray:
    """One picture: ``before`` on one side of a divider, ``after`` on the other.

    ``orientation="vertical"``: a vertical divider at ``position`` (0..1) of the width,
    before on the left. ``"horizontal"``: the divider runs across, before on top. Labels are
    written in the corner of their side. Both images must have the same shape.
    """
    a, b = _check_frame(before, "before"), _check_frame(after, "after")
    if a.shape != b.shape:
        raise ValueError(f"split needs images of one size, got {a.shape[:2]} and {b.shape[:2]}")
    if orientation not in ("vertical", "horizontal"):
        raise ValueError(f"orientation must be 'vertical' or 'horizontal', not {orientation!r}")
    h, w = a.shape[:2]
    vertical = orientation == "vertical"
    extent = w if vertical else h
    cut = int(round(float(np.clip(position, 0.0, 1.0)) * extent))
    out = a.copy()
    if vertical:
        out[:, cut:] = b[:, cut:]
    else:
        out[cut:, :] = b[cut:, :]
    if divider_width > 0 and 0 < cut < extent:
        lo, hi = max(0, cut - divider_width // 2), min(extent, cut - divider_width // 2 + divider_width)
        if vertical:
            out[:, lo:hi] = divider_colour
        else:
            out[lo:hi, :] = divider_colour
    texts = (list(labels or []) + ["", ""])[:2]
    if any(texts):
        # Each label keeps to its own half (left/right or top/bottom), so the two never meet;
        # too small a picture for readable labels gets them in a band above it instead.
        corners = ("tl", "tr") if vertical else ("tl", "bl")
        share = [(w / 2, h)] * 2 if vertical else [(w, h / 2)] * 2
        labelled = overlay_labels(out, texts, corners, share)
        if labelled is None:
            arrows = ("\u2190 ", " \u2192") if vertical else ("\u2191 ", " \u2193")
            lines = [f"{arrows[0]}{texts[0]}" if texts[0] else "", f"{texts[1]}{arrows[1]}" if texts[1] else ""]
            band = _labels.band_lines(lines, w, BACKGROUND, TEXT_COLOUR)
            labelled = _labels.stack_band(out, band, BACKGROUND)
        out = labelled
    return out


def label_frame(frame: np.ndarray, label: str, corner: str = "tl") -> np.ndarray:
    """A copy of ``frame`` with ``label`` written in a corner (for blink animations); a frame
    too small for a readable label gets it in a band above instead (see :func:`label_frames`)."""
    return label_frames([frame], [label], corner)[0]


def label_frames(frames: Sequence[np.ndarray], texts: Sequence[str], corner: str = "tl") -> list[np.ndarray]:
    """Each frame with its label, all laid out alike so an animation's frames keep one size:
    in the corner at one common size when every label fits readably, else in a band above."""
    frames = [_check_frame(f, "frame") for f in frames]
    texts = (list(texts) + [""] * len(frames))[:len(frames)]
    if not any(texts):
        return [f.copy() for f in frames]
    sizes = [_labels.corner_size([t], [(f.shape[1], f.shape[0])], _overlay_size(*f.shape[:2]))
             for f, t in zip(frames, texts) if t]
    if None not in sizes:
        size = min(sizes)  # one size for all: the labels of one blink match
        return [_labels.draw_corner_labels(f, [t], [corner], size, TEXT_COLOUR) for f, t in zip(frames, texts)]
    width = max(f.shape[1] for f in frames)
    bands = [_labels.band_lines([t or " "], width, BACKGROUND, TEXT_COLOUR) for t in texts]
    bw = max(b.shape[1] for b in bands)
    return [_labels.stack_band(_labels.pad_width(f, bw, BACKGROUND), _labels.pad_width(b, bw, BACKGROUND),
                               BACKGROUND) for f, b in zip(frames, bands)]


# --------------------------------------------------------------------------- writing

def write_png(image: np.ndarray, path: str | Path) -> None:
    """Write a uint8 (h, w, 3) picture as a PNG with the sRGB ICC profile exports use, atomically."""
    pil = PILImage.fromarray(_check_frame(image, "image"))
    try:
        with atomic_path(path) as tmp:
            pil.save(tmp, format="PNG", icc_profile=srgb_icc_profile())
    except OSError as exc:
        raise ImageWriteError(path, exc.strerror or str(exc)) from exc


def _blink_format(path: Path) -> str:
    ext = path.suffix.lower()
    if ext == ".gif":
        return "GIF"
    if ext in (".png", ".apng"):
        return "PNG"
    raise ImageWriteError(path, _("cannot write a blink animation as {ext}; "
                                "use .gif or .png (animated PNG)").format(ext=ext or 'a file without extension'))


def _gif_frames(frames: list[np.ndarray]) -> list[PILImage.Image]:
    """Palette frames sharing ONE palette, so pixels common to both states stay identical."""
    if all(np.array_equal(f[..., 0], f[..., 1]) and np.array_equal(f[..., 0], f[..., 2]) for f in frames):
        return [PILImage.fromarray(f[..., 0]) for f in frames]  # grey: exact in mode "L"
    stacked = PILImage.fromarray(np.concatenate(frames, axis=0))
    palette = stacked.quantize(256, method=PILImage.Quantize.MEDIANCUT)
    return [PILImage.fromarray(f).quantize(palette=palette, dither=PILImage.Dither.NONE) for f in frames]


def write_blink(frames: Sequence[np.ndarray], path: str | Path, duration_ms: int = 800,
                labels: Sequence[str] | None = None, loop: int = 0) -> None:
    """Write an endlessly looping blink animation: .gif, or .png / .apng (animated PNG).

    Each frame shows for ``duration_ms``; ``labels`` are written in each frame's top-left
    corner. Frames must all have one size. The file is written atomically.
    """
    path = Path(path)
    fmt = _blink_format(path)
    if len(frames) < 2:
        raise ValueError("a blink animation needs at least two frames")
    frames = [_check_frame(f, f"frame {i}") for i, f in enumerate(frames)]
    if len({f.shape for f in frames}) != 1:
        raise ValueError(f"blink frames must have one size, got {[f.shape[:2] for f in frames]}")
    frames = label_frames(frames, list(labels or []))
    duration = max(20, int(duration_ms))  # browsers treat < 20 ms GIF delays as 100 ms
    try:
        with atomic_path(path) as tmp:
            if fmt == "GIF":
                pils = _gif_frames(frames)
                pils[0].save(tmp, format="GIF", save_all=True, append_images=pils[1:],
                             duration=duration, loop=loop, optimize=False, disposal=1)
            else:
                pils = [PILImage.fromarray(f) for f in frames]
                pils[0].save(tmp, format="PNG", save_all=True, append_images=pils[1:],
                             duration=duration, loop=loop, icc_profile=srgb_icc_profile(),
                             disposal=PngImagePlugin.Disposal.OP_NONE,
                             blend=PngImagePlugin.Blend.OP_SOURCE)
    except OSError as exc:
        raise ImageWriteError(path, exc.strerror or str(exc)) from exc


# --------------------------------------------------------------------------- one-call export

def export_comparison(doc: Any, path: str | Path, kind: str, states: Sequence[State] = (None, None),
                      labels: Sequence[str] | None = None,
                      region: tuple[int, int, int, int] | None = None, scale: float = 1.0,
                      stretch: Any = "auto", reference: int = 0, position: float = 0.5,
                      orientation: str = "vertical", duration_ms: int = 800,
                      progress: Progress | None = None) -> Path:
    """Render ``states`` of ``doc`` and write one comparison file; returns the path written.

    ``kind``: "side_by_side" or "split" (sRGB PNG), "blink_gif" or "blink_apng". ``labels``
    default to the state names ("Original", "Current"...). ``stretch``/``reference`` as in
    :func:`render_states`: by default one STF measured on the first state is used for all.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown comparison kind {kind!r}; expected one of {', '.join(KINDS)}")
    if len(states) < 2:
        raise ValueError("a comparison needs two states")
    if labels is None:
        labels = [state_label(doc, s) for s in states]
    path = Path(path)
    allowed = EXTENSIONS[kind]
    if path.suffix.lower() not in allowed:
        raise ImageWriteError(path, _("a {KIND_NAMES} must be saved as {text}").format(KIND_NAMES=KIND_NAMES[kind], text=' or '.join(allowed)))
    frames = comparison_frames(doc, states, region=region, scale=scale, stretch=stretch,
                               reference=reference, progress=scaled_progress(progress, 0.0, 0.9))
    if kind == "side_by_side":
        write_png(compose_side_by_side(frames, labels), path)
    elif kind == "split":
        write_png(compose_split(frames[0], frames[1], position, orientation, labels), path)
    else:
        write_blink(frames, path, duration_ms=duration_ms, labels=labels)
    if progress is not None:
        progress(1.0)
    return path
