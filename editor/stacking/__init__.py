"""Calibration, registration and integration of astro frames: from lights, darks, flats and bias
frames on disk to a 32-bit master, with Siril's methods (no Qt).

    from editor.stacking import StackRequest, run_stack
    result = run_stack(StackRequest(lights=[...], darks=[...], flats=[...], output="M42.fits"))

Modules: :mod:`frames` (reading frames and their exposure/temperature/Bayer keywords),
:mod:`masters` (bias, dark, flat masters), :mod:`calibration` and :mod:`cosmetic` (lights),
:mod:`registration` (star matching, resampling), :mod:`normalisation`, :mod:`rejection` and
:mod:`integration` (band-wise, memory-bounded combination), :mod:`pipeline` (the whole run as a
cancellable job), :mod:`cli` (``nebulayer stack``).
"""

from editor.stacking.frames import StackError

__all__ = ["StackError", "StackRequest", "StackResult", "run_stack"]


def __getattr__(name: str):
    # Lazy: importing editor.stacking for its error type must not import astroalign or sep.
    if name in ("StackRequest", "StackResult", "run_stack"):
        from editor.stacking import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'editor.stacking' has no attribute {name!r}")
