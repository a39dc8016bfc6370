"""Signal receivers: keep an offer's or contact point's agency in step with the tree."""

from django.dispatch import receiver
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
