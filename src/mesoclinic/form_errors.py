"""One way a service's refusal is shown on a form (beside the fields it names, or above the form), one
way a screen's form is saved (form → service → flash and redirect, or the page again with the errors), and one
way a button without a form runs its service (flash the outcome)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.formats import number_format

T = TypeVar("T")


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` next to the fields it names (or above the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


def save_form(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[dict[str, Any]], T],
    *,
    then: str | Callable[[T], str],
    success: str | Callable[[T], str] | None = None,
    posted: bool = True,
    rename: Callable[[str], str] | None = None,
) -> HttpResponse | None:
    """The one way a screen's form is saved: when ``form`` was posted (and ``posted``) and is valid, run
    ``save(cleaned_data)`` (the owning app's service, audited); on success flash ``success`` (if any) and
    redirect to ``then`` (either may be computed from what ``save`` returned). ``save`` is one service call:
    services are the transactions (entry points are durable), so nothing is wrapped here.

    A service's ``ValidationError`` is put back beside the fields it names (``rename`` maps a service's
    field name to the form's, e.g. strips a ``buyer.`` prefix) and ``None`` is returned, so the caller
    renders the page again (422, everything typed kept). Any other exception is the caller's to handle.
    """
    if not (posted and request.method == "POST" and form.is_valid()):
        return None
    try:
        result = save(form.cleaned_data)
    except ValidationError as exc:
        if rename is not None and hasattr(exc, "error_dict"):
            exc = ValidationError({rename(k): v for k, v in exc.message_dict.items()})
        add_service_errors(form, exc)
        return None
    if success is not None:
        messages.success(request, success(result) if callable(success) else success)
    return HttpResponseRedirect(then(result) if callable(then) else then)


def run_and_flash(request: HttpRequest, call: Callable[[], T], *, success: str | Callable[[T], str]) -> bool:
    """The one way a button without a form (retry, erase, make baseline) runs its service: flash ``success``
    (or computed from what ``call`` returned) and say ``True``, or flash the service's refusal and say
    ``False``. The caller redirects either way."""
    try:
        result = call()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    messages.success(request, success(result) if callable(success) else success)
    return True


def set_choices(form: forms.BaseForm, name: str, choices: Any) -> None:
    """Give the choice field ``name`` of ``form`` its choices, known only when the form is built (a clinic's
    locations, protocols, endpoints...)."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{name} is not a choice field")
    field.choices = choices


def readers_count(n: int) -> str:
    """A count grouped the reader's way, for pure cores' messages (``mesoclinic.text``): "10,000" in English,
    "10 000" in Polish (where "10,000" reads as ten)."""
    return number_format(n, force_grouping=True)
