"""Admin views of the newsletter: composing an issue from the suggestions, the send
page (editions, test send, sending, schedule, progress), edition previews, and the
subscriber and news item views the viewsets in wagtail_hooks.py use.
"""

import smtplib
from datetime import datetime, time

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import Button, HeaderButton, ListingButton
from wagtail.log_actions import log
from wagtail.permissions import policy_registry
from wagtail.snippets.views import snippets as snippet_views

from directory.models import OfferPage, Responsibility

from . import rendering, selectors, sending, services
from .models import Delivery, Edition, Issue, NewsItem, Subscriber, Suppression
from .models.subscribers import email_hash
from .permissions import agencies_for_user

MAX_TEST_ADDRESSES = 10
REFRESH_SECONDS = 5


def _require(user, permission: str) -> None:
    if not (user.is_active and user.has_perm(permission)):
        raise PermissionDenied


# --- news items: an agency editor acts on their own agency's items only -------------


class NewsItemAdminForm(WagtailAdminModelForm):
    """The agency is one the user may write for; topic and district are plain
    selects (editors have no access to the taxonomy choosers).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "agency" in self.fields:
            agencies = agencies_for_user(self.for_user).order_by("title")
            self.fields["agency"] = forms.ModelChoiceField(
                queryset=agencies,
                label=self.fields["agency"].label,
                initial=agencies.first() if agencies.count() == 1 else None,
            )
        for name in ("topic", "district"):
            field = self.fields.get(name)
            if field is not None:
                field.widget = forms.Select()
                field.widget.choices = field.choices


class AgencyScopedMixin:
    """Refuse (403) an object of another agency: the permission policy decides per
    instance, the generic views only check model permissions.
    """

    instance_actions = ("change",)

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        policy = policy_registry.get_by_type(NewsItem)
        if not policy.user_has_any_permission_for_instance(
            self.request.user, self.instance_actions, obj
        ):
            raise PermissionDenied
        return obj


class NewsItemIndexView(snippet_views.IndexView):
    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        return queryset.filter(agency__in=agencies_for_user(self.request.user))


def agency_scoped(view_class, *actions: str):
    """``view_class`` (a snippet view on one news item) that refuses an item of an
    agency the user does not write for; ``actions``: any of them suffices (default
    "change").
    """
    return type(
        f"AgencyScoped{view_class.__name__}",
        (AgencyScopedMixin, view_class),
        {"instance_actions": actions or ("change",)},
    )


# --- issues: list and edit ------------------------------------------------------------


class IssueIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().annotate(item_count=Count("items"))

    @property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.request.user.has_perm("newsletter.add_issue"):
            buttons.insert(
                0,
                HeaderButton(
                    _("New issue from suggestions"),
                    url=reverse("newsletter_compose"),
                    icon_name="plus",
                ),
            )
        return buttons

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        buttons.append(
            ListingButton(
                _("Preview and send"),
                url=reverse("newsletter_issue_send", args=[instance.pk]),
                icon_name="mail",
                priority=5,
            )
        )
        return buttons


class ItemCountColumn(Column):
    def get_value(self, instance):
        return getattr(instance, "item_count", None) or instance.items.count()


class IssueEditView(generic.EditView):
    """Only drafts and scheduled issues change; the others go to their send page."""

    def dispatch(self, request, *args, **kwargs):
        _require(request.user, "newsletter.change_issue")
        issue = get_object_or_404(Issue, pk=kwargs.get(self.pk_url_kwarg))
        if not issue.editable:
            messages.warning(
                request,
                _("“%(subject)s” is %(status)s and can no longer be changed.")
                % {"subject": issue, "status": issue.get_status_display()},
            )
            return redirect("newsletter_issue_send", pk=issue.pk)
        return super().dispatch(request, *args, **kwargs)

    @property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        buttons.append(
            Button(
                _("Preview and send"),
                url=reverse("newsletter_issue_send", args=[self.object.pk]),
                icon_name="mail",
                priority=5,
            )
        )
        return buttons


# --- compose -------------------------------------------------------------------------


class ComposeForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject (German)"), max_length=150)
    since = forms.DateField(
        label=gettext_lazy("New since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy(
            "Offers and responsibilities changed after this day are suggested. "
            "Empty: since the last sent issue."
        ),
    )


def since_from_day(day, default: datetime | None) -> datetime | None:
    """The moment "new since" means: the exact default when its day is chosen (or
    none), else the start of ``day`` in the current time zone.
    """
    if day is None:
        return default
    if default is not None and timezone.localtime(default).date() == day:
        return default
    return timezone.make_aware(datetime.combine(day, time.min))


class ComposeView(WagtailAdminTemplateMixin, TemplateView):
    """The suggestions since a day, all ticked; submitting makes a draft issue of the
    ticked ones and opens it for ordering and translating.
    """

    template_name = "newsletter/admin/compose.html"
    page_title = gettext_lazy("New newsletter issue")
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        _require(request.user, "newsletter.add_issue")
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("newsletter_issues:index"),
                "label": _("Newsletter issues"),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get(self, request, *args, **kwargs):
        default = selectors.last_sent_at()
        raw = request.GET.get("since")
        if raw is None:
            raw = f"{timezone.localtime(default):%Y-%m-%d}" if default else ""
        field = ComposeForm.base_fields["since"]
        try:
            day = field.clean(raw)
        except ValidationError:
            messages.error(request, _("“%(value)s” is not a date.") % {"value": raw})
            day = None
        # Changing the day lists the suggestions again; the subject is checked on
        # submit only.
        form = ComposeForm(
            initial={"subject": request.GET.get("subject", ""), "since": raw}
        )
        return self.render_to_response(
            self._context(form, since_from_day(day, default))
        )

    def post(self, request, *args, **kwargs):
        form = ComposeForm(request.POST)
        if not form.is_valid():
            since = since_from_day(None, selectors.last_sent_at())
            return self.render_to_response(self._context(form, since), status=400)
        since = since_from_day(form.cleaned_data["since"], selectors.last_sent_at())
        chosen = {
            key: [
                int(pk)
                for pk in request.POST.getlist(key)
                if pk.isascii() and pk.isdigit() and len(pk) < 19
            ]
            for key in ("offer", "responsibility", "news")
        }
        try:
            issue = services.issue_compose(
                subject=form.cleaned_data["subject"],
                since=since,
                offers=list(OfferPage.objects.filter(pk__in=chosen["offer"])),
                responsibilities=list(
                    Responsibility.objects.filter(pk__in=chosen["responsibility"])
                ),
                news=list(NewsItem.objects.filter(pk__in=chosen["news"])),
                user=request.user,
            )
        except services.NewsletterError as error:
            form.add_error(None, str(error))
            return self.render_to_response(self._context(form, since), status=400)
        messages.success(
            request,
            _(
                "Draft “%(subject)s” with %(count)d items created. Put the items in "
                "order, add or remove some, and translate the subject and introduction."
            )
            % {"subject": issue, "count": issue.items.count()},
        )
        return redirect("newsletter_issues:edit", issue.pk)

    def _context(self, form, since):
        groups = selectors.suggestions(since=since)
        ticked = selectors.suggestions_tick(
            groups, limit=settings.NEWSLETTER_SUGGESTED_ITEMS
        )
        return self.get_context_data(
            form=form,
            since=since,
            groups=groups,
            ticked=ticked,
            count=sum(
                len(group[key])
                for group in groups
                for key in ("offers", "responsibilities", "news")
            ),
        )


# --- send page ------------------------------------------------------------------------


def addresses_parse(text: str) -> list[str]:
    """Up to MAX_TEST_ADDRESSES valid addresses from a comma/space/line separated
    text; raises ValidationError naming the bad ones.
    """
    addresses = list(dict.fromkeys(text.replace(",", " ").replace(";", " ").split()))
    if not addresses:
        raise ValidationError(_("Enter at least one address."))
    if len(addresses) > MAX_TEST_ADDRESSES:
        raise ValidationError(
            _("At most %(limit)d addresses.") % {"limit": MAX_TEST_ADDRESSES}
        )
    bad = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        raise ValidationError(
            _("Not an email address: %(addresses)s") % {"addresses": ", ".join(bad)}
        )
    return addresses


class TestSendForm(forms.Form):
    addresses = forms.CharField(
        label=gettext_lazy("Addresses"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Up to 10, separated by commas or new lines."),
    )
    language = forms.ChoiceField(label=gettext_lazy("Edition"))

    def __init__(self, *args, languages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            (code, rendering.language_label(code)) for code in languages
        ]

    def clean_addresses(self):
        return addresses_parse(self.cleaned_data["addresses"])


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(
        label=gettext_lazy("Send at"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
        help_text=gettext_lazy("In the time zone of the site."),
    )

    def clean_at(self):
        at = self.cleaned_data["at"]  # a naive input is read in the current time zone
        if at <= timezone.now():
            raise ValidationError(_("Choose a time in the future."))
        return at


class IssueSendView(WagtailAdminTemplateMixin, TemplateView):
    """Everything about sending one issue. GET shows it; POST runs one action."""

    template_name = "newsletter/admin/send.html"
    header_icon = "mail"
    actions = ("send", "schedule", "unschedule", "pause", "resume", "test")

    def dispatch(self, request, *args, pk, **kwargs):
        _require(request.user, "newsletter.change_issue")
        self.issue = get_object_or_404(Issue, pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Send: %(subject)s") % {"subject": self.issue}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("newsletter_issues:index"),
                "label": _("Newsletter issues"),
            },
            {"url": "", "label": str(self.issue)},
        ]

    @property
    def can_send(self) -> bool:
        return self.request.user.has_perm("newsletter.send_issue")

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.context())

    def post(self, request, *args, **kwargs):
        if not self.can_send:
            raise PermissionDenied
        action = request.POST.get("action")
        if action not in self.actions:
            messages.error(request, _("Unknown action."))
            return redirect("newsletter_issue_send", pk=self.issue.pk)
        return getattr(self, f"post_{action}")(request)

    def _done(self):
        return redirect("newsletter_issue_send", pk=self.issue.pk)

    def _log(self, action: str, **data) -> None:
        log(instance=self.issue, action=action, user=self.request.user, data=data)

    def post_send(self, request):
        if not request.POST.get("confirm"):
            messages.error(request, _("Tick the box to confirm sending."))
            return self._done()
        confirm_overdue = bool(request.POST.get("confirm_overdue"))
        try:
            count = sending.issue_send_start(
                issue=self.issue, confirm_overdue=confirm_overdue
            )
        except sending.ScheduleOverdue as error:
            context = self.context(overdue=str(error))
            return self.render_to_response(context, status=409)
        except services.NewsletterError as error:  # render errors too
            messages.error(request, str(error))
            return self._done()
        self._log("newsletter.send", deliveries=count)
        messages.success(
            request,
            _("Sending started: %(count)d messages queued.") % {"count": count},
        )
        return self._done()

    def post_schedule(self, request):
        form = ScheduleForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.context(schedule_form=form), status=400)
        at = form.cleaned_data["at"]
        try:
            sending.issue_schedule(issue=self.issue, at=at)
        except services.NewsletterError as error:
            messages.error(request, str(error))
            return self._done()
        self._log("newsletter.schedule", at=at.isoformat())
        messages.success(
            request,
            _("Scheduled for %(when)s.") % {"when": sending.when_text(at)},
        )
        return self._done()

    def post_unschedule(self, request):
        sending.issue_unschedule(issue=self.issue)
        self._log("newsletter.schedule", at=None)
        messages.success(request, _("The schedule is cancelled; the issue is a draft."))
        return self._done()

    def post_pause(self, request):
        if sending.issue_pause(issue=self.issue):
            self._log("newsletter.pause")
            messages.success(
                request, _("Paused: the workers stop after their current message.")
            )
        else:
            messages.error(request, _("Only an issue that is sending can be paused."))
        return self._done()

    def post_resume(self, request):
        if sending.issue_resume(issue=self.issue):
            self._log("newsletter.resume")
            messages.success(request, _("Sending continues."))
        else:
            messages.error(request, _("Only a paused or stopped issue can be resumed."))
        return self._done()

    def post_test(self, request):
        form = TestSendForm(request.POST, languages=self.issue.edition_languages())
        if not form.is_valid():
            return self.render_to_response(self.context(test_form=form), status=400)
        addresses = form.cleaned_data["addresses"]
        language = form.cleaned_data["language"]
        try:
            sent = sending.test_send(
                issue=self.issue, language=language, addresses=addresses
            )
        except rendering.RenderError as error:
            messages.error(request, str(error))
            return self._done()
        except (smtplib.SMTPException, OSError) as error:
            messages.error(
                request,
                _("The mail server did not take the test mail: %(error)s")
                % {"error": f"{type(error).__name__}: {error}"},
            )
            return self._done()
        self._log("newsletter.test_send", language=language, count=sent)
        messages.success(
            request,
            _("Test mail (%(language)s) sent to %(addresses)s.")
            % {
                "language": rendering.language_label(language),
                "addresses": ", ".join(addresses),
            },
        )
        return self._done()

    def _rendered(self) -> dict:
        """Each edition as it would go out now (language -> RenderedEdition, or the
        RenderError's message). Items are read once for all editions; only when one
        fails are they rendered one by one, to say which.
        """
        issue = self.issue
        languages = issue.edition_languages()
        try:
            rendered = rendering.editions_render(issue=issue, languages=languages)
            return {edition.language: edition for edition in rendered}
        except rendering.RenderError:
            pass
        result: dict = {}
        for code in languages:
            try:
                result[code] = rendering.edition_render(issue=issue, language=code)
            except rendering.RenderError as error:
                result[code] = str(error)
        return result

    def editions(self, report: dict) -> list[dict]:
        """One row per edition: the stored one once sending started, else rendered
        now; a render error becomes that row's message.
        """
        issue = self.issue
        frozen = (
            {}
            if issue.editable
            else {e.language: e for e in Edition.objects.filter(issue=issue)}
        )
        current = {} if frozen else self._rendered()
        audience = selectors.audience_by_edition(issue) if issue.editable else {}
        rows = []
        for code in issue.edition_languages():
            edition = frozen.get(code) or current.get(code)
            row = {
                "language": code,
                "name": rendering.language_label(code),
                "recipients": audience.get(code),
                "report": report["editions"].get(code, {}),
                "preview_url": reverse("newsletter_edition", args=[issue.pk, code]),
                "error": edition if isinstance(edition, str) else "",
                "warnings": getattr(edition, "warnings", []),
            }
            if edition is not None and not isinstance(edition, str):
                row.update(
                    subject=edition.subject,
                    fallback_items=edition.fallback_items,
                    html_bytes=edition.html_bytes,
                )
            row["too_big"] = (
                row.get("html_bytes", 0) > settings.NEWSLETTER_HTML_WARN_BYTES
            )
            rows.append(row)
        return rows

    def context(self, **extra):
        issue = self.issue
        report = selectors.delivery_report(issue)
        editions = self.editions(report)
        languages = issue.edition_languages()
        states = [state for state, _label in Delivery.State.choices]
        context = {
            "issue": issue,
            "editions": editions,
            "total_recipients": sum(row["recipients"] or 0 for row in editions),
            "show_recipients": issue.editable,
            "report": report,
            "report_rows": [
                {
                    "language": code,
                    "name": rendering.language_label(code),
                    "counts": [
                        report["editions"].get(code, {}).get(s, 0) for s in states
                    ],
                }
                for code in languages
                if code in report["editions"]
            ],
            "report_totals": [report["totals"].get(s, 0) for s in states],
            "report_states": [label for _state, label in Delivery.State.choices],
            "can_send": self.can_send,
            "test_form": TestSendForm(languages=languages),
            "schedule_form": ScheduleForm(
                initial={
                    "at": issue.scheduled_at and timezone.localtime(issue.scheduled_at)
                }
            ),
            "refresh": REFRESH_SECONDS if issue.status == Issue.Status.SENDING else 0,
            "warn_kb": settings.NEWSLETTER_HTML_WARN_BYTES // 1024,
            "edit_url": reverse("newsletter_issues:edit", args=[issue.pk])
            if issue.editable
            else "",
            "history_url": reverse("newsletter_issues:history", args=[issue.pk]),
        }
        context.update(extra)
        return self.get_context_data(**context)


def _edition_html_and_text(issue: Issue, language: str) -> tuple[str, str]:
    """The edition as sent (once frozen) or as it would be sent now, with "#" for
    the per-recipient links. Raises RenderError.
    """
    edition = None
    if not issue.editable:
        edition = Edition.objects.filter(issue=issue, language=language).first()
    if edition is not None:
        html, text = edition.html, edition.text
    else:
        rendered = rendering.edition_render(issue=issue, language=language)
        html, text = rendered.html, rendered.text
    links = {"preferences_url": "#", "unsubscribe_url": "#"}
    return rendering.personalize(html, **links), rendering.personalize(text, **links)


def issue_preview(request, pk: int, lang: str):
    """The edition's HTML on its own (for the preview iframes), or ``?format=text``."""
    _require(request.user, "newsletter.change_issue")
    issue = get_object_or_404(Issue, pk=pk)
    if lang not in issue.edition_languages():
        raise Http404
    try:
        html, text = _edition_html_and_text(issue, lang)
    except rendering.RenderError as error:
        return HttpResponse(str(error), content_type="text/plain; charset=utf-8")
    if request.GET.get("format") == "text":
        return HttpResponse(text, content_type="text/plain; charset=utf-8")
    return HttpResponse(html)


class EditionPreviewView(WagtailAdminTemplateMixin, TemplateView):
    """One edition on a phone and a desktop screen, and its plain-text part."""

    template_name = "newsletter/admin/edition.html"
    header_icon = "view"

    def dispatch(self, request, *args, pk, lang, **kwargs):
        _require(request.user, "newsletter.change_issue")
        self.issue = get_object_or_404(Issue, pk=pk)
        if lang not in self.issue.edition_languages():
            raise Http404
        self.language = lang
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Preview: %(language)s edition") % {
            "language": rendering.language_label(self.language)
        }

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("newsletter_issues:index"),
                "label": _("Newsletter issues"),
            },
            {
                "url": reverse("newsletter_issue_send", args=[self.issue.pk]),
                "label": str(self.issue),
            },
            {"url": "", "label": rendering.language_label(self.language)},
        ]

    def get_context_data(self, **kwargs):
        error, text = "", ""
        try:
            _html, text = _edition_html_and_text(self.issue, self.language)
        except rendering.RenderError as exc:
            error = str(exc)
        url = reverse("newsletter_issue_preview", args=[self.issue.pk, self.language])
        return super().get_context_data(
            issue=self.issue,
            language=self.language,
            language_name=rendering.language_label(self.language),
            preview_url=url,
            text=text,
            error=error,
            send_url=reverse("newsletter_issue_send", args=[self.issue.pk]),
            languages=[
                (code, rendering.language_label(code))
                for code in self.issue.edition_languages()
            ],
            **kwargs,
        )


# --- subscribers ----------------------------------------------------------------------


class LanguagesColumn(Column):
    def get_value(self, instance):
        return ", ".join(instance.languages or [])


class SubscriberInspectView(generic.InspectView):
    template_name = "newsletter/admin/subscriber_inspect.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            export_url=reverse("newsletter_subscribers:export", args=[self.object.pk])
            if user.has_perm("newsletter.view_subscriber")
            else "",
            erase_url=reverse("newsletter_subscribers:erase", args=[self.object.pk])
            if user.has_perm("newsletter.delete_subscriber")
            else "",
            events=self.object.consent_events.select_related("consent_text"),
            # For support questions ("did my mail go out?"): newest first.
            deliveries=self.object.deliveries.select_related("issue").order_by("-pk")[
                :50
            ],
            **kwargs,
        )


def subscriber_export(request, pk: int):
    """Proof of consent and everything stored about the subscriber, as a download."""
    _require(request.user, "newsletter.view_subscriber")
    subscriber = get_object_or_404(Subscriber, pk=pk)
    response = HttpResponse(
        services.subscriber_export_json(subscriber=subscriber),
        content_type="application/json; charset=utf-8",
    )
    name = f"consent-{subscriber.uuid.hex[:12]}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class SubscriberEraseView(WagtailAdminTemplateMixin, TemplateView):
    """Confirm, then delete the subscriber; only the address hash remains."""

    template_name = "newsletter/admin/subscriber_erase.html"
    page_title = gettext_lazy("Erase subscriber")
    header_icon = "bin"

    def dispatch(self, request, *args, pk, **kwargs):
        _require(request.user, "newsletter.delete_subscriber")
        self.subscriber = get_object_or_404(Subscriber, pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("newsletter_subscribers:index"), "label": _("Subscribers")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            subscriber=self.subscriber,
            inspect_url=reverse(
                "newsletter_subscribers:inspect", args=[self.subscriber.pk]
            ),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        services.subscriber_erase(subscriber=self.subscriber)
        messages.success(
            request,
            _(
                "The subscriber is erased. Their consent history is kept with the "
                "address hash only."
            ),
        )
        return redirect("newsletter_subscribers:index")


# --- suppressions ---------------------------------------------------------------------


class SuppressionAddForm(WagtailAdminModelForm):
    """A coordinator blocks an address: only its hash is stored."""

    email = forms.EmailField(label=gettext_lazy("Email address"))

    class Meta:
        model = Suppression
        fields = ["note"]

    def clean_email(self):
        address = self.cleaned_data["email"]
        if Suppression.objects.filter(email_hash=email_hash(address)).exists():
            raise ValidationError(_("This address is already suppressed."))
        return address


class SuppressionCreateView(generic.CreateView):
    success_message = gettext_lazy(
        "The address is suppressed; only its hash is stored."
    )

    def get_success_url(self):
        return reverse(self.index_url_name)

    def get_success_buttons(self):
        return []

    def save_instance(self):
        address_hash = email_hash(self.form.cleaned_data["email"])
        services.suppress(
            address_hash=address_hash,
            reason=Suppression.Reason.MANUAL,
            note=self.form.cleaned_data.get("note") or "",
        )
        return Suppression.objects.get(email_hash=address_hash)
