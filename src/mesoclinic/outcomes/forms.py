"""Forms of the photo and scale screens: fields in the practitioner's words; the services hold the rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mesoclinic.form_errors import set_choices
from mesoclinic.outcomes.models import AssessmentTiming, PhotoView

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # a lazy translation, as django-stubs names it

LIGHTING_CHOICES = [
    ("", _("— choose —")),
    ("daylight", _("Daylight")),
    ("ring_light", _("Ring light")),
    ("flash", _("Flash")),
    ("room_light", _("Room light")),
    ("other", _("Other")),
]


class CaptureForm(forms.Form):
    """One standardized photo and how it was taken."""

    view = forms.ChoiceField(label=_("View"), choices=PhotoView.choices, widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("Photo"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "user"}),
        help_text=_("JPEG, PNG or WebP from the camera or the tablet."),
    )
    skin_cleansed = forms.BooleanField(label=_("Skin cleansed, no make-up"), required=False)
    lighting = forms.ChoiceField(label=_("Lighting"), choices=LIGHTING_CHOICES, required=False)
    camera = forms.CharField(label=_("Camera"), max_length=100, required=False)
    distance_cm = forms.IntegerField(label=_("Distance (cm)"), required=False, min_value=10, max_value=300)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)

    def conditions(self) -> dict[str, object]:
        data = self.cleaned_data
        return {
            name: data.get(name) for name in ("skin_cleansed", "lighting", "camera", "distance_cm", "notes")
        }


class PrecheckForm(forms.Form):
    file = forms.FileField(label=_("Photo"))
    view = forms.ChoiceField(label=_("View"), choices=PhotoView.choices, required=False)


class RepeatabilityForm(forms.Form):
    """The photos of one view taken at one visit that make a test–retest of the clinic's set-up."""

    photos = forms.TypedMultipleChoiceField(label=_("Photos"), coerce=int, choices=())

    def __init__(self, *args: Any, photo_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "photos", [(pk, str(pk)) for pk in photo_ids])


def _score(label: str | _StrPromise, low: int, high: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=low,
        max_value=high,
        help_text=_("%(low)s–%(high)s") % {"low": low, "high": high},
    )


class AssessmentForm(forms.Form):
    """Clinician and patient scales; each score is optional."""

    timing = forms.ChoiceField(label=_("When"), choices=AssessmentTiming.choices)
    assessed_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    glogau = _score(_("Glogau photoaging (I–IV)"), 1, 4)
    fitzpatrick = _score(_("Fitzpatrick skin type (I–VI)"), 1, 6)
    wsrs_left = _score(_("WSRS left"), 1, 5)
    wsrs_right = _score(_("WSRS right"), 1, 5)
    mmasi = forms.DecimalField(
        label=_("mMASI"), required=False, min_value=0, max_value=24, decimal_places=1, help_text="0–24"
    )
    gais_investigator = _score(_("GAIS by the investigator"), 1, 5)
    gais_subject = _score(_("GAIS by the patient"), 1, 5)
    satisfaction = _score(_("Patient satisfaction"), 1, 5)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    SCORES = (
        "glogau",
        "fitzpatrick",
        "wsrs_left",
        "wsrs_right",
        "mmasi",
        "gais_investigator",
        "gais_subject",
        "satisfaction",
    )

    def scores(self) -> dict[str, object]:
        return {name: self.cleaned_data.get(name) for name in self.SCORES}
