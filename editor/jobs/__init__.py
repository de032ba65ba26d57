"""Progress reporting and cancellation for long jobs (no Qt)."""

from editor.jobs.progress import Cancelled, CancelToken, Progress, scaled_progress

__all__ = ["Cancelled", "CancelToken", "Progress", "scaled_progress"]
