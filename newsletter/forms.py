"""Forms of the public newsletter pages: sign-up (full page and footer) and the
preference centre.
"""

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info, gettext
from django.utils.translation import gettext_lazy as _

from directory.forms import slug_field_options
from directory.models import District, Topic
from directory.models.taxonomy import SLUG_PATTERN

from .services import consent_sentence

# A sign-up form is a few hundred bytes; anything much larger is not a person typing.
MAX_BODY_BYTES = 20 * 1024
# More values than this in one multiple-choice field are refused before any query.
MAX_CHOICES = 50
# How much of an unknown value we repeat back in an error message.
ECHO_CHARS = 20
SOURCES = {"page": "newsletter page", "footer": "footer"}


def language_choices() -> list[tuple[str, str]]:
    """The site's languages, each named in its own script."""
    return [
        (code, get_language_info(code)["name_local"])
        for code, _name in settings.LANGUAGES
    ]


def _echo(value) -> str:
    text = str(value)
    return text if len(text) <= ECHO_CHARS else f"{text[:ECHO_CHARS]}…"


def _too_many(values) -> None:
    if isinstance(values, (list, tuple)) and len(values) > MAX_CHOICES:
        raise forms.ValidationError(
            _("Too many values (at most %(max)d)."),
            code="too_many",
            params={"max": MAX_CHOICES},
        )


class LanguagesField(forms.MultipleChoiceField):
    """Languages by code, as checkboxes named in their own script."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(
            choices=language_choices,
            error_messages={"required": _("Choose at least one language.")},
            **kwargs,
        )

    def clean(self, value):
        _too_many(value)
        return super().clean(value)

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(
                self.error_messages["required"], code="required"
            )
        for code in value:
            if not self.valid_value(code):
                raise forms.ValidationError(
                    _("We do not send the newsletter in this language: %(value)s."),
                    code="invalid_choice",
                    params={"value": _echo(code)},
                )


class SlugsField(forms.ModelMultipleChoiceField):
    """Optional taxonomy terms by slug; what is not a slug is refused before any
    query. ``unknown`` names the problem (with the slug as ``%(value)s``).
    """

    widget = forms.CheckboxSelectMultiple

    def __init__(self, model, *, unknown, **kwargs):
        super().__init__(**slug_field_options(model, unknown=unknown), **kwargs)

    def clean(self, value):
        _too_many(value)
        for slug in value or ():
            if not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": _echo(slug)},
                )
        return super().clean(value)

    def label_from_instance(self, obj):
        return obj.name


class ChoicesForm(forms.Form):
    """What a subscriber receives: languages, topics, districts."""

    languages = LanguagesField(label=_("Languages"))
    topics = SlugsField(
        Topic,
        label=_("Topics"),
        unknown=_("We do not know the topic “%(value)s”. Please choose from the list."),
        help_text=_("Choose none to receive every topic."),
    )
    districts = SlugsField(
        District,
        label=_("Places"),
        unknown=_("We do not know the place “%(value)s”. Please choose from the list."),
        help_text=_("Choose none to receive news for the whole region."),
    )

    def __init__(self, *args, first_languages=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Checkboxes arrive in page order; the first language is the one mails come in.
        self.first_languages = list(first_languages)

    def clean_languages(self):
        chosen = self.cleaned_data["languages"]
        first = [code for code in self.first_languages if code in chosen]
        return first + [code for code in chosen if code not in first]


class SignupForm(ChoicesForm):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "dir": "ltr", "spellcheck": "false"}
        ),
    )
    consent = forms.BooleanField(
        required=True,
        error_messages={
            "required": _("Please tick the box to agree, or we cannot send it.")
        },
    )
    # Hidden from people (CSS, aria-hidden, tabindex=-1); bots fill it in.
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    source = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["email", "languages", "topics", "districts", "consent"]

    def __init__(self, *args, language: str, **kwargs):
        kwargs.setdefault("initial", {"languages": [language], "source": "page"})
        super().__init__(*args, first_languages=[language], **kwargs)
        # The sentence in the page language: the same words the consent record stores.
        self.fields["consent"].label = consent_sentence()

    def clean_source(self):
        return SOURCES.get(self.cleaned_data.get("source") or "", SOURCES["page"])

    @property
    def honeypot_filled(self) -> bool:
        return bool(self.data.get("website"))


class PreferencesForm(ChoicesForm):
    paused = forms.BooleanField(
        required=False,
        label=_("Pause the newsletter for now"),
        help_text=_("You stay subscribed and can resume here at any time."),
    )


def request_too_big_message() -> str:
    return gettext(
        "What was sent is far too long for this form. Please fill it in again "
        "and send it once."
    )
