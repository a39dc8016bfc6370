"""Coordinator-managed taxonomies (HSDS taxonomy terms):
topics, groups, statuses, places.
"""

import re

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.search import index

from .base import HsdsIdMixin, TranslationStateMixin

# What a term's slug looks like in a URL parameter (the slug field's rules and length).
SLUG_PATTERN = re.compile(r"[-a-zA-Z0-9_]{1,80}")


class Term(HsdsIdMixin, TranslationStateMixin, index.Indexed, models.Model):
    """A term in one of our taxonomies; the slug is language-independent."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=100)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("sort_order")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        abstract = True
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Topic(Term):
    """A field of action (language, work, housing, …);
    the main entry points of the site.
    """

    ICONS = [
        ("speech", _("Speech bubble")),
        ("school", _("School")),
        ("work", _("Work")),
        ("house", _("House")),
        ("health", _("Health")),
        ("chat", _("Counselling")),
        ("law", _("Law")),
        ("leisure", _("Leisure")),
        ("family", _("Family")),
    ]
    description = models.CharField(_("description"), max_length=300, blank=True)
    icon = models.CharField(_("icon"), max_length=20, choices=ICONS, default="chat")

    panels = [*Term.panels, FieldPanel("description"), FieldPanel("icon")]

    class Meta(Term.Meta):
        verbose_name = _("topic")
        verbose_name_plural = _("topics")


class TargetGroup(Term):
    class Meta(Term.Meta):
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")


class ResidenceStatus(Term):
    """A residence status (Aufenthaltsgestattung, Duldung, §24 …)
    an offer may be open to.
    """

    description = models.CharField(_("description"), max_length=300, blank=True)

    panels = [*Term.panels, FieldPanel("description")]

    class Meta(Term.Meta):
        verbose_name = _("residence status")
        verbose_name_plural = _("residence statuses")


class District(Term):
    """A Gemeinde or Stadtteil of the region."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "gemeinde", _("Municipality")
        QUARTER = "stadtteil", _("City quarter")

    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.MUNICIPALITY
    )
    postcodes = models.CharField(
        _("postcodes"),
        max_length=200,
        blank=True,
        help_text=_("Comma-separated postcodes that belong to this district."),
    )
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    panels = [
        *Term.panels,
        FieldPanel("kind"),
        FieldPanel("postcodes"),
        FieldPanel("latitude"),
        FieldPanel("longitude"),
    ]

    class Meta(Term.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90),
                name="district_latitude_range",
                violation_error_message=_("Latitude must be between -90 and 90."),
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="district_longitude_range",
                violation_error_message=_("Longitude must be between -180 and 180."),
            ),
        ]


class Language(models.Model):
    """A language an offer is delivered in or that is spoken at a desk
    (ISO 639 code).
    """

    code = models.CharField(_("code"), max_length=12, unique=True)
    native_name = models.CharField(_("name in the language itself"), max_length=60)
    german_name = models.CharField(_("German name"), max_length=60)

    panels = [FieldPanel("code"), FieldPanel("native_name"), FieldPanel("german_name")]

    class Meta:
        ordering = ["german_name"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        if self.native_name and self.native_name != self.german_name:
            return f"{self.native_name} ({self.german_name})"
        return self.german_name
