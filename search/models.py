"""Pending index changes (so nothing is lost while the engine is down) and synonyms."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel


class IndexChange(models.Model):
    """An offer whose index entry must be refreshed (indexed or removed).

    Written in the same transaction as the edit that caused it; deleted only after the
    engine confirmed the change. One row per offer: repeated edits collapse, and each
    one gives the row a new ``revision``, so a worker that sent an older state leaves
    the row for the next run. A worker holds the rows it sends (``claim`` until
    ``claimed_until``); a claim that ran out (the worker died) is taken over.
    """

    page_id = models.IntegerField(_("page id"), unique=True)
    hsds_id = models.UUIDField(_("HSDS id"))
    revision = models.UUIDField(_("revision"), default=uuid.uuid4)
    claim = models.UUIDField(_("claimed by"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("pending index change")
        verbose_name_plural = _("pending index changes")

    def __str__(self) -> str:
        return f"offer {self.page_id}"


class Synonym(models.Model):
    """Words that mean the same to searchers, e.g. Sprachkurs, Deutschkurs."""

    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="de"
    )
    terms = models.TextField(
        _("words"),
        help_text=_(
            "Comma-separated words or phrases that should find each other, "
            "e.g. “Sprachkurs, Deutschkurs, Integrationskurs”."
        ),
    )

    panels = [FieldPanel("language"), FieldPanel("terms")]

    class Meta:
        ordering = ["language", "terms"]
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonyms")

    def __str__(self) -> str:
        return f"{self.language}: {self.terms}"

    @property
    def term_list(self) -> list[str]:
        return [" ".join(t.split()).lower() for t in self.terms.split(",") if t.strip()]

    def clean(self):
        if len(self.term_list) < 2:
            raise ValidationError(
                {"terms": _("Give at least two words, separated by commas.")}
            )


class PassageVector(models.Model):
    """A passage's embedding, kept so that a rebuild or an unchanged offer is never
    embedded again.

    Keyed by the model and a digest of the exact text: a passage is embedded once per
    model, whichever offers share it; another model (or version) starts afresh.
    ``search_rebuild`` removes the vectors no indexed passage uses any more.
    """

    model = models.CharField(_("model"), max_length=100)
    digest = models.CharField(_("text digest"), max_length=64)
    vector = models.BinaryField(_("vector"))  # float32, little-endian
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("passage vector")
        verbose_name_plural = _("passage vectors")
        constraints = [
            models.UniqueConstraint(
                fields=["model", "digest"], name="search_passagevector_unique_text"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.digest[:12]}"
