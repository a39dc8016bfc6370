"""The site's own pages, run by the coordinators: imprint, privacy notice, the site
explained in easy language, and the accessibility statement (BITV 2.0) with its
feedback form; and the feedback readers send through it.
"""

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from .pages import RICH_TEXT_FEATURES, TranslatedPage

# Pictograms drawn for the easy-language page (static/pictograms/<name>.svg), with
# what they show: the alt text a screen reader reads before the sentences.
PICTOGRAMS = (
    ("search", _("Picture: a magnifying glass")),
    ("language", _("Picture: two speech bubbles")),
    ("place", _("Picture: a map pin")),
    ("phone", _("Picture: a telephone")),
    ("calendar", _("Picture: a calendar")),
    ("help", _("Picture: a question mark")),
    ("newsletter", _("Picture: a letter")),
)
PICTOGRAM_ALT = dict(PICTOGRAMS)

FEEDBACK_MESSAGE_MAX = 5000
FEEDBACK_NAME_MAX = 200
FEEDBACK_PAGE_URL_MAX = 500


class PictogramSentencesBlock(blocks.StructBlock):
    """A pictogram beside a few short sentences (easy language: one idea a line)."""

    pictogram = blocks.ChoiceBlock(choices=PICTOGRAMS, label=_("pictogram"))
    sentences = blocks.TextBlock(
        label=_("short sentences"),
        help_text=_("One short sentence per line; each line is shown on its own."),
    )

    class Meta:
        icon = "image"
        label = _("Pictogram with sentences")
        template = "directory/site/blocks/pictogram_sentences.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        name = value["pictogram"]
        context["pictogram_src"] = static(f"pictograms/{name}.svg")
        context["pictogram_alt"] = PICTOGRAM_ALT.get(name, "")
        context["sentences"] = [
            line.strip() for line in value["sentences"].splitlines() if line.strip()
        ]
        return context


class ExplainedWordBlock(blocks.StructBlock):
    """A difficult word and what it means, in easy language."""

    word = blocks.CharBlock(label=_("word"), max_length=80)
    explanation = blocks.TextBlock(label=_("what it means"))

    class Meta:
        icon = "help"
        label = _("Explained word")
        template = "directory/site/blocks/explained_word.html"


SITE_BODY_BLOCKS = [
    (
        "heading",
        blocks.CharBlock(
            label=_("Heading"),
            max_length=120,
            template="directory/site/blocks/heading.html",
        ),
    ),
    (
        "paragraph",
        blocks.RichTextBlock(
            label=_("Paragraph"),
            features=RICH_TEXT_FEATURES,
            template="directory/site/blocks/paragraph.html",
        ),
    ),
    ("pictogram_sentences", PictogramSentencesBlock()),
    ("explained_word", ExplainedWordBlock()),
]


class SitePage(TranslatedPage):
    """Base for the site's own pages: below the home page, coordinators only (the
    agencies' editors have no rights outside their agency), translation state."""

    parent_page_types = ["directory.HomePage"]
    subpage_types: ClassVar[list[str]] = []

    class Meta:
        abstract = True


KIND_TAKEN = _("This site has a page of this kind already; edit that one.")


def information_page_kind_taken(*, parent, kind: str, exclude_pk=None) -> bool:
    return (
        InformationPage.objects.child_of(parent)
        .filter(kind=kind)
        .exclude(pk=exclude_pk)
        .exists()
    )


class InformationPageForm(WagtailAdminPageForm):
    """Says so, at the kind, when the site has a page of that kind already (a new
    page has no place in the tree yet for the model's own check)."""

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        parent = self.instance.get_parent() if self.instance.pk else self.parent_page
        if (
            kind
            and parent is not None
            and information_page_kind_taken(
                parent=parent, kind=kind, exclude_pk=self.instance.pk
            )
        ):
            self.add_error("kind", KIND_TAKEN)
        return cleaned


class InformationPage(SitePage):
    """Imprint, privacy notice or the site explained in easy language: one page of
    each kind per site, which the footer of every page links to."""

    class Kind(models.TextChoices):
        IMPRINT = "imprint", _("Imprint")
        PRIVACY = "privacy", _("Privacy notice")
        EASY_LANGUAGE = "easy_language", _("About this site in easy language")

    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=Kind.choices,
        help_text=_("The footer of every page links to the one page of each kind."),
    )
    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(SITE_BODY_BLOCKS, blank=True, verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    template = "directory/site/information_page.html"
    base_form_class = InformationPageForm

    class Meta:
        verbose_name = _("information page")
        verbose_name_plural = _("information pages")

    def clean(self):
        super().clean()
        parent = self.get_parent() if self.path else None
        if (
            parent is not None
            and self.kind
            and information_page_kind_taken(
                parent=parent, kind=self.kind, exclude_pk=self.pk
            )
        ):
            raise ValidationError({"kind": KIND_TAKEN})


class AccessibilityStatementPage(SitePage):
    """The accessibility statement (Erklärung zur Barrierefreiheit, BITV 2.0 § 7):
    how far the site is accessible, what is not and why, how to report a barrier
    (the form on this page), and where to turn when that leads nowhere.

    A GET shows the statement and the form; a POST stores the feedback and answers
    with a redirect to the thanks (see ``directory.feedback``).
    """

    class Compliance(models.TextChoices):
        FULL = "full", _("fully compliant")
        PARTIAL = "partial", _("partially compliant")
        NONE = "none", _("not compliant")

    compliance = models.CharField(
        _("compliance with BITV 2.0"),
        max_length=10,
        choices=Compliance.choices,
        default=Compliance.PARTIAL,
    )
    scope = models.TextField(
        _("what this statement covers"),
        blank=True,
        help_text=_("For example: this website and its address."),
    )
    known_barriers = RichTextField(
        _("content that is not accessible, and why"),
        blank=True,
        features=RICH_TEXT_FEATURES,
        help_text=_("List each barrier, the reason, and an accessible alternative."),
    )
    prepared_on = models.DateField(_("statement prepared on"))
    reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    method = models.CharField(
        _("how it was assessed"),
        max_length=300,
        blank=True,
        help_text=_("For example: a self-assessment, or a test by an outside body."),
    )
    feedback_contact = models.TextField(
        _("contact for feedback"),
        blank=True,
        help_text=_("Office and postal address of who answers the feedback."),
    )
    feedback_email = models.EmailField(_("email for feedback"), blank=True)
    feedback_phone = models.CharField(
        _("phone for feedback"), max_length=40, blank=True
    )
    enforcement_name = models.CharField(
        _("enforcement body"),
        max_length=200,
        default="Schlichtungsstelle nach § 16 Behindertengleichstellungsgesetz (BGG)",
        help_text=_(
            "Its German name, shown as is in every language. Bodies of a federal "
            "state name the state's enforcement body instead."
        ),
    )
    enforcement_url = models.URLField(
        _("enforcement body's website"),
        default="https://www.schlichtungsstelle-bgg.de/",
    )
    enforcement_text = RichTextField(
        _("enforcement procedure"),
        blank=True,
        features=RICH_TEXT_FEATURES,
        help_text=_("How the procedure works and how to reach the body."),
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("compliance"),
                FieldPanel("scope"),
                FieldPanel("known_barriers"),
                FieldRowPanel([FieldPanel("prepared_on"), FieldPanel("reviewed_on")]),
                FieldPanel("method"),
            ],
            heading=_("Status"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("feedback_contact"),
                FieldRowPanel(
                    [FieldPanel("feedback_email"), FieldPanel("feedback_phone")]
                ),
            ],
            heading=_("Feedback"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("enforcement_name"),
                FieldPanel("enforcement_url"),
                FieldPanel("enforcement_text"),
            ],
            heading=_("Enforcement procedure"),
        ),
    ]
    max_count_per_parent = 1
    template = "directory/site/accessibility_statement_page.html"

    class Meta:
        verbose_name = _("accessibility statement")
        verbose_name_plural = _("accessibility statements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reviewed_on__isnull=True)
                | models.Q(reviewed_on__gte=models.F("prepared_on")),
                name="accessibility_statement_reviewed_after_prepared",
                violation_error_message=_(
                    "The review cannot come before the statement was prepared."
                ),
            )
        ]

    def clean(self):
        super().clean()
        if (
            self.reviewed_on
            and self.prepared_on
            and self.reviewed_on < self.prepared_on
        ):
            raise ValidationError(
                {
                    "reviewed_on": _(
                        "The review cannot come before the statement was prepared."
                    )
                }
            )

    def serve(self, request, *args, **kwargs):
        from operations.requests import client_ip

        from .. import feedback

        if request.method != "POST":
            form = feedback.FeedbackForm(
                initial={"page_url": feedback.referring_path(request)}
            )
            return self._respond(request, form=form, sent="sent" in request.GET)
        form = feedback.FeedbackForm(request.POST)
        thanks = HttpResponseRedirect(f"{self.url}?sent=1#feedback-thanks", status=303)
        if form.honeypot_filled:
            return thanks
        if not form.is_valid():
            return self._respond(request, form=form, status=400)
        if not feedback.feedback_allowed(ip=client_ip(request)):
            problem = gettext(
                "We received many messages from your connection in the last hour. "
                "Please try again in an hour; your message is kept below."
            )
            return self._respond(request, form=form, problem=problem, status=429)
        data = form.cleaned_data
        feedback.feedback_submit(
            message=data["message"],
            name=data["name"],
            email=data["email"],
            page_url=data["page_url"],
            language=get_language() or settings.LANGUAGE_CODE,
        )
        return thanks

    def _respond(self, request, *, form, sent=False, problem="", status=200):
        context = self.get_context(request)
        context.update({"form": form, "sent": sent, "problem": problem})
        return TemplateResponse(
            request, self.get_template(request), context, status=status
        )


class AccessibilityFeedback(models.Model):
    """A barrier a reader reported through the accessibility statement's form.

    Stored first; the coordinators are mailed afterwards by a task that retries
    (``mailed_at`` stays empty until the mail went out).
    """

    message = models.TextField(_("message"), max_length=FEEDBACK_MESSAGE_MAX)
    name = models.CharField(_("name"), max_length=FEEDBACK_NAME_MAX, blank=True)
    email = models.EmailField(_("email"), blank=True)
    page_url = models.CharField(
        _("page with the problem"), max_length=FEEDBACK_PAGE_URL_MAX, blank=True
    )
    language = models.CharField(_("language"), max_length=10)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    handled = models.BooleanField(_("handled"), default=False)
    mailed_at = models.DateTimeField(
        _("mailed to the coordinators"), null=True, blank=True, editable=False
    )
    mail_attempts = models.PositiveSmallIntegerField(
        _("mail attempts"), default=0, editable=False
    )

    class Meta:
        verbose_name = _("accessibility feedback")
        verbose_name_plural = _("accessibility feedback")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    models.Q(message__regex=r"\S"),
                    LessThanOrEqual(Length("message"), FEEDBACK_MESSAGE_MAX),
                ),
                name="accessibility_feedback_message_valid",
                violation_error_message=_(
                    "Write a message of at most 5000 characters."
                ),
            )
        ]

    def __str__(self) -> str:
        first_line = (
            self.message.strip().splitlines()[0] if self.message.strip() else ""
        )
        return first_line[:80]
