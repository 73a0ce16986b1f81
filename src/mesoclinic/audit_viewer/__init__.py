"""The auditor's viewer of the clinic's audit log: filters, pages and the CSV export.

Above ``accounts`` (it stands behind the staff gate and uses the shared CSV export), while the audit log
itself (``audit``) stays the lowest layer that everything writes to.
"""
