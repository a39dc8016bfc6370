"""Admin pages of the second factor: the sign-in's code step, enrolment, recovery
codes, turning it off, and a superuser's reset of another user's.
"""

import math
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .forms import CodeForm
from .selectors import two_factor_enrolled, two_factor_required
from .services import (
    InvalidCode,
    recovery_codes_left,
    recovery_codes_renew,
    totp_device_confirm,
    totp_device_start,
    two_factor_remove,
)


def _next_url(request) -> str:
    """Where to go after the code step: the page asked for, if it is ours."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("wagtailadmin_home")


def _qr_svg(data: str) -> str:
    image = qrcode.make(
        data, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=2
    )
    return image.to_string(encoding="unicode")


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _throttled_seconds(user) -> int:
    """Seconds until the next code is checked after too many wrong ones, or 0."""
    waits = []
    for device in devices_for_user(user):
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            waits.append((data["locked_until"] - timezone.now()).total_seconds())
    return max(0, math.ceil(max(waits, default=0)))


class VerifyView(TemplateView):
    """Second step of the sign-in: a code from the authenticator app or a
    recovery code (each recovery code works once).
    """

    template_name = "accounts/verify.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(
            self.get_context_data(form=CodeForm(), next=_next_url(request))
        )

    def post(self, request, *args, **kwargs):
        form = CodeForm(request.POST)
        if form.is_valid():
            # Measured before: a wrong code itself starts a short wait.
            wait = _throttled_seconds(request.user)
            device = match_token(request.user, form.cleaned_data["code"])
            if device is not None:
                otp_login(request, device)
                if recovery_codes_left(user=request.user) <= 2:
                    messages.warning(
                        request,
                        _(
                            "You have few recovery codes left: make new ones "
                            "under Account → Two-factor authentication."
                        ),
                    )
                return redirect(_next_url(request))
            if wait:
                form.add_error(
                    "code",
                    _("Too many wrong codes. Wait %(seconds)s seconds, then try again.")
                    % {"seconds": wait},
                )
            else:
                form.add_error("code", _("This code is not valid. Try again."))
        context = self.get_context_data(form=form, next=_next_url(request))
        return self.render_to_response(context, status=400)


class SetupView(WagtailAdminTemplateMixin, TemplateView):
    """Enrolment: scan the QR code (or type the key) into an authenticator app,
    confirm with a code it shows, receive the recovery codes once.
    """

    template_name = "accounts/setup.html"
    page_title = gettext_lazy("Set up two-factor authentication")
    header_icon = "key"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        device = totp_device_start(user=self.request.user)
        return super().get_context_data(
            qr_svg=mark_safe(_qr_svg(device.config_url)),  # noqa: S308 (our SVG)
            otpauth_url=device.config_url,
            secret=_grouped(b32encode(device.bin_key).decode()),
            required=two_factor_required(self.request.user),
            next=_next_url(self.request),
            **kwargs,
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=CodeForm()))

    def post(self, request, *args, **kwargs):
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                device, codes = totp_device_confirm(
                    user=request.user, code=form.cleaned_data["code"]
                )
            except InvalidCode:
                form.add_error(
                    "code",
                    _("This code does not match. Check the app's clock and try again."),
                )
            else:
                otp_login(request, device)
                return RecoveryCodesView.render_codes(request, codes, enrolled=True)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class RecoveryCodesView(WagtailAdminTemplateMixin, TemplateView):
    """The new recovery codes, shown this once."""

    template_name = "accounts/recovery_codes.html"
    page_title = gettext_lazy("Recovery codes")
    header_icon = "key"

    @classmethod
    def render_codes(cls, request, codes: list[str], *, enrolled: bool = False):
        view = cls(request=request)
        return view.render_to_response(
            view.get_context_data(
                codes=codes, enrolled=enrolled, next=_next_url(request)
            )
        )


class OverviewView(WagtailAdminTemplateMixin, TemplateView):
    """The user's own second factor: set up, new recovery codes, turn off."""

    template_name = "accounts/overview.html"
    page_title = gettext_lazy("Two-factor authentication")
    header_icon = "key"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            enrolled=two_factor_enrolled(user),
            required=two_factor_required(user),
            codes_left=recovery_codes_left(user=user),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "codes" and two_factor_enrolled(request.user):
            codes = recovery_codes_renew(user=request.user)
            return RecoveryCodesView.render_codes(request, codes)
        if action == "disable":
            if two_factor_required(request.user):
                raise PermissionDenied
            two_factor_remove(user=request.user)
            messages.success(request, _("Two-factor authentication is turned off."))
        return redirect("accounts_2fa")


class ResetView(WagtailAdminTemplateMixin, TemplateView):
    """A superuser removes another user's second factor (a lost phone with the
    recovery codes gone): that user signs in with the password next time and, if
    it is required of them, enrols again.
    """

    template_name = "accounts/reset_confirm.html"
    page_title = gettext_lazy("Reset two-factor authentication")
    header_icon = "key"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        self.target = get_object_or_404(get_user_model(), pk=kwargs["user_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.target.get_username()

    def get_context_data(self, **kwargs):
        return super().get_context_data(target=self.target, **kwargs)

    def post(self, request, *args, **kwargs):
        two_factor_remove(user=self.target)
        messages.success(
            request,
            _("Two-factor authentication of %(user)s was reset.")
            % {"user": self.target.get_username()},
        )
        return redirect("wagtailusers_users:index")
