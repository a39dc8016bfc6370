"""Public newsletter pages: sign-up, confirmation, preference centre, one-click
unsubscribe, the archive of sent issues, and the bounce webhook.

The pages set no cookies and need no CSRF token: a sign-up only ever leads to a
confirmation mail (double opt-in, rate-limited), and every other page is authorised
by the secret token in its own URL, which a forging site does not know. So the
footer form can sit on every (cacheable) page.
"""

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from operations import ratelimit
from operations.requests import client_ip

from . import services, tokens
from .forms import (
    MAX_BODY_BYTES,
    PreferencesForm,
    SignupForm,
    request_too_big_message,
)
from .models import Edition, Issue, Subscriber

BOUNCES_MAX = 1000
ARCHIVE_PAGE_SIZE = 20


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


def _post_data(request):
    """The POST data, or None when it is too large or malformed to read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length > MAX_BODY_BYTES:
        return None
    try:
        return request.POST
    except (RequestDataTooBig, TooManyFieldsSent, MultiPartParserError):
        return None


def _error(request, *, status: int, title: str, message: str, links=()):
    """A page in the site layout explaining what went wrong and where to go."""
    return render(
        request,
        "newsletter/error.html",
        {"title": title, "message": message, "links": links},
        status=status,
    )


def _signup_link() -> tuple[str, str]:
    return reverse("newsletter-signup"), _("Sign up for the newsletter")


def _invalid_link(request):
    return _error(
        request,
        status=404,
        title=_("This link is not valid"),
        message=_(
            "The link may be incomplete (check that it was copied whole), or it "
            "belongs to an older sign-up or to data that was deleted."
        ),
        links=[_signup_link()],
    )


def _preferences_path(subscriber: Subscriber) -> str:
    return reverse(
        "newsletter-preferences", args=[tokens.subscriber_token(subscriber.uuid)]
    )


# --- sign-up ------------------------------------------------------------------------


def _signup_page(request, form, *, status=200, problem=""):
    return render(
        request,
        "newsletter/signup.html",
        {"form": form, "problem": problem},
        status=status,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def signup(request):
    """The sign-up form. Every accepted POST answers with the same redirect,
    whatever the address's state, so the page tells nobody who is subscribed.
    """
    language = _language()
    if request.method == "GET":
        return _signup_page(request, SignupForm(language=language))
    data = _post_data(request)
    if data is None:
        return _signup_page(
            request,
            SignupForm(language=language),
            status=400,
            problem=request_too_big_message(),
        )
    form = SignupForm(data, language=language)
    thanks = redirect(reverse("newsletter-thanks"))
    thanks.status_code = 303
    if form.honeypot_filled:
        return thanks
    if not form.is_valid():
        return _signup_page(request, form)
    ip = client_ip(request)
    if not ratelimit.allow(
        f"signup-ip:{ip}", limit=settings.NEWSLETTER_SIGNUPS_PER_IP, seconds=3600
    ):
        return _signup_page(
            request,
            form,
            status=429,
            problem=_(
                "There were too many sign-ups from your connection in the last "
                "hour. Please try again in an hour; what you entered is kept below."
            ),
        )
    data = form.cleaned_data
    try:
        services.subscriber_signup(
            email=data["email"],
            languages=data["languages"],
            topics=list(data["topics"]),
            districts=list(data["districts"]),
            language=language,
            source=data["source"],
            ip=ip,
        )
    except services.NewsletterError as error:
        form.add_error(None, str(error))
        return _signup_page(request, form)
    return thanks


def thanks(request):
    return render(
        request,
        "newsletter/thanks.html",
        {"days": settings.NEWSLETTER_CONFIRM_DAYS},
    )


# --- confirmation -------------------------------------------------------------------


def _expired(request):
    return _error(
        request,
        status=410,
        title=_("This link has expired"),
        message=_(
            "Confirmation links are valid for %(days)d days. Nothing was "
            "subscribed; please sign up again and use the new link."
        )
        % {"days": settings.NEWSLETTER_CONFIRM_DAYS},
        links=[_signup_link()],
    )


def _confirmed_page(request, subscriber: Subscriber, *, newly: bool):
    return render(
        request,
        "newsletter/confirmed.html",
        {"newly": newly, "preferences_path": _preferences_path(subscriber)},
    )


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    """GET only shows a button: mail scanners open links, people press buttons."""
    if request.method == "POST":
        try:
            subscriber, newly = services.subscriber_confirm(
                token=token, ip=client_ip(request)
            )
        except tokens.ExpiredToken:
            return _expired(request)
        except tokens.InvalidToken:
            return _invalid_link(request)
        return _confirmed_page(request, subscriber, newly=newly)
    try:
        subscriber = services.subscriber_for_confirmation(token=token)
    except tokens.ExpiredToken:
        return _expired(request)
    except tokens.InvalidToken:
        return _invalid_link(request)
    if subscriber.state == Subscriber.State.CONFIRMED:
        return _confirmed_page(request, subscriber, newly=False)
    return render(request, "newsletter/confirm.html", {})


# --- preference centre --------------------------------------------------------------


def _preferences_page(request, subscriber, form=None, *, status=200, **extra):
    if form is None:
        form = PreferencesForm(
            initial={
                "languages": subscriber.languages,
                "topics": list(subscriber.topics.values_list("slug", flat=True)),
                "districts": list(subscriber.districts.values_list("slug", flat=True)),
                "paused": subscriber.paused,
            }
        )
    return render(
        request,
        "newsletter/preferences.html",
        {
            "subscriber": subscriber,
            "unsubscribed": subscriber.state == Subscriber.State.UNSUBSCRIBED,
            "pending": subscriber.state == Subscriber.State.PENDING,
            "form": form,
            "saved": request.GET.get("saved") == "1",
            **extra,
        },
        status=status,
    )


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request, token: str):
    """Change what arrives, pause, unsubscribe, download or delete one's data."""
    try:
        subscriber = services.subscriber_by_token(token)
    except tokens.InvalidToken:
        return _invalid_link(request)
    if request.method == "GET":
        return _preferences_page(request, subscriber)
    data = _post_data(request)
    if data is None:
        return _preferences_page(
            request, subscriber, status=400, problem=request_too_big_message()
        )
    action = data.get("action")
    if action == "export":
        sent = services.subscriber_export_send(subscriber=subscriber)
        return _preferences_page(
            request,
            subscriber,
            export_message=_(
                "We are sending your data to your email address. It arrives in a "
                "few minutes."
            )
            if sent
            else _("We already sent you several emails today. Try again tomorrow."),
        )
    if action == "erase":
        if data.get("erase_confirm") != "yes":
            return _preferences_page(
                request,
                subscriber,
                erase_error=_("Tick the box to confirm that your data should go."),
            )
        services.subscriber_erase(subscriber=subscriber)
        return render(request, "newsletter/erased.html", {})
    if action == "unsubscribe":
        services.subscriber_unsubscribe(
            subscriber=subscriber, source="preference centre"
        )
        return render(
            request,
            "newsletter/unsubscribe.html",
            {"done": True, "preferences_path": _preferences_path(subscriber)},
        )
    if action != "save" or subscriber.state == Subscriber.State.UNSUBSCRIBED:
        return _preferences_page(request, subscriber)
    form = PreferencesForm(data, first_languages=subscriber.languages)
    if not form.is_valid():
        return _preferences_page(request, subscriber, form)
    try:
        services.subscriber_preferences_update(
            subscriber=subscriber,
            languages=form.cleaned_data["languages"],
            topics=list(form.cleaned_data["topics"]),
            districts=list(form.cleaned_data["districts"]),
            paused=form.cleaned_data["paused"],
        )
    except services.NewsletterError as error:
        form.add_error(None, str(error))
        return _preferences_page(request, subscriber, form)
    response = redirect(f"{request.path}?saved=1")
    response.status_code = 303
    return response


# --- one-click unsubscribe (no language prefix) -------------------------------------


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """RFC 8058: a POST unsubscribes at once (no login, cookie or confirmation); a
    GET shows a button, in the subscriber's first language.
    """
    try:
        subscriber = services.subscriber_by_token(token)
    except tokens.InvalidToken:
        return _invalid_link(request)
    one_click = False
    if request.method == "POST":
        data = _post_data(request)
        one_click = data is not None and data.get("List-Unsubscribe") == "One-Click"
        services.subscriber_unsubscribe(
            subscriber=subscriber,
            source="one-click" if one_click else "unsubscribe page",
        )
    if one_click:
        return HttpResponse("Unsubscribed.\n", content_type="text/plain; charset=utf-8")
    language = (subscriber.languages or [settings.LANGUAGE_CODE])[0]
    with translation.override(language):
        return render(
            request,
            "newsletter/unsubscribe.html",
            {
                "done": request.method == "POST",
                "unsubscribed": subscriber.state == Subscriber.State.UNSUBSCRIBED,
                "preferences_path": _preferences_path(subscriber),
            },
        )


# --- archive ------------------------------------------------------------------------


def _edition_for(issue: Issue, language: str) -> Edition | None:
    """The edition in ``language``, else the German one, else any."""
    editions = {edition.language: edition for edition in issue.editions.all()}
    return (
        editions.get(language)
        or editions.get(settings.LANGUAGE_CODE)
        or next(iter(editions.values()), None)
    )


def _sent_issues():
    return (
        Issue.objects.filter(status=Issue.Status.SENT)
        .prefetch_related("editions")
        .order_by("-started_at", "-created_at", "-pk")
    )


def archive(request):
    language = _language()
    page = Paginator(_sent_issues(), ARCHIVE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    entries = []
    for issue in page:
        edition = _edition_for(issue, language)
        if edition is not None:
            entries.append({"issue": issue, "edition": edition})
    return render(
        request,
        "newsletter/archive.html",
        {"entries": entries, "issues": page, "language": language},
    )


def _safe_url(value) -> str:
    url = value if isinstance(value, str) else ""
    return url if url.startswith(("https://", "http://", "/")) else ""


def _text(data: dict, name: str, language: str) -> dict:
    """{"text", "lang"} of a text in the snapshot with the language it is in."""
    text = data.get(name)
    lang = data.get(f"{name}_lang") or data.get("lang") or language
    return {"text": text if isinstance(text, str) else "", "lang": str(lang)}


def _content(edition: Edition) -> dict:
    """The edition's snapshot (``rendering.edition_content``) for the template; an
    entry that is not what the renderer writes is skipped, a link that is not http(s)
    dropped.
    """
    content = edition.content if isinstance(edition.content, dict) else {}
    language = edition.language
    groups = content.get("groups")
    sections = []
    for group in groups if isinstance(groups, list) else []:
        if not isinstance(group, dict):
            continue
        heading = _text(group, "heading", language)
        items = []
        for item in group.get("items") or []:
            if not isinstance(item, dict):
                continue
            items.append(
                {
                    "title": _text(item, "title", language),
                    "summary": _text(item, "summary", language),
                    "agency": _text(item, "agency", language),
                    "url": _safe_url(item.get("url")),
                    "kind": item.get("kind") or "",
                }
            )
        sections.append({"heading": heading, "items": items})
    subject = _text(content, "subject", language)
    if not subject["text"]:
        subject = {"text": edition.subject, "lang": language}
    return {
        "subject": subject,
        "intro": _text(content, "intro", language),
        "sections": sections,
    }


def archive_issue(request, pk: int):
    issue = _sent_issues().filter(pk=pk).first()
    edition = _edition_for(issue, _language()) if issue is not None else None
    if edition is None:
        raise Http404
    return render(
        request,
        "newsletter/archive_issue.html",
        {"issue": issue, "edition": edition, "content": _content(edition)},
    )


# --- bounce webhook -----------------------------------------------------------------


def _api_error(message: str, status: int = 400):
    return JsonResponse({"error": message}, status=status)


def _bounce_problem(index: int, entry) -> str | None:
    where = f"item {index}"
    if not isinstance(entry, dict):
        return f"{where}: expected an object"
    for name in ("kind", "email", "message_id", "note"):
        if name in entry and not isinstance(entry[name], str):
            return f"{where}: '{name}' must be a string"
    if entry.get("kind") not in services.Bounce.KINDS:
        return f"{where}: 'kind' must be one of {', '.join(services.Bounce.KINDS)}"
    if not (entry.get("email") or entry.get("message_id")):
        return f"{where}: give 'email' or 'message_id'"
    if len(entry.get("email", "")) > 254:
        return f"{where}: 'email' is too long"
    return None


@csrf_exempt
@require_POST
def bounces_api(request):
    """``POST /api/newsletter/bounces`` with ``Authorization: Bearer <token>``:
    one report or a list of up to 1000 → ``{"results": [{"index", "result"}]}``.
    The whole request is checked before anything is recorded.
    """
    expected = settings.NEWSLETTER_WEBHOOK_TOKEN
    if not expected:
        return _api_error("not found", status=404)
    scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not constant_time_compare(given.strip(), expected):
        response = _api_error("missing or wrong bearer token", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="newsletter-bounces"'
        return response
    try:
        payload = json.loads(request.body)
    except RequestDataTooBig:
        return _api_error("request body too large", status=413)
    except (ValueError, UnicodeDecodeError):
        return _api_error("body is not valid JSON")
    entries = payload if isinstance(payload, list) else [payload]
    if len(entries) > BOUNCES_MAX:
        return _api_error(f"at most {BOUNCES_MAX} reports per request")
    for index, entry in enumerate(entries):
        problem = _bounce_problem(index, entry)
        if problem:
            return _api_error(problem)
    results = []
    for index, entry in enumerate(entries):
        try:
            result = services.bounce_record(
                kind=entry["kind"],
                email=entry.get("email", ""),
                message_id=entry.get("message_id", ""),
                note=entry.get("note", ""),
            )
        except services.NewsletterError as error:
            return _api_error(f"item {index}: {error}")
        results.append({"index": index, "result": result})
    return JsonResponse({"results": results})
