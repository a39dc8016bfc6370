"""Who is responsible: topic × situation × area → agency and contact point."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.search import index

from ..querysets import ResponsibilityQuerySet
from .base import HsdsIdMixin, TranslationStateMixin


class Responsibility(HsdsIdMixin, TranslationStateMixin, index.Indexed, models.Model):
    """A rule of the "Who is responsible?" finder; empty criteria mean "any"."""

    topic = models.ForeignKey(
        "directory.Topic",
        verbose_name=_("topic"),
        on_delete=models.CASCADE,
        related_name="responsibilities",
    )
    residence_status = models.ForeignKey(
        "directory.ResidenceStatus",
        verbose_name=_("residence status"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="responsibilities",
        help_text=_("Empty: any residence status."),
    )
    target_group = models.ForeignKey(
        "directory.TargetGroup",
        verbose_name=_("target group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="responsibilities",
        help_text=_("Empty: anyone."),
    )
    district = models.ForeignKey(
        "directory.District",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="responsibilities",
        help_text=_("Empty: the whole region."),
    )
    agency = models.ForeignKey(
        "directory.AgencyPage",
        verbose_name=_("responsible agency"),
        on_delete=models.CASCADE,
        related_name="responsibilities",
    )
    contact_point = models.ForeignKey(
        "directory.ContactPointPage",
        verbose_name=_("contact point"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsibilities",
    )
    title = models.CharField(
        _("question"),
        max_length=200,
        help_text=_('In plain words, e.g. "Extend a residence permit".'),
    )
    explanation = models.TextField(_("explanation"), blank=True)
    what_to_bring = models.TextField(_("what to bring"), blank=True)
    updated_at = models.DateTimeField(
        _("last changed"), default=timezone.now, editable=False, db_index=True
    )

    panels = [
        FieldPanel("title"),
        MultiFieldPanel(
            [
                FieldPanel("topic"),
                FieldPanel("residence_status"),
                FieldPanel("target_group"),
                FieldPanel("district"),
            ],
            heading=_("When it applies"),
        ),
        MultiFieldPanel(
            [FieldPanel("agency"), FieldPanel("contact_point")],
            heading=_("Who is responsible"),
        ),
        FieldPanel("explanation"),
        FieldPanel("what_to_bring"),
    ]
    search_fields = [index.SearchField("title"), index.SearchField("explanation")]

    objects = ResponsibilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        ordering = ["topic__sort_order", "title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        # An import keeps the source's date (``keep_updated_at``); edits get now.
        if not getattr(self, "keep_updated_at", False):
            self.updated_at = timezone.now()
        super().save(*args, **kwargs)

    def clean(self):
        if (
            self.contact_point_id
            and self.agency_id
            and self.contact_point.agency_id != self.agency_id
        ):
            raise ValidationError(
                {
                    "contact_point": _(
                        "Choose a contact point of the responsible agency."
                    )
                }
            )
