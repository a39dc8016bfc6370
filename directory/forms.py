"""Validation of the finder's answers, shared by the finder page and its JSON API."""

import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import District, ResidenceStatus, TargetGroup, Topic
from .models.taxonomy import SLUG_PATTERN

POSTCODE_PATTERN = re.compile(r"[0-9]{5}")
# How much of a wrong postcode we repeat back to the person.
POSTCODE_ECHO_LENGTH = 12


def slug_field_options(model, *, unknown) -> dict:
    """Options of an optional field that chooses ``model`` terms by slug; ``unknown``
    is the message for a slug we do not have (shared with the newsletter's forms).
    """
    return {
        "queryset": model.objects.all(),
        "to_field_name": "slug",
        "required": False,
        "error_messages": {"invalid_choice": unknown},
    }


class SlugChoiceField(forms.ModelChoiceField):
    """A taxonomy term by its slug, optional; what is not a slug is refused before
    any query. ``unknown`` is the message for a slug we do not have.
    """

    def __init__(self, model, *, unknown, **kwargs):
        super().__init__(**slug_field_options(model, unknown=unknown), **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, str) or not SLUG_PATTERN.fullmatch(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class PostcodeField(forms.CharField):
    """A German postcode: five digits (spaces around it are ignored)."""

    default_error_messages = {
        "invalid": _("Please enter a postcode with five digits, for example 86720."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if value and not POSTCODE_PATTERN.fullmatch(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return value


class FinderForm(forms.Form):
    """The answers so far; every field is optional here, the steps decide what is
    still missing.
    """

    topic = SlugChoiceField(
        Topic,
        unknown=_("We do not know this topic. Please choose one from the list."),
    )
    status = SlugChoiceField(
        ResidenceStatus,
        unknown=_(
            "We do not know this residence status. Please choose one from the list."
        ),
    )
    group = SlugChoiceField(
        TargetGroup,
        unknown=_("We do not know this group. Please choose one from the list."),
    )
    district = SlugChoiceField(
        District,
        unknown=_("We do not know this place. Please choose one from the list."),
    )
    postcode = PostcodeField(required=False)

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and hasattr(data, "dict"):
            # A parameter given twice counts once (the last), like everywhere else.
            data = data.dict()
        super().__init__(data, *args, **kwargs)


class FinderApiForm(FinderForm):
    lang = forms.ChoiceField(
        required=False,
        choices=settings.LANGUAGES,
        error_messages={"invalid_choice": _("Unknown language.")},
    )
