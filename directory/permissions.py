"""Who may see which pages and documents in the admin and on the site: the rules
behind the admin hooks in ``wagtail_hooks.py``.
"""

from django.contrib.contenttypes.models import ContentType
from wagtail.documents import get_document_model
from wagtail.models import Page, ReferenceIndex
from wagtail.permissions import policy_registry

REPORTS_PERMISSION = "directory.view_coordination_reports"


def user_coordinates(user) -> bool:
    """Coordinators (``REPORTS_PERMISSION``: the coordinators' group) and
    superusers: they run agencies' editors and see the coordination reports."""
    return bool(user.is_active and user.has_perm(REPORTS_PERMISSION))


def pages_for_user(user):
    """The pages a user may act on, and their ancestors (to find them in a tree):
    an agency's editors see their agency's subtree, coordinators the whole site.
    ``None`` means every page (superusers).
    """
    if user.is_superuser:
        return None
    policy = policy_registry.get_by_type(Page)
    if not user.is_active or not policy.get_cached_permissions_for_user(user):
        return Page.objects.none()
    return policy.explorable_instances(user)


def pages_restrict(pages, user):
    """``pages`` without those the user may not act on (drafts of other agencies
    included): choosers and admin listings show an editor only their own agency.
    """
    allowed = pages_for_user(user)
    if allowed is None:
        return pages
    return pages.filter(pk__in=allowed.values("pk"))


def document_is_public(document) -> bool:
    """True when a live page that anyone may view refers to ``document``
    (Wagtail's reference index). Everything else needs a login.
    """
    page_ids = ReferenceIndex.get_references_to(document).filter(
        base_content_type=ContentType.objects.get_for_model(Page)
    )
    pages = (
        Page.objects.live()
        .public()
        .filter(pk__in=[int(pk) for pk in page_ids.values_list("object_id", flat=True)])
    )
    # A live page below an unpublished page (an agency taken offline) is not public.
    return any(
        not Page.objects.ancestor_of(page).filter(live=False).exists() for page in pages
    )


def document_user_may_open(user, document) -> bool:
    """Staff who may choose or change ``document`` (its collection's rights)."""
    policy = policy_registry.get_by_type(get_document_model())
    return user.is_authenticated and policy.user_has_any_permission_for_instance(
        user, {"choose", "change"}, document
    )
