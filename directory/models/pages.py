"""The page tree: home → agency → its offers and contact points.

Pages get their context from ``directory.selectors``; the selectors read these
models, so the pages import them when a page is served, not at import time.
"""

from typing import Any, ClassVar
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, PageManager, PagePermissionTester

from ..paging import paginate
from ..querysets import (
    AgencyPageQuerySet,
    ContactPointPageQuerySet,
    OfferPageQuerySet,
)
from .base import HsdsIdMixin, TranslationStateMixin, translated_field_names
from .taxonomy import SLUG_PATTERN, District, Topic

RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul", "h3"]
# Translated fields readers never see on the page itself.
HIDDEN_TRANSLATED_FIELDS = {"seo_title", "search_description"}


class TranslatedPage(TranslationStateMixin, Page):
    """A page that tells its reader when it is not (or no longer) translated into
    their language: ``translation_status`` and ``has_fallback_text`` for base.html."""

    class Meta:
        abstract = True

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        language = get_language()
        context["translation_status"] = self.translation_status(language)
        context["has_fallback_text"] = any(
            self.is_fallback(name, language)
            for name in translated_field_names(type(self))
            if name not in HIDDEN_TRANSLATED_FIELDS
        )
        return context


class DirectoryPage(HsdsIdMixin, TranslatedPage):
    """Base for the catalogue's pages: an HSDS id that is never copied."""

    exclude_fields_in_copy = ["hsds_id"]

    class Meta:
        abstract = True


class HomePagePermissionTester(PagePermissionTester):
    """Coordinators run the home page (edit, publish, add agencies) but only a
    superuser deletes or moves it: either would take the whole site down."""

    def can_delete(self, ignore_bulk=False):
        return self.user.is_superuser and super().can_delete(ignore_bulk)

    def can_move(self):
        return self.user.is_superuser and super().can_move()


class HomePage(RoutablePageMixin, TranslationStateMixin, Page):
    """The entry point: topics, a search box, and routes for topic and agency
    listings.
    """

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "directory.AgencyPage",
        "directory.AccessibilityStatementPage",
        "directory.InformationPage",
    ]
    max_count = 1

    def permissions_for_user(self, user):
        return HomePagePermissionTester(user, self)

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from .. import selectors

        context = super().get_context(request, *args, **kwargs)
        context["topics"] = selectors.topics_with_offer_counts()
        return context

    @path("topics/")
    def topic_index(self, request):
        from .. import selectors

        return render(
            request,
            "directory/topic_index.html",
            {"page": self, "topics": selectors.topics_with_offer_counts()},
        )

    @path("topics/<slug:slug>/")
    def topic_detail(self, request, slug):
        from .. import selectors

        topic = Topic.objects.filter(slug=slug).first()
        if topic is None:
            raise Http404(gettext("There is no such topic."))
        notice = ""
        district = None
        district_slug = request.GET.get("district", "")
        if district_slug:
            if SLUG_PATTERN.fullmatch(district_slug):
                district = District.objects.filter(slug=district_slug).first()
            if district is None:
                notice = gettext(
                    "We do not know that place; showing offers everywhere."
                )
        offers = selectors.offers_for_topic(topic=topic, district=district)
        return render(
            request,
            "directory/topic_detail.html",
            {
                "page": self,
                "topic": topic,
                "district": district,
                "districts": selectors.districts_for_topic(topic=topic),
                "notice": notice,
                "offers": paginate(request, offers),
                "pagination_query": urlencode({"district": district.slug})
                if district
                else "",
            },
        )

    @path("agencies/")
    def agency_index(self, request):
        from .. import selectors

        return render(
            request,
            "directory/agency_index.html",
            {"page": self, "agencies": selectors.agencies_with_counts()},
        )


class AgencyPage(DirectoryPage):
    """An agency (HSDS organization); its subtree is what its editors may change."""

    class Type(models.TextChoices):
        AUTHORITY = "authority", _("Public authority")
        WELFARE = "welfare", _("Welfare organisation")
        EDUCATION = "education", _("Education provider")
        VOLUNTEER = "volunteer", _("Volunteer group")
        MIGRANT_ORG = "migrant_org", _("Migrant organisation")
        ASSOCIATION = "association", _("Association")

    agency_type = models.CharField(
        _("type"), max_length=20, choices=Type.choices, default=Type.WELFARE
    )
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set by coordinators on the agency's "Editors" view (not in the page form, which
    # the agency's own editors may change): its editors publish without approval.
    trusted = models.BooleanField(
        _("trusted: editors publish without approval"), default=False, editable=False
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("agency_type"),
        FieldPanel("description"),
        MultiFieldPanel(
            [FieldPanel("website"), FieldPanel("email"), FieldPanel("phone")],
            heading=_("Contact"),
        ),
        FieldPanel("logo"),
    ]
    parent_page_types = ["directory.HomePage"]
    subpage_types = ["directory.OfferPage", "directory.ContactPointPage"]

    objects: ClassVar[Any] = PageManager.from_queryset(AgencyPageQuerySet)()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def with_content_json(self, content):
        page = super().with_content_json(content)
        page.trusted = self.trusted
        return page

    def route(self, request, path_components):
        # An unpublished agency hides its pages too (``visible()`` on its offers and
        # contact points), though Wagtail would serve live pages below it.
        if path_components and not self.live:
            raise Http404
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        from .. import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.agency_detail(agency=self))
        context["offers"] = paginate(request, context["offers"])
        return context


# Read-only in the editor: editors confirm with the "Confirm" action (one page or their
# agency's list), which records the day and who; publishing a change confirms too.
FRESHNESS_PANEL = MultiFieldPanel(
    [
        FieldRowPanel(
            [
                FieldPanel("assured_date", read_only=True),
                FieldPanel("assurer_email", read_only=True),
            ]
        )
    ],
    heading=_("Last confirmed"),
)
# Kept from the database when a revision is published or restored: a confirmation is
# about the page as a whole, not about one revision's text.
FRESHNESS_FIELDS = (
    "assured_date",
    "assurer_email",
    "stale_reminded_on",
    "stale_hidden_on",
)


class AgencyChildPage(DirectoryPage):
    """A page that belongs to exactly one agency: kept in a non-null foreign key.

    It also carries its freshness (HSDS ``assured_date``/``assurer_email``): when it
    was last confirmed as current, and by whom; see ``querysets.freshness_cutoffs``.
    """

    agency = models.ForeignKey(
        AgencyPage,
        verbose_name=_("agency"),
        # RESTRICT, not CASCADE: Wagtail deletes the subtree itself; the agency cannot
        # go while pages outside that deletion still point at it.
        on_delete=models.RESTRICT,
        related_name="+",
        editable=False,
    )
    assured_date = models.DateField(_("last confirmed on"), null=True, blank=True)
    assurer_email = models.EmailField(_("confirmed by"), blank=True)
    stale_reminded_on = models.DateField(
        _("reminder sent on"), null=True, blank=True, editable=False
    )
    stale_hidden_on = models.DateField(
        _("hidden as stale on"), null=True, blank=True, editable=False
    )
    parent_page_types = ["directory.AgencyPage"]
    subpage_types: list[str] = []

    class Meta:
        abstract = True

    def sync_agency(self) -> None:
        parent = self.get_parent() if self.path else None
        if parent is not None and parent.specific_class is AgencyPage:
            self.agency_id = parent.pk

    @property
    def owner_agency(self) -> "AgencyPage | None":
        """The agency, also for a preview of a page that is not saved yet."""
        if not self.agency_id:
            self.sync_agency()
        return self.agency if self.agency_id else None

    def full_clean(self, *args, **kwargs):
        # save() syncs right before Wagtail's save cleans; only a form's clean of a new
        # page needs the lookup here.
        if not self.agency_id:
            self.sync_agency()
        if not self.agency_id:
            exclude = set(kwargs.pop("exclude", None) or []) | {"agency"}
            kwargs["exclude"] = exclude
        super().full_clean(*args, **kwargs)

    def save(self, *args, **kwargs):
        # Always: a revision published after a move still carries the old agency.
        self.sync_agency()
        super().save(*args, **kwargs)

    def with_content_json(self, content):
        page = super().with_content_json(content)
        for name in FRESHNESS_FIELDS:
            setattr(page, name, getattr(self, name))
        return page


# --- Contact points -------------------------------------------------------------------


def slots_overlap(slots) -> list[tuple]:
    """Pairs of (weekday, opens, closes) slots on the same day that overlap."""
    clashes = []
    ordered = sorted(slots)
    for first, second in zip(ordered, ordered[1:], strict=False):
        if first[0] == second[0] and second[1] < first[2]:
            clashes.append((first, second))
    return clashes


class ContactPointForm(WagtailAdminPageForm):
    """Rejects inverted and overlapping opening slots with a message per slot."""

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("opening_slots")
        if formset is None or not formset.is_valid():
            return cleaned
        slots = []
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            weekday, opens, closes = (
                data.get("weekday"),
                data.get("opens"),
                data.get("closes"),
            )
            if weekday is None or opens is None or closes is None:
                continue
            if closes <= opens:
                form.add_error("closes", _("A slot must end after it starts."))
                continue
            slots.append((weekday, opens, closes))
        for first, second in slots_overlap(slots):
            day = dict(Weekday.choices)[first[0]]
            self.add_error(
                None,
                _("Opening hours overlap on %(day)s: %(a)s–%(b)s and %(c)s–%(d)s.")
                % {
                    "day": day,
                    "a": first[1].strftime("%H:%M"),
                    "b": first[2].strftime("%H:%M"),
                    "c": second[1].strftime("%H:%M"),
                    "d": second[2].strftime("%H:%M"),
                },
            )
        return cleaned


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Accessibility(models.TextChoices):
    YES = "yes", _("Wheelchair accessible")
    PARTIAL = "partial", _("Partly wheelchair accessible")
    NO = "no", _("Not wheelchair accessible")
    UNKNOWN = "unknown", _("Accessibility not known")


class ContactPointPage(AgencyChildPage):
    """Where people go (HSDS location + address + schedule + accessibility)."""

    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    district = models.ForeignKey(
        "directory.District",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_points",
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
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    appointment_url = models.URLField(_("appointment booking link"), blank=True)
    transport_hint = models.CharField(_("public transport"), max_length=300, blank=True)
    languages = ParentalManyToManyField(
        "directory.Language",
        verbose_name=_("languages spoken at the desk"),
        blank=True,
        related_name="contact_points",
    )
    wheelchair = models.CharField(
        _("wheelchair access"),
        max_length=10,
        choices=Accessibility.choices,
        default=Accessibility.UNKNOWN,
    )
    has_lift = models.BooleanField(_("lift"), default=False)
    has_hearing_loop = models.BooleanField(_("hearing loop"), default=False)
    accessibility_note = models.TextField(_("accessibility details"), blank=True)
    temporarily_closed = models.BooleanField(_("temporarily closed"), default=False)
    closed_note = models.CharField(_("note while closed"), max_length=300, blank=True)

    objects: ClassVar[Any] = PageManager.from_queryset(ContactPointPageQuerySet)()

    base_form_class = ContactPointForm
    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("street"),
                FieldRowPanel([FieldPanel("postcode"), FieldPanel("city")]),
                FieldPanel("district"),
                FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
                FieldPanel("transport_hint"),
            ],
            heading=_("Address"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("phone"),
                FieldPanel("email"),
                FieldPanel("appointment_url"),
                FieldPanel("languages", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("Contact"),
        ),
        FRESHNESS_PANEL,
    ]
    hours_panels = [
        MultiFieldPanel(
            [FieldPanel("temporarily_closed"), FieldPanel("closed_note")],
            heading=_("Temporary closure"),
        ),
        InlinePanel("opening_slots", label=_("Weekly opening hours")),
        InlinePanel("opening_exceptions", label=_("Holidays and exceptions")),
    ]
    accessibility_panels = [
        FieldPanel("wheelchair"),
        FieldRowPanel([FieldPanel("has_lift"), FieldPanel("has_hearing_loop")]),
        FieldPanel("accessibility_note"),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(hours_panels, heading=_("Opening hours")),
            ObjectList(accessibility_panels, heading=_("Accessibility")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList(Page.settings_panels, heading=_("Settings")),
        ]
    )

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(latitude__isnull=True, longitude__isnull=True)
                    | models.Q(
                        latitude__gte=-90,
                        latitude__lte=90,
                        longitude__gte=-180,
                        longitude__lte=180,
                    )
                ),
                name="contact_point_coordinates_valid",
                violation_error_message=_(
                    "Give both latitude (−90…90) and longitude (−180…180), or neither."
                ),
            )
        ]

    def clean(self):
        super().clean()
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(
                {"longitude": _("Give both latitude and longitude, or neither.")}
            )

    @property
    def address_line(self) -> str:
        place = " ".join(part for part in (self.postcode, self.city) if part)
        return ", ".join(part for part in (self.street, place) if part)

    def get_context(self, request, *args, **kwargs):
        from .. import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.contact_point_detail(contact_point=self))
        context["offers"] = paginate(request, context["offers"])
        return context


class OpeningSlot(Orderable):
    """One weekly opening slot;
    appointment-only slots are open for booked visits only.
    """

    page = ParentalKey(
        ContactPointPage, related_name="opening_slots", on_delete=models.CASCADE
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    appointment_only = models.BooleanField(_("by appointment only"), default=False)

    panels = [
        FieldRowPanel(
            [
                FieldPanel("weekday"),
                FieldPanel("opens"),
                FieldPanel("closes"),
                FieldPanel("appointment_only"),
            ]
        )
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("opening slot")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")),
                name="opening_slot_ends_after_start",
                violation_error_message=_("A slot must end after it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6),
                name="opening_slot_weekday_valid",
                violation_error_message=_("Weekday must be Monday to Sunday."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class OpeningException(Orderable):
    """A date that differs from the weekly hours:
    a holiday (closed) or special hours.
    """

    page = ParentalKey(
        ContactPointPage, related_name="opening_exceptions", on_delete=models.CASCADE
    )
    date = models.DateField(_("date"))
    closed = models.BooleanField(_("closed all day"), default=True)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    panels = [
        FieldRowPanel(
            [
                FieldPanel("date"),
                FieldPanel("closed"),
                FieldPanel("opens"),
                FieldPanel("closes"),
            ]
        ),
        FieldPanel("note"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("opening exception")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed=True)
                | models.Q(
                    opens__isnull=False,
                    closes__isnull=False,
                    closes__gt=models.F("opens"),
                ),
                name="opening_exception_hours_valid",
                violation_error_message=_(
                    "Special hours need an opening and a later closing time."
                ),
            )
        ]

    def clean(self):
        if not self.closed and (
            self.opens is None or self.closes is None or self.closes <= self.opens
        ):
            raise ValidationError(
                {"closes": _("Special hours need an opening and a later closing time.")}
            )


# --- Offers ---------------------------------------------------------------------------


def contact_points_of_other_agencies(*, agency_id, contact_points) -> list:
    """The contact points among ``contact_points`` that another agency owns.

    The one rule for links between offers and places: an offer takes place only at
    its own agency's contact points (otherwise it would show on another agency's
    public page and in its HSDS locations).
    """
    return [point for point in contact_points if point.agency_id != agency_id]


class OfferForm(WagtailAdminPageForm):
    """Offers the offer's own agency's contact points only, as checkboxes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("contact_points")
        if field is None:
            return
        parent = self.parent_page
        if not self.instance.agency_id and parent is not None:
            # A new offer has no path yet to find its agency by; the model's check of
            # its contact points needs it.
            self.instance.agency_id = parent.pk
        agency_id = self.instance.agency_id
        field.queryset = ContactPointPage.objects.filter(agency_id=agency_id).order_by(
            "title"
        )

    def clean(self):
        cleaned = super().clean()
        # The model's clean() checks the links; it sees the form's choice only once
        # the in-memory relation holds it (the form writes it after validation).
        if "contact_points" in cleaned:
            self.instance.contact_points = cleaned["contact_points"]
        return cleaned


class OfferPage(AgencyChildPage):
    """An offer (HSDS service) of one agency."""

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("In person and online")

    # A reader asking for one format also gets the hybrid offers, which are both:
    # the search's format filter and the coverage report's "online" column agree.
    FORMATS_MATCHING = {
        "in_person": ("in_person", "hybrid"),
        "online": ("online", "hybrid"),
        "hybrid": ("hybrid",),
    }

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        TEMPORARILY_CLOSED = "temporarily_closed", _("Temporarily closed")
        ENDED = "ended", _("Ended")

    summary = models.CharField(_("short summary"), max_length=300, blank=True)
    description = RichTextField(
        _("description"), blank=True, features=RICH_TEXT_FEATURES
    )
    topics = ParentalManyToManyField(
        "directory.Topic", verbose_name=_("topics"), blank=True, related_name="offers"
    )
    target_groups = ParentalManyToManyField(
        "directory.TargetGroup",
        verbose_name=_("target groups"),
        blank=True,
        related_name="offers",
    )
    residence_statuses = ParentalManyToManyField(
        "directory.ResidenceStatus",
        verbose_name=_("open to residence statuses"),
        blank=True,
        related_name="offers",
        help_text=_("Leave empty if the offer is open to everyone."),
    )
    languages = ParentalManyToManyField(
        "directory.Language",
        verbose_name=_("languages the offer is delivered in"),
        blank=True,
        related_name="offers",
    )
    is_free = models.BooleanField(_("free of charge"), default=True)
    fee_description = models.CharField(_("fee"), max_length=300, blank=True)
    format = models.CharField(
        _("format"), max_length=20, choices=Format.choices, default=Format.IN_PERSON
    )
    how_to_apply = models.TextField(_("how to apply"), blank=True)
    required_documents = models.TextField(_("documents to bring"), blank=True)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    start_date = models.DateField(_("starts on"), null=True, blank=True)
    end_date = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    contact_points = ParentalManyToManyField(
        "directory.ContactPointPage",
        verbose_name=_("where it takes place"),
        blank=True,
        related_name="offers",
    )
    objects: ClassVar[Any] = PageManager.from_queryset(OfferPageQuerySet)()

    base_form_class = OfferForm
    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldPanel("topics", widget=forms.CheckboxSelectMultiple),
                FieldPanel("target_groups", widget=forms.CheckboxSelectMultiple),
                FieldPanel("residence_statuses", widget=forms.CheckboxSelectMultiple),
                FieldRowPanel([FieldPanel("min_age"), FieldPanel("max_age")]),
            ],
            heading=_("For whom"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("languages", widget=forms.CheckboxSelectMultiple),
                FieldPanel("format"),
                FieldRowPanel([FieldPanel("is_free"), FieldPanel("fee_description")]),
                FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
                FieldPanel("status"),
            ],
            heading=_("How"),
        ),
        FieldPanel("contact_points", widget=forms.CheckboxSelectMultiple),
        FieldPanel("how_to_apply"),
        FieldPanel("required_documents"),
        InlinePanel("contact_persons", label=_("Contact persons")),
        FRESHNESS_PANEL,
    ]

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_age__isnull=True)
                | models.Q(max_age__isnull=True)
                | models.Q(min_age__lte=models.F("max_age")),
                name="offer_age_range_valid",
                violation_error_message=_(
                    "The minimum age must not be higher than the maximum age."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(start_date__isnull=True)
                | models.Q(end_date__isnull=True)
                | models.Q(start_date__lte=models.F("end_date")),
                name="offer_dates_valid",
                violation_error_message=_("The offer must end on or after its start."),
            ),
        ]

    def sync_agency(self) -> None:
        super().sync_agency()
        self._contact_points_of_other_agencies_drop()

    def _contact_points_of_other_agencies_drop(self) -> None:
        # The rule of contact_points_of_other_agencies, kept by every save: a draft
        # from before a move or from before the rule is saved, published or approved
        # without the other agency's contact points instead of failing. The form
        # offers only the agency's own, so nobody's choice is lost there.
        if not self.agency_id:
            return
        points = list(self.contact_points.all())
        foreign = contact_points_of_other_agencies(
            agency_id=self.agency_id, contact_points=points
        )
        if foreign:
            self.contact_points = [point for point in points if point not in foreign]

    def clean(self):
        super().clean()
        errors = {}
        # The admin form has one field per language; the German one is required.
        fee_field = f"fee_description_{settings.LANGUAGE_CODE}"
        if not self.is_free and not (getattr(self, fee_field) or "").strip():
            errors[fee_field] = _("Say what the offer costs, or mark it as free.")
        if not self.agency_id:
            self.sync_agency()
        else:
            self._contact_points_of_other_agencies_drop()
        if errors:
            raise ValidationError(errors)

    def get_context(self, request, *args, **kwargs):
        from .. import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.offer_detail(offer=self))
        return context

    def serve(self, request, *args, **kwargs):
        # Ended, past its end date, or hidden as stale: not for readers, but an old
        # link (a newsletter, a bookmark) leads to the agency and topic, not a dead
        # end. Previews still show it to editors.
        if not getattr(request, "is_preview", False) and not (
            type(self).objects.visible().filter(pk=self.pk).exists()
        ):
            agency = AgencyPage.objects.visible().filter(pk=self.agency_id).first()
            return render(
                request,
                "directory/offer_unavailable.html",
                {"page": self, "agency": agency, "topics": list(self.topics.all())},
                status=404,
            )
        return super().serve(request, *args, **kwargs)


class ContactPerson(Orderable):
    """A named person to contact about an offer (HSDS contact)."""

    page = ParentalKey(
        OfferPage, related_name="contact_persons", on_delete=models.CASCADE
    )
    name = models.CharField(_("name"), max_length=120)
    role = models.CharField(_("role"), max_length=120, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("role")]),
        FieldRowPanel([FieldPanel("email"), FieldPanel("phone")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("contact person")

    def __str__(self) -> str:
        return self.name
