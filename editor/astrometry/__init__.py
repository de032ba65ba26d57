"""Plate solving (astrometry.net's solve-field, ASTAP) and the WCS helpers every sky-aware part
of Nebulayer uses (no Qt)."""
