"""Project files (.nebula): saving and opening documents (no Qt).

- :mod:`editor.project.archive`: save_project / load_project (atomic, hostile-file safe).
- :mod:`editor.project.schema`: the document.json layout and its structural checks.
- :mod:`editor.project.limits`: bounds on every size a file states (nesting, counts, texts).
- :mod:`editor.project.migrations`: older schemas and older filter parameters.
- :mod:`editor.project.fits_store`: float32 FITS pixel data inside the zip.
- :mod:`editor.project.recovery`: crash-recovery copies, recognised by where they live.
"""
