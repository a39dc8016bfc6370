"""Validation of search parameters shared by the search page and the JSON API."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from api.text import MAX_QUERY_LENGTH, clean_query
from directory.models.taxonomy import SLUG_PATTERN

from .documents import WEEKDAYS

MAX_PAGE_SIZE = 50
FACETS = ("topic", "target_group", "residence_status", "district", "language")


class SlugListField(forms.Field):
    """Repeated query parameter (?topic=a&topic=b) of slugs."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("“%(value)s” is not a valid choice.")}

    def to_python(self, value):
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [v for v in (str(item).strip() for item in values) if v][:20]

    def validate(self, value):
        super().validate(value)
        for item in value:
            if not SLUG_PATTERN.fullmatch(item):
                raise forms.ValidationError(
                    self.error_messages["invalid"],
                    code="invalid",
                    params={"value": item[:40]},
                )


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=MAX_QUERY_LENGTH * 50, strip=False)
    lang = forms.ChoiceField(required=False, choices=settings.LANGUAGES)
    topic = SlugListField(required=False)
    target_group = SlugListField(required=False)
    residence_status = SlugListField(required=False)
    district = SlugListField(required=False)
    language = SlugListField(required=False)
    free = forms.NullBooleanField(required=False)
    format = forms.ChoiceField(
        required=False,
        choices=[("", "")] + [(v, v) for v in ("in_person", "online", "hybrid")],
    )
    wheelchair = forms.NullBooleanField(required=False)
    open_now = forms.NullBooleanField(required=False)
    open_on = forms.ChoiceField(
        required=False, choices=[("", "")] + [(d, d) for d in WEEKDAYS]
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[("", ""), ("relevance", "relevance"), ("distance", "distance")],
    )
    near = forms.CharField(required=False, max_length=80)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180)
    page = forms.IntegerField(required=False, min_value=1, max_value=500)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and hasattr(data, "getlist"):
            # Repeated facet parameters arrive as lists; others take their last value.
            flat = {key: data.get(key) for key in data}
            for facet in FACETS:
                if facet in data:
                    flat[facet] = data.getlist(facet)
            data = flat
            if isinstance(data.get("q"), str):
                # NUL and other control characters are noise in a search, not an error.
                data["q"] = clean_query(data["q"])
        super().__init__(data, *args, **kwargs)

    def clean_q(self):
        return clean_query(self.cleaned_data.get("q") or "")

    def clean_near(self):
        value = (self.cleaned_data.get("near") or "").strip()
        if value and not SLUG_PATTERN.fullmatch(value):
            raise forms.ValidationError(_("Unknown place."))
        return value

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("lat") is None) != (cleaned.get("lon") is None):
            raise forms.ValidationError(_("Give both lat and lon, or neither."))
        if cleaned.get("sort") == "distance" and not (
            cleaned.get("near") or cleaned.get("lat") is not None
        ):
            self.add_error(
                "sort", _("Sorting by distance needs a place (near) or lat and lon.")
            )
        return cleaned
