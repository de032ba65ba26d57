"""A whole stacking run as one cancellable job: masters, calibration, registration, integration.

    result = run_stack(StackRequest(lights=paths, darks=..., flats=..., output="M42.fits"),
                       progress=report, cancel=token)

Steps and their share of the progress bar: masters (0-20%), then each light is calibrated on
its raw mosaic, cosmetically corrected, debayered (bilinear) if it is a colour mosaic,
parked on disk with its stars (20-50%), then registered on the best light (lowest weighted
FWHM, :func:`choose_reference`) and resampled (50-75%), then the stack is normalised,
rejected and combined band by band (75-98%) and written as 32-bit FITS. Lights that cannot be
registered are reported and skipped; a bad file or a master that does not fit stops the run
with one line naming it. The progress callback may raise :class:`~editor.jobs.Cancelled`; a
cancelled run leaves no temporary files and no output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from editor.jobs.progress import CancelToken, Progress, scaled_progress
from editor.locale import D_, Text, _, localise, ngettext
from editor.stacking.calibration import Calibration
from editor.stacking.frames import FrameInfo, StackError, check_same_geometry, load_frame, peek_info
from editor.stacking.integration import Integration, IntegrationOptions, integrate
from editor.stacking.masters import Master, master_or_frames, save_master, save_pixel_map
from editor.stacking.normalisation import NORMALISATIONS, coefficients, common_stats
from editor.stacking.registration import (IDENTITY, INTERPOLATIONS, MIN_STARS,
                                          RegistrationError, Stars, detect_stars,
                                          find_transform, luminance, warp)
from editor.stacking.store import FrameStore

WEIGHTINGS = ("none", "noise", "fwhm")
# Reference-frame cards worth keeping on the master light (WCS stays true: we register on it).
_KEEP_PREFIXES = ("CTYPE", "CRVAL", "CRPIX", "CDELT", "CD1_", "CD2_", "PC1_", "PC2_", "CUNIT",
                  "CROTA", "PV1_", "PV2_", "A_", "B_", "AP_", "BP_")
_KEEP = ("OBJECT", "INSTRUME", "TELESCOP", "FILTER", "GAIN", "OFFSET", "ISOSPEED", "XBINNING",
         "YBINNING", "XPIXSZ", "YPIXSZ", "FOCALLEN", "APTDIA", "RA", "DEC", "OBJCTRA",
         "OBJCTDEC", "EQUINOX", "RADESYS", "WCSAXES", "LONPOLE", "LATPOLE", "A_ORDER",
         "B_ORDER", "ROWORDER", "SITELAT", "SITELONG", "OBSERVER", "BAYERPAT", "XBAYROFF",
         "YBAYROFF")


@dataclass
class StackRequest:
    """What to stack and how (the CLI's options, the GUI panel's fields)."""

    lights: Sequence[str | Path]
    darks: Sequence[str | Path] = ()
    flats: Sequence[str | Path] = ()
    bias: Sequence[str | Path] = ()
    dark_flats: Sequence[str | Path] = ()
    output: str | Path | None = None
    rejection: str = "auto"  # by frame count, as PixInsight advises; or a REJECTIONS name
    sigma_low: float = 3.0
    sigma_high: float = 3.0
    normalisation: str = "additive-scale"
    combine: str = "mean"
    weighting: str = "none"
    master_method: str = "mean"
    dark_scaling: bool = True
    cosmetic: bool = True
    register: bool = True
    reference: str | int = "best"  # "best" (lowest weighted FWHM) or a light's index
    interpolation: str = "bspline"  # registration resampling kernel, registration.INTERPOLATIONS
    debayer: bool = True
    save_masters: str | Path | None = None  # folder for the masters built from frames
    rejection_maps: bool = False
    workdir: str | Path | None = None
    memory_budget: int | None = None

    def __post_init__(self) -> None:
        if not self.lights:
            raise StackError(_("no light frames given"))
        if self.normalisation not in NORMALISATIONS:
            raise StackError(_("normalisation must be one of {text}").format(text=', '.join(NORMALISATIONS)))
        if self.reference != "best" and not (isinstance(self.reference, int)
                                             and 0 <= self.reference < len(self.lights)):
            raise StackError(_("reference light {reference} is not one of the "
                             "{n} lights (say best or 0..{n2})").format(reference=self.reference, n=len(self.lights), n2=len(self.lights) - 1))
        if self.interpolation not in INTERPOLATIONS:
            raise StackError(_("interpolation must be one of {text}").format(text=', '.join(INTERPOLATIONS)))
        if self.weighting not in WEIGHTINGS:
            raise StackError(_("weighting must be one of {text}").format(text=', '.join(WEIGHTINGS)))
        try:
            IntegrationOptions(self.combine, "none" if self.rejection == "auto" else self.rejection,
                               self.sigma_low, self.sigma_high)
        except ValueError as exc:
            raise StackError(str(exc)) from None


@dataclass
class FrameReport:
    """What happened to one light."""

    path: Path
    accepted: bool
    reason: str = ""
    registration: str = ""
    stars: int = 0
    fwhm: float = float("nan")
    noise: float = float("nan")
    weight: float = 1.0
    calibration: str = ""
    matrix: np.ndarray | None = field(default=None, repr=False)  # reference px -> frame px

    def line(self) -> Text:
        """English (the master's FITS HISTORY); ``localise(line)`` shows it translated."""
        if not self.accepted:
            return D_("{name}: skipped ({reason})", name=self.path.name, reason=self.reason)
        if self.calibration:
            return D_("{name}: {registration}; {stars} stars, FWHM {fwhm:.2f} px, weight {weight:.3f}; "
                      "{calibration}", name=self.path.name, registration=self.registration, stars=self.stars,
                      fwhm=self.fwhm, weight=self.weight, calibration=self.calibration)
        return D_("{name}: {registration}; {stars} stars, FWHM {fwhm:.2f} px, weight {weight:.3f}",
                  name=self.path.name, registration=self.registration, stars=self.stars, fwhm=self.fwhm,
                  weight=self.weight)


@dataclass
class StackResult:
    image: np.ndarray
    header: dict
    history: list[str]
    frames: list[FrameReport]
    masters: dict[str, str] = field(default_factory=dict)
    output: Path | None = None
    integration: Integration | None = field(default=None, repr=False)

    @property
    def accepted(self) -> list[FrameReport]:
        return [f for f in self.frames if f.accepted]

    def summary(self) -> str:
        low, high = self.integration.rejected_fraction if self.integration else (0.0, 0.0)
        total = len(self.frames)
        lines = [ngettext("stacked {n} of {total} light; rejected {low} low, {high} high",
                          "stacked {n} of {total} lights; rejected {low} low, {high} high", total).format(
            n=len(self.accepted), total=total, low=format_percent(low), high=format_percent(high))]
        lines += [localise(f.line()) for f in self.frames]
        return "\n".join(lines)


def format_percent(fraction: float) -> str:
    """``0.0123`` as "1.23%", "1,23 %" (the language's way)."""
    import re

    from babel import Locale
    from babel.numbers import format_percent as babel_percent

    from editor.locale import language

    # the language's own pattern ("#,##0 %" in French), with two decimals
    pattern = re.sub(r"0(?!.*0)", "0.00", Locale.parse(language()).percent_formats[None].pattern)
    return babel_percent(fraction, format=pattern, locale=language())


def _joined(notes: Sequence[str]) -> str:
    """``", ".join(notes)`` that :func:`localise` still shows note by note in the language."""
    text = Text(", ".join(notes))
    text.msgid = ", ".join(f"{{n{i}}}" for i in range(len(notes)))
    text.fields = {f"n{i}": note for i, note in enumerate(notes)}
    return text


def _masters(req: StackRequest, report: Progress | None) -> dict[str, Master | None]:
    kw = dict(method=req.master_method, workdir=req.workdir)
    bias = master_or_frames(req.bias, "bias", progress=scaled_progress(report, 0.0, 0.05), **kw)
    dark_flat = master_or_frames(req.dark_flats, "dark-flat",
                                 progress=scaled_progress(report, 0.05, 0.08), **kw)
    dark = master_or_frames(req.darks, "dark", progress=scaled_progress(report, 0.08, 0.14), **kw)
    flat = master_or_frames(req.flats, "flat", subtract=dark_flat or bias,
                            progress=scaled_progress(report, 0.14, 0.2), **kw)
    return {"bias": bias, "dark-flat": dark_flat, "dark": dark, "flat": flat}


def _light_infos(paths: Sequence[str | Path]) -> list[FrameInfo]:
    infos = [peek_info(p) for p in paths]
    check_same_geometry(infos, "lights")
    return infos


def run_stack(req: StackRequest, progress: Progress | None = None,
              cancel: CancelToken | None = None) -> StackResult:
    """Run the whole stack (see the module notes); returns the master and the frame reports."""
    report = cancel.progress(progress) if cancel is not None else progress
    infos = _light_infos(req.lights)
    masters = _masters(req, report)
    history: list[str] = []
    names: dict[str, str] = {}
    for kind, master in masters.items():
        if master is None:
            continue
        if master.path is None and req.save_masters:
            folder = Path(req.save_masters)
            folder.mkdir(parents=True, exist_ok=True)
            save_master(master, folder / f"master_{kind.replace('-', '_')}.fits")
        names[kind] = str(master.path) if master.path else f"built from {master.count} frames"
        history.append(f"Nebulayer: master {kind}: {master.name} ({master.count} frames)")
    calib = Calibration(masters["bias"], masters["dark"], masters["flat"],
                        dark_scaling=req.dark_scaling, cosmetic=req.cosmetic)
    for master in masters.values():
        if master is not None:
            for info in infos[:1]:
                calib.check(info)
    history += [f"Nebulayer: {note}" for note in calib.notes]
    dark = masters["dark"]
    if calib.hot is not None and dark is not None and dark.path is not None and req.save_masters \
            and Path(dark.path).parent == Path(req.save_masters):
        path = save_pixel_map(calib.hot, calib.cold, dark,
                              Path(dark.path).with_name("hot_pixel_map.fits"),
                              (calib.hot_sigma, calib.cold_sigma))
        history.append(f"Nebulayer: hot-pixel map {path.name}: {int(calib.hot.sum())} hot pixels")

    reports: list[FrameReport] = []
    kept_infos: list[FrameInfo] = []
    found: list[Stars] = []
    with FrameStore(req.workdir, prefix="nebulayer-calibrated-") as calibrated, \
            FrameStore(req.workdir) as store:
        # Pass 1: calibrate every light once, park it on disk, find its stars.
        for i, path in enumerate(req.lights):
            data, info = load_frame(path, req.memory_budget)
            if calib.empty:
                notes: list[str] = []
            else:
                data, notes = calib.apply(data, info)
            if info.pattern and req.debayer:
                from editor.io.debayer import debayer_bilinear

                data = debayer_bilinear(data, info.pattern)
            if i == 0:
                store.check_space(len(req.lights) + 1, data.shape)  # see discard below
            stars = detect_stars(luminance(data))
            found.append(stars)
            reports.append(FrameReport(Path(path), True, stars=len(stars), fwhm=stars.fwhm,
                                       noise=stars.noise, calibration=_joined(notes)))
            calibrated.add(data)
            del data
            if report:
                report(0.2 + 0.3 * (i + 1) / len(req.lights))
        ref = choose_reference(found) if req.reference == "best" else int(req.reference)
        if not 0 <= ref < len(found):
            raise StackError(_("reference light {ref} is not one of the {n} lights").format(ref=ref, n=len(found)))
        checked: dict[int, object] = {}
        if req.reference == "best" and req.register and len(found) >= 3:
            ref, checked = _reference_that_matches(found, calibrated)
        ref_lum = luminance(calibrated.frame(ref))
        # Pass 2: register each light on the reference, resample, park it for integration.
        for i, rep in enumerate(reports):
            data = calibrated.frame(i)
            if i == ref or not req.register:
                transform = IDENTITY
                rep.registration = D_("reference frame") if i == ref else D_("not registered")
            else:
                try:
                    transform = checked.get(i) or find_transform(found[ref], found[i], ref_lum,
                                                                 luminance(data))
                except RegistrationError as exc:
                    rep.accepted, rep.reason = False, str(exc)
                    calibrated.discard(i)
                    if report:
                        report(0.5 + 0.25 * (i + 1) / len(req.lights))
                    continue
                rep.registration = transform.describe()
            rep.matrix = transform.matrix
            store.add(warp(data, transform, interpolation=req.interpolation))
            del data
            calibrated.discard(i)  # so the disk holds about one copy of the lights, not two
            kept_infos.append(infos[i])
            if i == ref:
                ref_slot = len(store) - 1
            if report:
                report(0.5 + 0.25 * (i + 1) / len(req.lights))
        calibrated.close()  # its disk space is no longer needed
        accepted = [r for r in reports if r.accepted]
        if not accepted:
            raise StackError(_("no light could be registered: ") + "; ".join(
                f"{r.path.name}: {r.reason}" for r in reports[:3]))
        stats = common_stats([store.frame(i) for i in range(len(store))])
        gains = coefficients(stats, ref_slot, req.normalisation)
        weights = _weights(req.weighting, accepted, gains)
        for rep, w in zip(accepted, weights.mean(axis=1)):
            rep.weight = float(w)
        options = IntegrationOptions(req.combine, auto_rejection(req.rejection, len(accepted)),
                                     req.sigma_low, req.sigma_high)
        result = integrate(store, options, gains=gains, weights=weights,
                           progress=scaled_progress(report, 0.75, 0.98), budget=req.memory_budget)
    header = _output_header(infos[ref], kept_infos, debayered=result.image.ndim == 3)
    history += _history(req, reports, options)
    history.append(f"Nebulayer: reference light {reports[ref].path.name} ({reports[ref].stars} "
                   f"stars, FWHM {reports[ref].fwhm:.2f} px)")
    out = StackResult(result.image, header, history, reports, names, None, result)
    if req.output:
        write_result(out, req.output, req.rejection_maps)
    if report:
        report(1.0)
    return out


def choose_reference(found: Sequence[Stars]) -> int:
    """The light to register on: the lowest weighted FWHM, FWHM x (most stars in any light /
    stars in this one), as Siril's two-pass registration picks it: sharp and clear (a light
    through cloud loses stars, so its wFWHM rises). Lights with too few stars to measure only
    win if none has enough; then the one with most stars."""
    return reference_order(found)[0] if found else 0


def reference_order(found: Sequence[Stars]) -> list[int]:
    """Lights from the best reference to the worst (see :func:`choose_reference`)."""
    most = max((len(s) for s in found), default=0)
    wfwhm = [s.fwhm * most / len(s) if len(s) >= MIN_STARS and np.isfinite(s.fwhm) else np.inf
             for s in found]
    return sorted(range(len(found)), key=lambda i: (wfwhm[i], -len(found[i])))


def _reference_that_matches(found: Sequence[Stars], calibrated) -> tuple[int, dict[int, object]]:
    """The best reference that also registers one of two other lights. A stray light of another
    field (a crowded DSS plate mixed into M13 frames: 210 sharp stars) wins on wFWHM and then
    every real light fails to register on it; the next candidates are tried (at most 3).
    Returns the reference and the transforms already found (reused, not recomputed)."""
    order = reference_order(found)
    for cand in order[:3]:
        lum = luminance(calibrated.frame(cand))
        done: dict[int, object] = {}
        for i in [k for k in range(len(found)) if k != cand][:2]:
            try:
                done[i] = find_transform(found[cand], found[i], lum, luminance(calibrated.frame(i)))
            except RegistrationError:
                pass
        if done:
            return cand, done
    return order[0], {}


def auto_rejection(method: str, frames: int) -> str:
    """"auto": sigma clipping below 8 frames (a winsorized sigma from 5 values is too small and
    clips good star cores), winsorized sigma from 8 on (Siril's default)."""
    if method != "auto":
        return method
    return "sigma" if frames < 8 else "winsorized"


def _weights(mode: str, accepted: list[FrameReport], gains: np.ndarray) -> np.ndarray:
    n, channels = gains.shape[:2]
    if mode == "noise":  # inverse variance of the normalised frame's background noise
        noise = np.array([r.noise for r in accepted])[:, None] * gains[:, :, 0]
        w = 1.0 / np.maximum(noise, 1e-12) ** 2
    elif mode == "fwhm":  # sharper frames count more
        fwhm = np.array([r.fwhm if np.isfinite(r.fwhm) else np.nan for r in accepted])
        fwhm = np.where(np.isfinite(fwhm), fwhm, np.nanmedian(fwhm) if np.isfinite(fwhm).any()
                        else 1.0)
        w = np.repeat((1.0 / np.maximum(fwhm, 0.1) ** 2)[:, None], channels, axis=1)
    else:
        w = np.ones((n, channels))
    w = np.where(np.isfinite(w), w, 0.0)
    return w / w.max() if w.max() > 0 else np.ones((n, channels))


def _output_header(ref: FrameInfo, infos: list[FrameInfo], debayered: bool) -> dict:
    header = {k: v for k, v in ref.header.items()
              if k in _KEEP or k.startswith(_KEEP_PREFIXES)}
    if debayered:
        for key in ("BAYERPAT", "XBAYROFF", "YBAYROFF"):
            header.pop(key, None)
    exposures = [i.exposure for i in infos if i.exposure]
    header["IMAGETYP"] = "Master Light"
    header["NCOMBINE"] = len(infos)
    header["STACKCNT"] = len(infos)
    if exposures:
        header["EXPTIME"] = float(np.sum(exposures))
        header["LIVETIME"] = float(np.sum(exposures))
        header["EXPOSURE"] = float(np.mean(exposures))
    dates = sorted(i.date for i in infos if i.date)
    if dates:
        header["DATE-OBS"], header["DATE-END"] = dates[0], dates[-1]
    return header


def _history(req: StackRequest, reports: list[FrameReport],
             options: IntegrationOptions) -> list[str]:
    lines = [f"Nebulayer: integration {options.combine}, rejection {options.rejection} "
             f"({options.sigma_low:g}, {options.sigma_high:g}), normalisation "
             f"{req.normalisation}, weights {req.weighting}",
             f"Nebulayer: registration by star matching (similarity), {req.interpolation} "
             "resampling"]
    for rep in reports:
        lines.append(f"Nebulayer: light {rep.line()}")
    return lines


def write_result(result: StackResult, path: str | Path, rejection_maps: bool = False) -> Path:
    """Write the master light (32-bit float FITS, header + HISTORY) and optionally its
    rejection maps next to it (``<name>_rejmap_low.fits`` / ``_high``)."""
    from editor.io.fits_write import write_fits

    path = Path(path)
    comments = {"NCOMBINE": "number of lights combined", "EXPTIME": "[s] total exposure",
                "EXPOSURE": "[s] mean exposure of one light", "DATE-END": "last light's DATE-OBS"}
    write_fits(path, result.image, result.header, result.history, comments)
    if rejection_maps and result.integration is not None:
        for side, data in (("low", result.integration.low_map),
                           ("high", result.integration.high_map)):
            header = {k: v for k, v in result.header.items() if k == "ROWORDER"}
            header["IMAGETYP"] = f"Rejection map ({side})"
            write_fits(path.with_name(f"{path.stem}_rejmap_{side}.fits"), data, header,
                       [f"Nebulayer: fraction of frames rejected {side} at each pixel"])
    result.output = path
    return path
