"""Admin: the synonym list coordinators edit, and pending index changes to watch."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Synonym


class SynonymViewSet(SnippetViewSet):
    model = Synonym
    icon = "resubmit"
    menu_label = _("Search synonyms")
    menu_order = 320
    add_to_admin_menu = True
    list_display = ["terms", "language"]
    list_filter = ["language"]


register_snippet(SynonymViewSet)
