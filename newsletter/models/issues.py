"""Issues (one per mailing, an edition per language) and what they are made of:
offers, responsibilities and news items contributed by agencies.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    RevisionMixin,
    WorkflowMixin,
)
from wagtail.search import index


def all_language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


class NewsItem(
    WorkflowMixin,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    index.Indexed,
    models.Model,
):
    """A short news item an agency contributes; a coordinator approves (publishes) it
    through the same approval workflow as pages before it can go into an issue.
    """

    agency = models.ForeignKey(
        "directory.AgencyPage",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        related_name="newsletter_news",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=2000)
    link = models.URLField(_("link"), blank=True)
    topic = models.ForeignKey(
        "directory.Topic",
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    district = models.ForeignKey(
        "directory.District",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: the whole region."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="news_item")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="news_item",
        for_concrete_model=False,
    )

    panels = [
        FieldPanel("agency"),
        FieldPanel("title"),
        FieldPanel("body"),
        FieldPanel("link"),
        FieldPanel("topic"),
        FieldPanel("district"),
    ]
    search_fields = [index.SearchField("title"), index.FilterField("agency")]

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news items")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def revisions(self):
        return self._revisions


class Issue(ClusterableModel):
    """One newsletter issue; every language edition is rendered from it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        STOPPED = "stopped", _("Stopped after errors")
        SENT = "sent", _("Sent")

    subject = models.CharField(_("subject"), max_length=150)
    intro = models.TextField(_("introduction"), blank=True, max_length=3000)
    languages = models.JSONField(
        _("editions"),
        default=all_language_codes,
        help_text=_("Languages this issue is sent in; German is always included."),
    )
    since = models.DateTimeField(
        _("new since"),
        null=True,
        blank=True,
        help_text=_("Suggestions list what changed after this time."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("sending finished"), null=True, blank=True)
    stop_reason = models.TextField(_("why sending stopped"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("subject"),
        FieldPanel("intro"),
        InlinePanel("items", heading=_("Items"), label=_("Item")),
        MultiFieldPanel([FieldPanel("since")], heading=_("Suggestions")),
    ]

    class Meta:
        verbose_name = _("newsletter issue")
        verbose_name_plural = _("newsletter issues")
        ordering = ["-created_at"]
        permissions = [("send_issue", _("Can send newsletter issues"))]

    def __str__(self) -> str:
        return self.subject

    @property
    def editable(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.SCHEDULED}

    def edition_languages(self) -> list[str]:
        """Configured languages this issue has editions in, German first."""
        chosen = set(self.languages or []) | {settings.LANGUAGE_CODE}
        return [code for code in all_language_codes() if code in chosen]


class IssueItem(Orderable):
    """One entry of an issue: an offer, a responsibility or an approved news item."""

    issue = ParentalKey(Issue, related_name="items", on_delete=models.CASCADE)
    offer = models.ForeignKey(
        "directory.OfferPage",
        verbose_name=_("offer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    responsibility = models.ForeignKey(
        "directory.Responsibility",
        verbose_name=_("responsibility"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    news = models.ForeignKey(
        NewsItem,
        verbose_name=_("news item"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    panels = [FieldPanel("offer"), FieldPanel("responsibility"), FieldPanel("news")]

    class Meta(Orderable.Meta):
        verbose_name = _("item")
        verbose_name_plural = _("items")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        offer__isnull=False,
                        responsibility__isnull=True,
                        news__isnull=True,
                    )
                    | models.Q(
                        offer__isnull=True,
                        responsibility__isnull=False,
                        news__isnull=True,
                    )
                    | models.Q(
                        offer__isnull=True,
                        responsibility__isnull=True,
                        news__isnull=False,
                    )
                ),
                name="newsletter_item_exactly_one",
                violation_error_message=_(
                    "Choose exactly one of offer, responsibility or news item."
                ),
            )
        ]

    def __str__(self) -> str:
        return str(self.offer or self.responsibility or self.news or "")
