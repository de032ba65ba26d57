"""Dock panels of the editor tab: layers, masks, adjustments, histogram, metadata, parameter widgets, LRGB dialog."""
