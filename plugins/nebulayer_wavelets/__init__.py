"""Nebulayer plugin: multiscale wavelet sharpening (RegiStax-style a trous layers).

Adds the adjustment "Wavelet sharpening" (id ``wavelets.sharpen``): per-layer gains for
structures of 1, 2, 4, 8, 16 and 32 pixels, a noise threshold that keeps noise from being
amplified, and optional denoising of what lies under the threshold.
"""

from __future__ import annotations

from typing import Any

from filters.registry import FilterSpec, Param

from .sharpen import MAX_LAYERS, wavelet_sharpen

__version__ = "1.0.0"


def _halo(params: dict[str, Any]) -> int:
    return 2 * (2 ** int(params.get("layers", MAX_LAYERS)) - 1)


def plugin_manifest() -> dict[str, Any]:
    gains = tuple(
        Param(f"gain{j}", "float", 1.0, label=f"Layer {j} ({2 ** (j - 1)} px)", min=0.0, max=20.0,
              step=0.05, doc=f"Multiplies detail about {2 ** (j - 1)} px across; 1 = unchanged")
        for j in range(1, MAX_LAYERS + 1))
    return {
        "api_version": 1,
        "id": "nebulayer.wavelets",
        "name": "Wavelet sharpening",
        "version": __version__,
        "description": __doc__,
        "filters": [FilterSpec(
            id="wavelets.sharpen",
            name="Wavelet sharpening",
            func=wavelet_sharpen,
            params=(Param("layers", "int", 4, label="Layers", min=1, max=MAX_LAYERS,
                          doc="How many scales to work on"),
                    *gains,
                    Param("noise_threshold", "float", 0.0, label="Noise threshold", min=0.0,
                          max=10.0, step=0.1, unit="sigma",
                          doc="Detail weaker than this many noise sigmas is not sharpened"),
                    Param("denoise", "float", 0.0, label="Denoise", min=0.0, max=1.0, step=0.05,
                          doc="Reduces detail under the noise threshold (1 removes it)")),
            doc=wavelet_sharpen.__doc__ or "",
            # border a region render needs: the a trous kernels reach 2 * (2**n - 1) pixels
            extra={"halo": _halo},
        )],
    }
