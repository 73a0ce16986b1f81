"""Parse the text a barcode scanner types for a GS1 DataMatrix or GS1-128 label (pure Python).

Filled in by the inventory work; see ``parse``.
"""
