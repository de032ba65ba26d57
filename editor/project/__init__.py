"""Project files (.nebula): saving and opening documents (no Qt).

- :mod:`editor.project.archive`: save_project / load_project (atomic, hostile-file safe).
- :mod:`editor.project.schema`: the document.json layout and its limits.
- :mod:`editor.project.migrations`: older schemas and older filter parameters.
- :mod:`editor.project.fits_store`: float32 FITS pixel data inside the zip.
"""
