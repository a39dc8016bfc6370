"""Signal receivers: keep an offer's or contact point's agency in step with the tree;
forget cached catalogue reads when the public catalogue changes."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from .models import ContactPointPage, District, OfferPage, Topic


@receiver(post_page_move)
def resync_agency_after_move(sender, instance, **kwargs) -> None:
    from .models import AgencyPage
    from .models.pages import AgencyChildPage

    page = instance.specific
    if isinstance(page, AgencyChildPage):
        parent = page.get_parent().specific
        if isinstance(parent, AgencyPage) and page.agency_id != parent.pk:
            type(page).objects.filter(pk=page.pk).update(agency=parent)


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
@receiver(post_delete, sender=Page)
@receiver(post_delete, sender=OfferPage)
@receiver(post_delete, sender=ContactPointPage)
@receiver(post_save, sender=Topic)
@receiver(post_delete, sender=Topic)
@receiver(post_save, sender=District)
@receiver(post_delete, sender=District)
def catalogue_changed(sender, **kwargs) -> None:
    from .selectors import catalogue_changed as forget

    # Now (this transaction's own later reads) and again after the commit: another
    # process reading between the change and the commit caches the old state.
    forget()
    transaction.on_commit(forget)


# Sent by `seed_demo` after the region exists, with ``options`` (the command's
# options) and ``write`` (a function printing a line); other apps add their demo data
# (e.g. the newsletter's subscribers) without the directory importing them. Each
# receiver returns a dict of counts.
seed_demo_extras = Signal()
