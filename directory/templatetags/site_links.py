"""The footer's links to the site's own pages (accessibility statement, imprint,
privacy notice, easy language) in the reader's language."""

from django import template
from django.conf import settings
from django.utils.translation import get_language
from wagtail.models import Site

from operations.caching import public_cached

from ..models import AccessibilityStatementPage, InformationPage
from ..models.base import reading_order

register = template.Library()

ACCESSIBILITY = "accessibility"
# The footer's order.
KINDS = (
    ACCESSIBILITY,
    InformationPage.Kind.EASY_LANGUAGE,
    InformationPage.Kind.IMPRINT,
    InformationPage.Kind.PRIVACY,
)
CACHE_SECONDS = 3600


def site_pages_found(site: Site) -> dict[str, dict]:
    """{kind: {"path": below the language prefix, "titles": {language: title}}} of
    the live site pages of ``site`` (slugs are the same in every language)."""
    root = site.root_page
    titles = [f"title_{code}" for code, _name in settings.LANGUAGES]
    found: dict[str, dict] = {}
    rows = [
        (ACCESSIBILITY, row)
        for row in _live_children(AccessibilityStatementPage, root).values(
            "url_path", *titles
        )[:1]
    ] + [
        (row["kind"], row)
        for row in _live_children(InformationPage, root).values(
            "kind", "url_path", *titles
        )
    ]
    for kind, row in rows:
        found.setdefault(
            kind,
            {
                "path": row["url_path"].removeprefix(root.url_path),
                "titles": {name[6:]: row[name] for name in titles if row[name]},
            },
        )
    return found


def _live_children(model, root):
    return model.objects.live().public().child_of(root).order_by("path")


@register.simple_tag(takes_context=True)
def site_page_links(context) -> list[dict[str, str]]:
    """[{"kind", "url", "title"}] in the footer's order, for the kinds the site has,
    in the current language; one cached read per site (none once cached)."""
    request = context.get("request")
    if request is None:
        return []
    # Checked against ALLOWED_HOSTS by the middleware already.
    host = request.get_host()

    def build() -> dict[str, dict]:
        site = Site.find_for_request(request)
        return site_pages_found(site) if site is not None else {}

    pages = public_cached(f"directory:site-pages:{host}", build, seconds=CACHE_SECONDS)
    language = get_language() or settings.LANGUAGE_CODE
    links = []
    for kind in KINDS:
        if kind not in pages:
            continue
        titles = pages[kind]["titles"]
        title_language = next(
            (code for code in reading_order(language) if titles.get(code)), language
        )
        links.append(
            {
                "kind": str(kind),
                "url": f"/{language}/{pages[kind]['path']}",
                "title": titles.get(title_language, ""),
                "title_language": title_language,
            }
        )
    return links
