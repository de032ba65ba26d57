"""Finding a capture session's lights, darks, flats and bias frames in its folder.

Frames saved by the Acquisition tab are named ``<Type>_<filter>_<NNNN>_<exposure>s.fits``
(``Light_Ha_0003_300s.fits``, ``Dark_0001_300s.fits``...); other programs' frames are sorted by
their FITS ``IMAGETYP`` card (``Light Frame``, ``Dark Frame``, ``Flat Field``, ``Bias Frame``,
``Dark Flat``), as Siril, APP and DeepSkyStacker do. Masters (``Master ...``) are left out:
they are results, not inputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from editor.errors import NebulayerError
from editor.locale import _

FRAME_SUFFIXES = (".fits", ".fit", ".fts")
_NAMED = re.compile(r"^(light|dark|flat|bias|darkflat|dark-flat|dark_flat)_(?:(.+?)_)?\d{4,}_",
                    re.IGNORECASE)


@dataclass
class SessionFrames:
    """Frames of one session by kind; lights and flats by filter ("" when none)."""

    folder: Path
    lights: dict[str, list[Path]] = field(default_factory=dict)
    flats: dict[str, list[Path]] = field(default_factory=dict)
    darks: list[Path] = field(default_factory=list)
    bias: list[Path] = field(default_factory=list)
    dark_flats: list[Path] = field(default_factory=list)

    @property
    def filters(self) -> list[str]:
        return sorted(self.lights)

    def describe(self) -> str:
        parts = [f"{len(v)} light{'s' if len(v) != 1 else ''}" + (f" {k}" if k else "")
                 for k, v in sorted(self.lights.items())]
        parts += [f"{sum(map(len, self.flats.values()))} flats", f"{len(self.darks)} darks",
                  f"{len(self.bias)} bias"]
        if self.dark_flats:
            parts.append(f"{len(self.dark_flats)} dark flats")
        return ", ".join(parts)


def _kind_from_header(path: Path) -> tuple[str, str]:
    from editor.stacking.frames import peek_info

    try:
        info = peek_info(path)
    except NebulayerError:
        return "", ""
    text = info.imagetyp.lower()
    filt = str(info.header.get("FILTER", "") or "").strip()
    if "master" in text:
        return "", ""
    for word, kind in (("dark flat", "dark-flat"), ("darkflat", "dark-flat"), ("flat", "flat"),
                       ("dark", "dark"), ("bias", "bias"), ("offset", "bias"), ("zero", "bias"),
                       ("light", "light"), ("object", "light")):
        if word in text:
            return kind, filt
    return "", ""


def scan_session(folder: str | Path) -> SessionFrames:
    """Sort the frames of ``folder`` (not its sub-folders) by kind and filter."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NebulayerError(_("{folder}: not a folder").format(folder=folder))
    found = SessionFrames(folder)
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in FRAME_SUFFIXES or path.name.startswith("."):
            continue
        match = _NAMED.match(path.name)
        if match:
            kind = match.group(1).lower().replace("_", "-")
            kind = "dark-flat" if kind in ("darkflat", "dark-flat") else kind
            filt = match.group(2) or ""
        else:
            kind, filt = _kind_from_header(path)
        if kind == "light":
            found.lights.setdefault(filt, []).append(path)
        elif kind == "flat":
            found.flats.setdefault(filt, []).append(path)
        elif kind == "dark":
            found.darks.append(path)
        elif kind == "bias":
            found.bias.append(path)
        elif kind == "dark-flat":
            found.dark_flats.append(path)
    return found


def request_for(frames: SessionFrames, filter_name: str, output: Path, **options):
    """The :class:`~editor.stacking.pipeline.StackRequest` for one filter of a session."""
    from editor.stacking.frames import StackError
    from editor.stacking.pipeline import StackRequest

    lights = frames.lights.get(filter_name, [])
    if not lights:
        raise StackError(_("{folder}: no light frames").format(folder=frames.folder)
                         + (_(" through filter {filter_name}").format(filter_name=filter_name) if filter_name else ""))
    flats = frames.flats.get(filter_name) or (frames.flats.get("", []) if not filter_name else [])
    options.setdefault("save_masters", frames.folder / "masters")  # the live stack reuses them
    return StackRequest(lights=lights, darks=frames.darks, flats=flats, bias=frames.bias,
                        dark_flats=frames.dark_flats, output=output, **options)


MASTER_NAMES = {"bias": "master_bias.fits", "dark": "master_dark.fits",
                "flat": "master_flat.fits"}


def session_masters(folder: str | Path, filter_name: str = "",
                    progress=None) -> dict[str, Path]:
    """The session's master bias, dark and flat (for the live stack): those saved in
    ``folder/masters`` by a session stack, the missing ones built from the session's frames
    and saved there (a flat through ``filter_name``, else the first filter's). Raises a
    one-line StackError when the folder has neither masters nor calibration frames."""
    from editor.jobs.progress import scaled_progress
    from editor.stacking.frames import StackError
    from editor.stacking.masters import master_or_frames, save_master

    folder = Path(folder)
    where = folder / "masters"
    found = {k: where / n for k, n in MASTER_NAMES.items() if (where / n).is_file()}
    if "dark" in found and "flat" in found:
        return found
    frames = scan_session(folder)
    flats = frames.flats.get(filter_name) or next(iter(frames.flats.values()), [])
    todo = {k: v for k, v in (("bias", frames.bias), ("dark", frames.darks), ("flat", flats))
            if v and k not in found}
    if not todo and not found:
        raise StackError(_("{folder}: no master or dark, flat or bias frames in this session").format(folder=folder))
    built = {}
    for i, (kind, paths) in enumerate(todo.items()):
        sub = built.get("bias") if kind == "flat" else None
        if kind == "flat" and sub is None and "bias" in found:
            from editor.stacking.masters import load_master

            sub = load_master(found["bias"], "bias")
        master = master_or_frames(paths, kind, subtract=sub, progress=scaled_progress(
            progress, i / len(todo), (i + 1) / len(todo)))
        built[kind] = master
        if master is not None:
            where.mkdir(parents=True, exist_ok=True)
            found[kind] = save_master(master, where / MASTER_NAMES[kind])
    return found
