"""Outcomes: standardized photos and objective skin metrics.

For now only the pure analysis core lives here (:mod:`.analysis`); the Django layer (photos, scales,
viewer, reports) is added as its own app on top of it.
"""
