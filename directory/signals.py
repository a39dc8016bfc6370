"""Signal receivers: keep an offer's or contact point's agency in step with the tree;
forget cached public content (counts, listings, whole pages) when it changes."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal, receiver
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from operations.caching import public_content_changed_in_transaction


@receiver(post_page_move)
def resync_agency_after_move(sender, instance, **kwargs) -> None:
    from .models import AgencyPage
    from .models.pages import AgencyChildPage

    page = instance.specific
    if isinstance(page, AgencyChildPage):
        parent = page.get_parent().specific
        if isinstance(parent, AgencyPage) and page.agency_id != parent.pk:
            type(page).objects.filter(pk=page.pk).update(agency=parent)
            _links_to_other_agencies_drop(page, agency=parent)


def _links_to_other_agencies_drop(page, *, agency) -> None:
    """A moved offer no longer takes place at its old agency's contact points, and a
    moved contact point no longer hosts its old agency's offers (the rule of
    ``contact_points_of_other_agencies``, kept for the live pages too)."""
    from .models import ContactPointPage, OfferPage

    links = OfferPage.contact_points.through.objects
    if isinstance(page, OfferPage):
        links.filter(offerpage=page).exclude(contactpointpage__agency=agency).delete()
    elif isinstance(page, ContactPointPage):
        links.filter(contactpointpage=page).exclude(offerpage__agency=agency).delete()


@receiver(page_published)
def publishing_confirms_the_page(sender, instance, revision=None, **kwargs) -> None:
    """Publishing a change made by someone confirms the page as current (by the
    revision's author); a page published by the system or an import (which brings
    its own dates) is confirmed only if it never was."""
    from .freshness import FRESHNESS_MODELS, pages_confirm, publishing_confirms

    if not isinstance(instance, FRESHNESS_MODELS):
        return
    user = getattr(revision, "user", None) if publishing_confirms() else None
    if user is not None or instance.assured_date is None:
        pages_confirm(pages=[instance], user=user)


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def page_state_changed(sender, **kwargs) -> None:
    public_content_changed_in_transaction()


# Directory rows readers never see: writing them leaves the cached pages alone.
STAFF_ONLY_MODELS = {
    "accessibilityfeedback",
    "duplicatescan",
    "duplicatecandidate",
    "duplicatedismissal",
}


@receiver(post_save)
@receiver(post_delete)
@receiver(m2m_changed)
def directory_row_changed(sender, **kwargs) -> None:
    """Any row of the directory (pages, taxonomies, responsibilities, opening hours),
    any page, the sites and pages' privacy settings are public content or decide
    what is public (but not the staff's own records, ``STAFF_ONLY_MODELS``)."""
    meta = getattr(sender, "_meta", None)
    if meta is None:
        return
    owner = meta.auto_created or sender  # a many-to-many table: its model
    if meta.app_label == "directory" and owner._meta.model_name in STAFF_ONLY_MODELS:
        return
    if meta.app_label == "directory" or issubclass(
        owner, (Page, Site, PageViewRestriction)
    ):
        public_content_changed_in_transaction()


# Sent by `seed_demo` after the region exists, with ``options`` (the command's
# options) and ``write`` (a function printing a line); other apps add their demo data
# (e.g. the newsletter's subscribers) without the directory importing them. Each
# receiver returns a dict of counts.
seed_demo_extras = Signal()

# Sent (after commit) when offers enter or leave the public catalogue without a
# publish, unpublish or move: hidden as stale, shown again on confirmation, or past
# their end date. ``offer_ids``: their page ids. Search re-indexes them.
offers_visibility_changed = Signal()
