"""The wording every clinic starts with, per kind, channel and language (English and Polish).

Placeholders (Django template syntax): ``name`` (first name), ``clinic``, ``clinic_phone``, ``when`` (the
appointment's local date and time), ``location``, ``protocol``, ``aftercare``, ``due_on``, ``window_opens``,
``window_closes``, ``check_url``, ``opt_out_url``. The opt-out link is added to any message that lacks it.
"""

from __future__ import annotations

PLACEHOLDERS = (
    "name",
    "clinic",
    "clinic_phone",
    "when",
    "location",
    "protocol",
    "aftercare",
    "due_on",
    "window_opens",
    "window_closes",
    "check_url",
    "opt_out_url",
)

_EN_FOOTER = "\n\nTo stop these messages: {{ opt_out_url }}"
_PL_FOOTER = "\n\nAby zrezygnować z tych wiadomości: {{ opt_out_url }}"

# (kind, language) -> (e-mail subject, e-mail body, SMS body)
_TEXTS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("reminder", "en"): (
        "Your appointment at {{ clinic }} on {{ when }}",
        "Dear {{ name }},\n\nthis is a reminder of your {{ protocol }} appointment on {{ when }} at "
        "{{ location }}.\nIf you cannot come, please call us on {{ clinic_phone }}.\n\n{{ clinic }}"
        + _EN_FOOTER,
        "{{ clinic }}: reminder of your appointment on {{ when }} at {{ location }}. "
        "Can't come? Call {{ clinic_phone }}. Stop: {{ opt_out_url }}",
    ),
    ("reminder", "pl"): (
        "Twoja wizyta w {{ clinic }}: {{ when }}",
        "Dzień dobry {{ name }},\n\nprzypominamy o wizycie ({{ protocol }}) {{ when }} w {{ location }}.\n"
        "Jeśli nie możesz przyjść, zadzwoń: {{ clinic_phone }}.\n\n{{ clinic }}" + _PL_FOOTER,
        "{{ clinic }}: przypomnienie o wizycie {{ when }}, {{ location }}. "
        "Odwołanie: {{ clinic_phone }}. Rezygnacja: {{ opt_out_url }}",
    ),
    ("continuation", "en"): (
        "Time to book your next {{ protocol }} session",
        "Dear {{ name }},\n\nyour next {{ protocol }} session is best between {{ window_opens }} and "
        "{{ window_closes }}, and it is not booked yet. Please call us on {{ clinic_phone }} to book it.\n\n"
        "{{ clinic }}" + _EN_FOOTER,
        "{{ clinic }}: your next {{ protocol }} session is due {{ window_opens }}–{{ window_closes }}. "
        "Book on {{ clinic_phone }}. Stop: {{ opt_out_url }}",
    ),
    ("continuation", "pl"): (
        "Czas umówić kolejny zabieg: {{ protocol }}",
        "Dzień dobry {{ name }},\n\nkolejny zabieg ({{ protocol }}) najlepiej wykonać między "
        "{{ window_opens }} a {{ window_closes }}; nie jest jeszcze umówiony. Zadzwoń: {{ clinic_phone }}.\n\n"
        "{{ clinic }}" + _PL_FOOTER,
        "{{ clinic }}: kolejny zabieg {{ window_opens }}–{{ window_closes }}. "
        "Zapisy: {{ clinic_phone }}. Rezygnacja: {{ opt_out_url }}",
    ),
    ("recall", "en"): (
        "Your maintenance visit is due",
        "Dear {{ name }},\n\nthe effect of your {{ protocol }} series lasts about six months; a maintenance "
        "session is due around {{ due_on }}. Call us on {{ clinic_phone }} to book it.\n\n{{ clinic }}"
        + _EN_FOOTER,
        "{{ clinic }}: your maintenance session ({{ protocol }}) is due around {{ due_on }}. "
        "Book on {{ clinic_phone }}. Stop: {{ opt_out_url }}",
    ),
    ("recall", "pl"): (
        "Czas na zabieg podtrzymujący",
        "Dzień dobry {{ name }},\n\nefekt serii ({{ protocol }}) utrzymuje się około pół roku; zabieg "
        "podtrzymujący przypada około {{ due_on }}. Zadzwoń: {{ clinic_phone }}.\n\n{{ clinic }}"
        + _PL_FOOTER,
        "{{ clinic }}: zabieg podtrzymujący ({{ protocol }}) około {{ due_on }}. "
        "Zapisy: {{ clinic_phone }}. Rezygnacja: {{ opt_out_url }}",
    ),
    ("aftercare", "en"): (
        "Aftercare after your treatment",
        "Dear {{ name }},\n\nthank you for your visit. Please follow this aftercare advice:\n\n{{ aftercare }}"
        "\n\nIf anything worries you, call us on {{ clinic_phone }}.\n\n{{ clinic }}" + _EN_FOOTER,
        "{{ clinic }} aftercare: {{ aftercare }} Worried? Call {{ clinic_phone }}. Stop: {{ opt_out_url }}",
    ),
    ("aftercare", "pl"): (
        "Zalecenia po zabiegu",
        "Dzień dobry {{ name }},\n\ndziękujemy za wizytę. Zalecenia po zabiegu:\n\n{{ aftercare }}\n\n"
        "W razie niepokoju zadzwoń: {{ clinic_phone }}.\n\n{{ clinic }}" + _PL_FOOTER,
        "{{ clinic }} zalecenia: {{ aftercare }} Pytania: {{ clinic_phone }}. Rezygnacja: {{ opt_out_url }}",
    ),
    ("complication_check", "en"): (
        "How is the treated skin?",
        "Dear {{ name }},\n\nsome weeks have passed since your treatment. Do you have any lumps, redness or "
        "discharge where you were treated? Please tell us, it takes one click:\n\n{{ check_url }}\n\n"
        "{{ clinic }}" + _EN_FOOTER,
        "{{ clinic }}: any lumps, redness or discharge where you were treated? Tell us: {{ check_url }} "
        "Stop: {{ opt_out_url }}",
    ),
    ("complication_check", "pl"): (
        "Jak wygląda skóra po zabiegu?",
        "Dzień dobry {{ name }},\n\nminęło kilka tygodni od zabiegu. Czy w miejscu zabiegu pojawiły się "
        "guzki, zaczerwienienie lub wydzielina? Daj nam znać jednym kliknięciem:\n\n{{ check_url }}\n\n"
        "{{ clinic }}" + _PL_FOOTER,
        "{{ clinic }}: guzki, zaczerwienienie lub wydzielina w miejscu zabiegu? Odpowiedz: {{ check_url }} "
        "Rezygnacja: {{ opt_out_url }}",
    ),
}


def default_template(kind: str, channel: str, language: str) -> tuple[str, str]:
    """The default (subject, body) for a kind, channel and language; English where the language has none."""
    subject, email_body, sms_body = _TEXTS.get((kind, language)) or _TEXTS[(kind, "en")]
    return (subject, email_body) if channel == "email" else ("", sms_body)
