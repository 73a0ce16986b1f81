"""Polish: 7.12.2026, 14:30, 1 234,56 zł, the week from Monday (Django's other Polish formats apply).

Date inputs: the browser's date picker sends and expects ISO (2026-12-07), so ISO comes first and is what a
form's date field renders; a typed 7.12.2026 is still read.
"""

SHORT_DATE_FORMAT = "j.m.Y"
SHORT_DATETIME_FORMAT = "j.m.Y H:i"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\u00a0"  # a no-break space: 1 234,56 never breaks across lines
NUMBER_GROUPING = 3

# MesoClinic's own names (read by mesoclinic.web.templatetags.web_tags.money): amounts are grouped
# (1 234,56) and the złoty is written as Poles write it. Other currencies keep their ISO code.
MONEY_GROUPING = True
CURRENCY_SYMBOLS = {"PLN": "zł"}
