"""HTML views of vigilance (filled in by the work on issue 4)."""
