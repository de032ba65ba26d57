"""Qt helpers shared by every feature: background workers, the job runner, the document adapter."""
