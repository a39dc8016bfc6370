"""Admin: taxonomies and responsibilities as snippets for coordinators."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import (
    District,
    Language,
    ResidenceStatus,
    Responsibility,
    TargetGroup,
    Topic,
)


class TopicViewSet(SnippetViewSet):
    model = Topic
    icon = "tag"
    list_display = ["name", "slug", "sort_order"]
    search_fields = ["name"]


class TargetGroupViewSet(SnippetViewSet):
    model = TargetGroup
    icon = "group"
    list_display = ["name", "slug"]


class ResidenceStatusViewSet(SnippetViewSet):
    model = ResidenceStatus
    icon = "doc-full"
    list_display = ["name", "slug"]


class DistrictViewSet(SnippetViewSet):
    model = District
    icon = "site"
    list_display = ["name", "kind", "postcodes"]


class LanguageViewSet(SnippetViewSet):
    model = Language
    icon = "openquote"
    list_display = ["code", "native_name", "german_name"]


class TaxonomyGroup(SnippetViewSetGroup):
    menu_label = _("Taxonomies")
    menu_icon = "list-ul"
    menu_order = 300
    items = (
        TopicViewSet,
        TargetGroupViewSet,
        ResidenceStatusViewSet,
        DistrictViewSet,
        LanguageViewSet,
    )


class ResponsibilityViewSet(SnippetViewSet):
    model = Responsibility
    icon = "help"
    menu_label = _("Responsibilities")
    menu_order = 310
    add_to_admin_menu = True
    list_display = ["title", "topic", "residence_status", "district", "agency"]
    list_filter = ["topic", "residence_status", "district"]


register_snippet(TaxonomyGroup)
register_snippet(ResponsibilityViewSet)
