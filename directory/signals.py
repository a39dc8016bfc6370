"""Signal receivers: keep an offer's or contact point's agency in step with the tree."""

from django.dispatch import Signal, receiver
from wagtail.signals import post_page_move


@receiver(post_page_move)
def resync_agency_after_move(sender, instance, **kwargs) -> None:
    from .models import AgencyPage
    from .models.pages import AgencyChildPage

    page = instance.specific
    if isinstance(page, AgencyChildPage):
        parent = page.get_parent().specific
        if isinstance(parent, AgencyPage) and page.agency_id != parent.pk:
            type(page).objects.filter(pk=page.pk).update(agency=parent)


# Sent by `seed_demo` after the region exists, with ``options`` (the command's
# options) and ``write`` (a function printing a line); other apps add their demo data
# (e.g. the newsletter's subscribers) without the directory importing them. Each
# receiver returns a dict of counts.
seed_demo_extras = Signal()
