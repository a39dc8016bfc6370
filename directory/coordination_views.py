"""Admin views for running the region: an agency's editors (invite, remove,
trusted), confirming entries as current, and the invitation link itself."""

import smtplib

from django import forms
from django.conf import settings
from django.contrib import messages as django_messages
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.models import Page

from .freshness import agencies_of_editor, agency_pages_to_confirm, pages_confirm
from .models import AgencyPage, ContactPointPage, OfferPage
from .permissions import user_coordinates
from .querysets import freshness_cutoffs
from .services import (
    InvitationInvalid,
    agency_editors,
    agency_trust_set,
    editor_invite,
    editor_remove,
    invitation_pending,
    invitation_user,
)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    language = forms.ChoiceField(
        label=_("Admin language"),
        choices=settings.WAGTAILADMIN_PERMITTED_LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        help_text=_("The language of the admin and of the emails they get."),
    )


class AgencyListView(WagtailAdminTemplateMixin, TemplateView):
    """Every agency with its editors, whether it is trusted, and how many of its
    entries are stale: where coordinators start onboarding and follow-up."""

    template_name = "directory/admin/agencies.html"
    page_title = _("Agencies and editors")
    header_icon = "group"

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": "", "label": self.page_title},
        ]

    def dispatch(self, request, *args, **kwargs):
        if not user_coordinates(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from django.db.models import Count

        counts: dict[int, int] = {}
        for model in (OfferPage, ContactPointPage):
            for row in (
                model.objects.live()
                .stale()
                .order_by()
                .values("agency_id")
                .annotate(n=Count("pk"))
            ):
                counts[row["agency_id"]] = counts.get(row["agency_id"], 0) + row["n"]
        agencies = list(AgencyPage.objects.order_by("title"))
        rows = [
            {
                "agency": agency,
                "editors": agency_editors(agency=agency),
                "stale": counts.get(agency.pk, 0),
            }
            for agency in agencies
        ]
        return super().get_context_data(rows=rows, **kwargs)


class AgencyEditorsView(WagtailAdminTemplateMixin, TemplateView):
    """One agency's editors: invite by email, remove, mark the agency trusted."""

    template_name = "directory/admin/agency_editors.html"
    header_icon = "group"

    def dispatch(self, request, *args, **kwargs):
        if not user_coordinates(request.user):
            raise PermissionDenied
        self.agency = get_object_or_404(AgencyPage, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Editors of %(agency)s") % {"agency": self.agency.title}

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse("directory_agencies"), "label": _("Agencies and editors")},
            {"url": "", "label": self.agency.title},
        ]

    def get_context_data(self, **kwargs):
        editors = [
            (user, invitation_pending(user=user))
            for user in agency_editors(agency=self.agency)
        ]
        kwargs.setdefault("form", InviteForm())
        return super().get_context_data(agency=self.agency, editors=editors, **kwargs)

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "invite":
            return self._invite(request)
        if action == "remove":
            user = self.agency_editor(request.POST.get("user"))
            if user is None:
                messages.error(request, _("That person is not an editor here."))
            else:
                editor_remove(agency=self.agency, user=user, removed_by=request.user)
                messages.success(
                    request,
                    _("%(email)s no longer edits %(agency)s.")
                    % {"email": user.email, "agency": self.agency.title},
                )
            return redirect(request.path)
        if action in {"trust", "distrust"}:
            agency_trust_set(
                agency=self.agency, trusted=action == "trust", user=request.user
            )
            text = (
                _("Editors of %(agency)s now publish without approval.")
                if action == "trust"
                else _("Changes by editors of %(agency)s need approval again.")
            )
            messages.success(request, text % {"agency": self.agency.title})
            return redirect(request.path)
        messages.error(request, _("Choose what to do."))
        return redirect(request.path)

    def agency_editor(self, value):
        if not str(value or "").isdigit():
            return None
        return next(
            (
                user
                for user in agency_editors(agency=self.agency)
                if user.pk == int(value)
            ),
            None,
        )

    def _invite(self, request):
        form = InviteForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        data = form.cleaned_data
        try:
            user = editor_invite(
                agency=self.agency,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                language=data["language"],
                invited_by=request.user,
            )
        except (smtplib.SMTPException, OSError):
            messages.error(
                request,
                _(
                    "%(email)s is an editor now, but the email could not be sent. "
                    "Try “Send the invitation again” later."
                )
                % {"email": data["email"]},
            )
            return redirect(request.path)
        messages.success(
            request,
            _("Invitation sent to %(email)s.") % {"email": user.email},
        )
        return redirect(request.path)


def _may_edit(user, page) -> bool:
    return page.permissions_for_user(user).can_edit()


def _back(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


class ConfirmPageView(View):
    """POST: confirm one offer or contact point as current (one click)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        page = get_object_or_404(Page, pk=kwargs["page_id"]).specific
        if not isinstance(page, OfferPage | ContactPointPage):
            messages.error(request, _("Only offers and contact points are confirmed."))
            return redirect(_back(request, reverse("wagtailadmin_home")))
        if not _may_edit(request.user, page):
            raise PermissionDenied
        pages_confirm(pages=[page], user=request.user)
        messages.success(
            request,
            _("“%(title)s” is confirmed as current.") % {"title": page.title},
        )
        return redirect(
            _back(request, reverse("wagtailadmin_pages:edit", args=[page.pk]))
        )


class AgencyFreshnessView(WagtailAdminTemplateMixin, TemplateView):
    """An agency's offers and contact points, stalest first, with when and by whom
    each was last confirmed; the editor ticks what they checked and confirms them
    at once."""

    template_name = "directory/admin/freshness_agency.html"
    header_icon = "calendar-check"

    def dispatch(self, request, *args, **kwargs):
        self.agency = get_object_or_404(AgencyPage, pk=kwargs["pk"])
        if not _may_edit(request.user, self.agency):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Keep %(agency)s current") % {"agency": self.agency.title}

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse("directory_freshness"), "label": _("Keep entries current")},
            {"url": "", "label": self.agency.title},
        ]

    def get_context_data(self, **kwargs):
        cutoffs = freshness_cutoffs()
        rows = []
        for page in agency_pages_to_confirm(agency=self.agency):
            confirmed = page.assured_date
            rows.append(
                {
                    "page": page,
                    "stale": confirmed is None or confirmed < cutoffs.stale_before,
                    "hidden": isinstance(page, OfferPage)
                    and confirmed is not None
                    and confirmed < cutoffs.hidden_before,
                }
            )
        return super().get_context_data(
            agency=self.agency,
            rows=rows,
            stale_count=sum(row["stale"] for row in rows),
            stale_after_days=settings.DIRECTORY_STALE_AFTER_DAYS,
            hide_after_days=settings.DIRECTORY_HIDE_AFTER_DAYS,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        wanted = {
            int(value) for value in request.POST.getlist("page") if value.isdigit()
        }
        pages = [
            page
            for page in agency_pages_to_confirm(agency=self.agency)
            if page.pk in wanted
        ]
        if not pages:
            messages.error(request, _("Tick the entries you checked, then confirm."))
            return redirect(request.path)
        count = pages_confirm(pages=pages, user=request.user)
        messages.success(
            request,
            _("%(count)s entries confirmed as current.") % {"count": count},
        )
        return redirect(request.path)


class FreshnessIndexView(WagtailAdminTemplateMixin, TemplateView):
    """Where "Keep entries current" leads: an editor's own agency list (or a choice
    of their agencies); for coordinators every agency."""

    template_name = "directory/admin/freshness_index.html"
    page_title = _("Keep entries current")
    header_icon = "calendar-check"

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": "", "label": self.page_title},
        ]

    def get(self, request, *args, **kwargs):
        agencies = (
            AgencyPage.objects.order_by("title")
            if user_coordinates(request.user)
            else agencies_of_editor(request.user)
        )
        agencies = list(agencies)
        if len(agencies) == 1:
            return redirect("directory_freshness_agency", agencies[0].pk)
        return self.render_to_response(self.get_context_data(agencies=agencies))


# --- The invitation link (outside the admin's login) ---------------------------------


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                validate_password(first, self.user)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class InvitationView(TemplateView):
    """An invited editor sets their password here, then signs in."""

    template_name = "directory/admin/invitation.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.invited = invitation_user(token=kwargs["token"])
        except InvitationInvalid:
            return self.render_to_response({"invalid": True}, status=400)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(
            {"form": SetPasswordForm(self.invited), "invited": self.invited}
        )

    def post(self, request, *args, **kwargs):
        form = SetPasswordForm(self.invited, request.POST)
        if not form.is_valid():
            return self.render_to_response(
                {"form": form, "invited": self.invited}, status=400
            )
        self.invited.set_password(form.cleaned_data["password1"])
        self.invited.save(update_fields=["password"])
        django_messages.success(
            request, _("Your password is set. Sign in with your email address.")
        )
        return redirect("wagtailadmin_login")
