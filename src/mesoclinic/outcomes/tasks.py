"""Background work of the outcomes app.

The photo analysis task is ``mesoclinic.outcomes.services.analyze_photo``: the upload service enqueues it on
commit, and the import contract (services and tasks are independent peers) does not let either module import
the other, so the task is defined beside the service that enqueues it.
"""
