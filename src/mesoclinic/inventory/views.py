"""HTML views of inventory (filled in by the work on issue 4)."""
