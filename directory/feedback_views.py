"""Admin: the accessibility feedback readers sent, for the coordinators only (they
read it, mark it handled, delete it); agency editors do not see it."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import AccessibilityFeedback
from .permissions import REPORTS_PERMISSION, user_coordinates

COORDINATOR_ACTIONS = {"view", "change", "delete"}


class CoordinatorsOnlyPolicy(ModelPermissionPolicy):
    """Coordinators (``user_coordinates``) read, mark and delete; nobody adds (the
    public form does)."""

    def user_has_permission(self, user, action):
        return action in COORDINATOR_ACTIONS and user_coordinates(user)

    def users_with_any_permission(self, actions):
        if not COORDINATOR_ACTIONS & set(actions):
            return self.auth_model.objects.none()
        return self.auth_model.objects.with_perm(
            REPORTS_PERMISSION,
            is_active=True,
            backend="django.contrib.auth.backends.ModelBackend",
        )


class AccessibilityFeedbackViewSet(SnippetViewSet):
    model = AccessibilityFeedback
    icon = "mail"
    menu_label = _("Accessibility feedback")
    menu_order = 320
    add_to_admin_menu = True
    url_prefix = "accessibility-feedback"
    admin_url_namespace = "directory_feedback"
    list_display = ["__str__", "created_at", "page_url", "language", "handled"]
    list_filter = ["handled", "language"]
    list_per_page = 50
    inspect_view_enabled = True
    panels = [
        FieldPanel("handled"),
        FieldPanel("message", read_only=True),
        FieldRowPanel(
            [FieldPanel("name", read_only=True), FieldPanel("email", read_only=True)]
        ),
        FieldRowPanel(
            [
                FieldPanel("page_url", read_only=True),
                FieldPanel("language", read_only=True),
            ]
        ),
    ]


register_permission_policy(
    AccessibilityFeedback, CoordinatorsOnlyPolicy(AccessibilityFeedback)
)
register_snippet(AccessibilityFeedbackViewSet)
