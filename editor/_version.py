"""The version of Nebulayer (its own module: editor.io writes it without importing editor)."""

__version__ = "0.1.0"
