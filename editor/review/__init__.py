"""Club review pages: before/after slider, notes' 100 % crops, capture details, processing steps.

``export_review(["mine.nebula", "yours.nebula"], "review/")`` writes ``review/index.html`` and its
pictures: a folder that opens from disk in any browser, with no network access.
"""

from editor.review.export import ReviewError, export_review
from editor.review.locate import place_note, update_note

__all__ = ["export_review", "ReviewError", "place_note", "update_note"]
