"""Sky coordinates (FITS WCS) carried through every geometry change, with astropy.

A header's WCS counts pixel rows in the order the file stores them (``ROWORDER``, BOTTOM-UP
when absent); Nebulayer holds pixels top row first. Every change is therefore done on the
*array WCS* (pixel (x, y) = column, row of the in-memory array, row 0 = top) and written back
in the row order of the file being written:

* :func:`array_wcs` / :func:`with_array_wcs`: header <-> array WCS (the row flip),
* :func:`shifted`: a picture moved on a canvas (an image layer's offset) or cropped,
* :func:`scaled`: resampled by a factor about pixel centres (a render at ``--scale``), SIP
  distortion included,
* :func:`for_geometry`: the whole path from a source's header to an output's header,
* :func:`drop_bunit`: BUNIT removed (with a HISTORY line) once a non-linear stretch has made
  the values unitless.

Pixel-centre conventions: FITS pixel 1 is array index 0. A render at scale ``s`` makes output
pixel ``i`` cover canvas rows ``[i/s, (i+1)/s)`` (editor/render/resample.py), so its centre is
canvas index ``(i + 0.5)/s - 0.5``; hence ``CRPIX' = (CRPIX - 0.5) s + 0.5`` and ``CD' = CD / s``.
"""

from __future__ import annotations

import warnings
from typing import Any, Mapping

import numpy as np

#: Header keywords that make up a WCS (all removed before a transformed one is written).
WCS_PREFIXES = ("CTYPE", "CRPIX", "CRVAL", "CDELT", "CUNIT", "CD1_", "CD2_", "PC1_", "PC2_",
                "CROTA", "A_", "B_", "AP_", "BP_", "LONPOLE", "LATPOLE", "RADESYS", "EQUINOX",
                "WCSAXES", "PV1_", "PV2_", "WCSNAME")


#: A Digitized Sky Survey plate solution: astropy (wcslib) reads it instead of CRPIX/CD, so
#: it goes too when a transformed WCS is written (as the TAN astropy makes of it).
DSS_PREFIXES = ("AMDX", "AMDY", "AMDRE", "PPO", "CNPIX", "XPIXELSZ", "YPIXELSZ", "PLTRA",
                "PLTDEC")


def is_wcs_key(key: str) -> bool:
    return key.startswith(WCS_PREFIXES) or key.startswith(DSS_PREFIXES)


def bottom_up(header: Mapping[str, Any]) -> bool:
    """True when the header's rows are stored bottom row first (FITS's default)."""
    return str(header.get("ROWORDER", "BOTTOM-UP")).strip().upper() != "TOP-DOWN"


def _fits_header(cards: Mapping[str, Any]) -> Any:
    from astropy.io import fits

    hdr = fits.Header()
    for k, v in cards.items():  # every card: wcslib also reads DATE-OBS, DSS plate keys...
        if isinstance(v, (list, tuple, dict)) or v is None or k in ("HISTORY", "COMMENT", ""):
            continue
        try:
            hdr[k] = v
        except (ValueError, KeyError):
            continue
    return hdr


def header_wcs(header: Mapping[str, Any]) -> Any | None:
    """The celestial WCS of ``header`` in its stored pixel order, or None when it has none."""
    if not isinstance(header.get("CTYPE1"), str) or not isinstance(header.get("CTYPE2"), str):
        return None  # absent, or a damaged card astropy would choke on (CTYPE1 = -64)
    from astropy.wcs import WCS, FITSFixedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FITSFixedWarning)
        try:
            wcs = WCS(_fits_header(header), naxis=2, relax=True)
        except (ValueError, KeyError, MemoryError, TypeError, AttributeError):  # unparsable: none
            return None
    return wcs.celestial if wcs.has_celestial else None


def _with_sip(wcs: Any, transform: Any) -> None:
    """Replace ``wcs.sip`` by its coefficients put through ``transform(matrix, which)``."""
    if wcs.sip is None:
        return
    from astropy.wcs import Sip

    s = wcs.sip
    wcs.sip = Sip(transform(s.a, "a"), transform(s.b, "b"), transform(s.ap, "a"),
                  transform(s.bp, "b"), tuple(wcs.wcs.crpix))


def flipped_rows(wcs: Any, height: int) -> Any:
    """The same sky mapping with rows counted from the other end: y' = height - 1 - y."""
    out = wcs.deepcopy()
    w = out.wcs
    w.crpix[1] = height + 1 - w.crpix[1]
    if w.has_cd():
        w.cd[:, 1] *= -1
    else:
        pc = w.get_pc().copy()
        pc[:, 1] *= -1
        w.pc = pc

    def flip(m: np.ndarray | None, which: str) -> np.ndarray | None:
        # SIP terms are powers of (u, v) offsets from CRPIX: odd powers of v change sign,
        # and B's output (a v offset) too.
        if m is None:
            return None
        q = np.arange(m.shape[1])[None, :]
        sign = -1.0 if which == "b" else 1.0
        return sign * np.asarray(m, float) * np.where(q % 2 == 1, -1.0, 1.0)

    _with_sip(out, flip)
    w.set()
    return out


def shifted(wcs: Any, dy: float, dx: float) -> Any:
    """Pixel (x, y) becomes (x + dx, y + dy): a picture placed at offset (dy, dx) on a canvas;
    a crop starting at (y0, x0) is ``shifted(wcs, -y0, -x0)``."""
    out = wcs.deepcopy()
    out.wcs.crpix = np.asarray(out.wcs.crpix, float) + np.array([dx, dy], float)
    if out.sip is not None:
        _with_sip(out, lambda m, which: m)  # SIP's reference point follows CRPIX
    out.wcs.set()
    return out


def scaled(wcs: Any, scale: float) -> Any:
    """Resampled by ``scale`` about pixel centres (see the module notes)."""
    out = wcs.deepcopy()
    w = out.wcs
    w.crpix = (np.asarray(w.crpix, float) - 0.5) * scale + 0.5
    if w.has_cd():
        w.cd = np.asarray(w.cd, float) / scale
    else:
        w.cdelt = np.asarray(w.cdelt, float) / scale

    def rescale(m: np.ndarray | None, which: str) -> np.ndarray | None:
        # f'(u', v') = s f(u'/s, v'/s): the (p, q) term gets s**(1 - p - q)
        if m is None:
            return None
        p, q = np.indices(m.shape)
        return np.asarray(m, float) * float(scale) ** (1 - p - q)

    _with_sip(out, rescale)
    w.set()
    return out


def array_wcs(header: Mapping[str, Any], height: int) -> Any | None:
    """The WCS in in-memory order (row 0 = top) of an image of ``height`` rows read with it."""
    wcs = header_wcs(header)
    if wcs is None:
        return None
    return flipped_rows(wcs, height) if bottom_up(header) else wcs


def with_array_wcs(header: Mapping[str, Any], wcs: Any | None, height: int) -> dict[str, Any]:
    """``header`` with its WCS cards replaced by ``wcs`` (array order), written for the
    header's own row order and an image of ``height`` rows; None removes the WCS."""
    out = {k: v for k, v in header.items() if not is_wcs_key(k)}
    if wcs is None:
        return out
    stored = flipped_rows(wcs, height) if bottom_up(header) else wcs
    cards = stored.to_header(relax=True)
    for key in cards:
        if key in ("DATE-OBS", "MJD-OBS", "MJDREF", "MJDREFI", "MJDREFF", "DATEREF", "COMMENT",
                   "HISTORY", ""):
            continue
        out[key] = cards[key]
    return out


def _has_plate_solution(header: Mapping[str, Any]) -> bool:
    return "AMDX1" in header and "CNPIX1" in header


def _refit(wcs: Any, to_source: Any, shape: tuple[int, int]) -> Any:
    """A TAN-SIP WCS for an output of ``shape`` whose pixel (x, y) shows source pixel
    ``to_source(x, y)`` of ``wcs``: for solutions (a DSS plate's polynomials) that no CRPIX/CD
    change can move. Fitted by astropy on a 20 x 20 grid; residuals ~1e-4 px."""
    from astropy.wcs.utils import fit_wcs_from_points

    h, w = shape
    y, x = np.meshgrid(np.linspace(-0.5, h - 0.5, 20), np.linspace(-0.5, w - 0.5, 20),
                       indexing="ij")
    sx, sy = to_source(x.ravel(), y.ravel())
    sky = wcs.pixel_to_world(sx, sy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_wcs_from_points((x.ravel(), y.ravel()), sky, proj_point="center",
                                   projection="TAN", sip_degree=4)


def for_geometry(header: Mapping[str, Any], source_height: int, out_shape: tuple[int, int], *,
                 offset: tuple[float, float] = (0.0, 0.0), scale: float = 1.0,
                 crop: tuple[int, int] = (0, 0)) -> dict[str, Any]:
    """The header of an output of ``out_shape`` (rows, columns) made from a source read with
    ``header`` (``source_height`` rows): the source placed at ``offset`` (y, x) on a canvas,
    the canvas resampled by ``scale``, then the window starting at ``crop`` (y0, x0) of the
    scaled canvas kept. Headers without a WCS, or an unchanged geometry, come back as they are.
    """
    out_height = int(out_shape[0])
    wcs = array_wcs(header, source_height)
    if wcs is None or (tuple(offset) == (0, 0) and scale == 1.0 and tuple(crop) == (0, 0)
                       and out_height == source_height):
        return dict(header)
    if _has_plate_solution(header):
        oy, ox = float(offset[0]), float(offset[1])
        cy, cx = float(crop[0]), float(crop[1])

        def to_source(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return ((x + cx + 0.5) / scale - 0.5 - ox, (y + cy + 0.5) / scale - 0.5 - oy)

        return with_array_wcs(header, _refit(wcs, to_source, out_shape), out_height)
    wcs = shifted(wcs, float(offset[0]), float(offset[1]))
    if scale != 1.0:
        wcs = scaled(wcs, float(scale))
    if crop != (0, 0):
        wcs = shifted(wcs, -float(crop[0]), -float(crop[1]))
    return with_array_wcs(header, wcs, out_height)


def with_row_order(header: Mapping[str, Any], shape: tuple[int, int],
                   row_order: str) -> dict[str, Any]:
    """``header`` re-expressed for a file storing rows ``row_order`` ("TOP-DOWN" or
    "BOTTOM-UP"), its WCS following (e.g. an Astro-TIFF header: TIFF rows are top-down)."""
    height = int(shape[0])
    out = dict(header)
    out["ROWORDER"] = row_order
    if bottom_up(header) == bottom_up(out):
        return out
    wcs = array_wcs(header, height)
    if wcs is None:
        return out
    if _has_plate_solution(header):
        wcs = _refit(wcs, lambda x, y: (x, y), shape)
    return with_array_wcs(out, wcs, height)


def drop_bunit(header: Mapping[str, Any], why: str) -> dict[str, Any]:
    """``header`` without BUNIT, with a HISTORY line saying why (the values lost their unit)."""
    if "BUNIT" not in header:
        return dict(header)
    out = {k: v for k, v in header.items() if k != "BUNIT"}
    history = list(out.get("HISTORY", []))
    history.append(f"Nebulayer: BUNIT '{header['BUNIT']}' removed: {why}")  # untranslated: HISTORY is English
    out["HISTORY"] = history
    return out


def affine(wcs: Any, matrix: Any, offset: Any) -> Any:
    """The WCS of a picture whose pixel p' = (x', y') shows pixel ``matrix @ p' + offset`` of
    ``wcs``'s picture (0-based array coordinates): crops, flips, rotations (any angle) and
    scales in one. Linear WCS only (no SIP): ``CD' = CD @ matrix``, ``CRPIX`` moved to the
    new pixel that shows the old reference pixel. Use :func:`for_affine` for headers."""
    m = np.asarray(matrix, float).reshape(2, 2)
    b = np.asarray(offset, float).reshape(2)
    out = wcs.deepcopy()
    w = out.wcs
    crpix0 = np.asarray(w.crpix, float) - 1.0
    new_crpix0 = np.linalg.solve(m, crpix0 - b)
    if w.has_cd():
        w.cd = np.asarray(w.cd, float) @ m
    else:
        w.pc = w.get_pc() @ m  # CD = diag(CDELT) PC, so PC' = PC M keeps CDELT
    w.crpix = new_crpix0 + 1.0
    w.set()
    return out


def for_affine(header: Mapping[str, Any], source_height: int, out_shape: tuple[int, int],
               matrix: Any, offset: Any) -> dict[str, Any]:
    """The header of an output of ``out_shape`` (rows, columns) whose array pixel (x, y)
    shows source array pixel ``matrix @ (x, y) + offset`` of a source read with ``header``
    (``source_height`` rows). SIP and DSS plate solutions are refitted as TAN-SIP."""
    out_height = int(out_shape[0])
    wcs = array_wcs(header, source_height)
    if wcs is None:
        return dict(header)
    m = np.asarray(matrix, float).reshape(2, 2)
    b = np.asarray(offset, float).reshape(2)
    if _has_plate_solution(header) or wcs.sip is not None:
        def to_source(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return m[0, 0] * x + m[0, 1] * y + b[0], m[1, 0] * x + m[1, 1] * y + b[1]

        return with_array_wcs(header, _refit(wcs, to_source, out_shape), out_height)
    return with_array_wcs(header, affine(wcs, m, b), out_height)
