"""The CSV import screens' forms: the upload, and the column mapping built from the file's header."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mesoclinic.interop import csvfile
from mesoclinic.interop.models import ImportKind


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Comma-, semicolon- or tab-separated, UTF-8 (with or without BOM) or Windows-1252; at most 5 MB."
        ),
    )
    source = forms.CharField(
        label=_("System it comes from"),
        max_length=100,
        initial="csv",
        help_text=_(
            "Patients' external ids are kept under this name; appointments find their patient by it."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > csvfile.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it."))
        return upload


class MappingForm(forms.Form):
    """One choice per field of the import: which column of the file feeds it (or none)."""

    def __init__(self, *args: Any, kind: str, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in the file —")), *((h, h) for h in headers)]
        for field in csvfile.FIELDS[kind]:
            self.fields[field.name] = forms.ChoiceField(
                label=_(field.label), choices=choices, required=field.required
            )

    def mapping(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if value}
