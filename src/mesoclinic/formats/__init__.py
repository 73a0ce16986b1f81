"""MesoClinic's own locale formats (``FORMAT_MODULE_PATH``): the few names that differ from Django's.

Django looks a format up here first, then in its own locale data. Templates name formats
(``|date:"SHORT_DATE_FORMAT"``), never patterns, so that each language gets its own.
"""
