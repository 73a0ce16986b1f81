"""HTML views of treatments (filled in by the work on issue 4)."""
