"""Shared model pieces: HSDS ids and the record of what each translation was
made from.
"""

import hashlib
import json
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modeltranslation.translator import NotRegistered, translator
from wagtail.blocks import StreamValue


def text_digest(values: list[str]) -> str:
    """A short change marker of ``values`` (what a translation was made from)."""
    return hashlib.sha1(  # noqa: S324 - a change marker, not security
        "\x1f".join(values).encode("utf-8")
    ).hexdigest()[:16]


def _digest_text(value) -> str:
    """A field's text as the translation digest sees it. A StreamField counts by its
    blocks' content, not its rendering: that contains interface strings (alt texts,
    labels) of the active language, so the German text would look changed to every
    reader of another language."""
    if isinstance(value, StreamValue):
        return json.dumps(
            [
                (child.block_type, child.block.get_prep_value(child.value))
                for child in value
            ],
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        )
    return str(value or "")


def translated_field_names(model: type[models.Model]) -> list[str]:
    """Names of the model's translated fields (title included for pages),
    stable order.
    """
    try:
        options = translator.get_options_for_model(model)
    except NotRegistered:
        return []
    return sorted(options.all_fields)


def reading_order(language: str) -> list[str]:
    """Where a text in ``language`` is looked for: that language, then the configured
    fallbacks, then German (the source). One rule for pages, API and newsletter.
    """
    return list(
        dict.fromkeys(
            [
                language,
                *settings.MODELTRANSLATION_FALLBACK_LANGUAGES,
                settings.LANGUAGE_CODE,
            ]
        )
    )


def other_languages() -> list[str]:
    return [
        code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE
    ]


class TranslationStateMixin(models.Model):
    """Remembers, per language, the German text a translation was made from.

    On every save we compare each language's translated values with what was stored
    last time. If the translation changed, it was (re)made from the current German
    text, so we record the German digest. If only the German changed, the old record
    stays and the translation counts as *outdated* until someone touches it.
    """

    translation_state = models.JSONField(
        _("translation state"), default=dict, blank=True, editable=False
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.sync_source_columns()
        self.update_translation_state()
        super().save(*args, **kwargs)

    def _values(self, language: str) -> list[str]:
        return [
            _digest_text(getattr(self, f"{name}_{language}", ""))
            for name in translated_field_names(type(self))
        ]

    def update_translation_state(self) -> None:
        source = text_digest(self._values(settings.LANGUAGE_CODE))
        state = dict(self.translation_state or {})
        for language in other_languages():
            values = self._values(language)
            if not any(values):
                state.pop(language, None)
                continue
            own = text_digest(values)
            previous = state.get(language)
            if previous is None or previous.get("own") != own:
                state[language] = {"own": own, "source": source}
        self.translation_state = state

    def translation_status(self, language: str) -> str:
        """'source', 'missing', 'current' or 'outdated' for the given language."""
        if language == settings.LANGUAGE_CODE:
            return "source"
        record = (self.translation_state or {}).get(language)
        if record is None:
            return "missing"
        if record.get("source") != text_digest(self._values(settings.LANGUAGE_CODE)):
            return "outdated"
        return "current"

    def is_fallback(self, field: str, language: str) -> bool:
        """True when ``field`` has no text of its own in ``language``."""
        if language == settings.LANGUAGE_CODE:
            return False
        own = getattr(self, f"{field}_{language}", None)
        return not own and bool(
            getattr(self, f"{field}_{settings.LANGUAGE_CODE}", None)
        )

    def sync_source_columns(self) -> None:
        """Keep the untranslated base column equal to the German text.

        modeltranslation writes ``obj.field = …`` into the *active* language and the
        base column; we pin the base column to the source language so raw queries and
        Wagtail's own admin search always see German.
        """
        for name in translated_field_names(type(self)):
            self.__dict__[name] = (
                getattr(self, f"{name}_{settings.LANGUAGE_CODE}", None) or ""
            )


class HsdsIdMixin(models.Model):
    """A UUID that serves as the record's HSDS id
    (stable across imports and exports).
    """

    hsds_id = models.UUIDField(
        _("HSDS id"), default=uuid.uuid4, unique=True, editable=False
    )

    class Meta:
        abstract = True
