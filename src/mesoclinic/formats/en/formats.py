"""English: the unambiguous ISO day (2026-12-07) in lists and details, as MesoClinic has always shown it."""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
FIRST_DAY_OF_WEEK = 1  # Monday: a clinic's week, as ISO 8601 and Europe count it
