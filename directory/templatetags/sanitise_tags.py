"""Template filter for stored rich text: Wagtail's ``|richtext``, cleaned."""

from django import template

from ..sanitise import rich_text_render

register = template.Library()


@register.filter
def richtext_clean(value):
    """Like Wagtail's ``|richtext``, but only with what our rich-text fields allow
    (text imported before imports were cleaned may hold anything).
    """
    return rich_text_render(value)
