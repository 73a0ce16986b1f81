"""Backup and restore of the whole installation (database rows + media files) as one portable archive.

No models: the archive format and the two management commands ``backup`` and ``restore`` live here.
"""
