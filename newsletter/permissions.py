"""Who may do what with the newsletter: the coordinators' and editors' permissions,
the agencies an editor's news items belong to, and the approval workflow for them.
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, QuerySet
from wagtail.models import GroupPagePermission, Workflow, WorkflowContentType
from wagtail.permission_policies import ModelPermissionPolicy

from directory.models import AgencyPage
from directory.services import COORDINATORS_GROUP, EDITORS_GROUP_PREFIX, WORKFLOW_NAME

from .models import NewsItem

EDITOR_NEWS_ACTIONS = ("add", "change", "delete", "view")
# Wagtail creates these for snippets after migrating; the grant must not depend on it.
SNIPPET_EXTRA_ACTIONS = {
    "publish": "Can publish",
    "lock": "Can lock",
    "unlock": "Can unlock",
}


def sees_all_agencies(user) -> bool:
    """Superusers and coordinators work on every agency's news."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=COORDINATORS_GROUP).exists()


def agencies_for_user(user) -> QuerySet[AgencyPage]:
    """The agencies whose news items ``user`` may see and edit: all of them for
    coordinators and superusers, else those at or below a page the user's groups have
    page permissions on (an editors' group has them on its agency page).
    """
    if sees_all_agencies(user):
        return AgencyPage.objects.all()
    if not user.is_authenticated or not user.is_active:
        return AgencyPage.objects.none()
    paths = set(
        GroupPagePermission.objects.filter(group__user=user).values_list(
            "page__path", flat=True
        )
    )
    if not paths:
        return AgencyPage.objects.none()
    under = Q()
    for path in paths:
        under |= Q(path__startswith=path)
    return AgencyPage.objects.filter(under)


class NewsItemPermissionPolicy(ModelPermissionPolicy):
    """Model permissions as usual, and on top an agency editor acts only on the news
    items of their own agencies.
    """

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if sees_all_agencies(user):
            return True
        return agencies_for_user(user).filter(pk=instance.agency_id).exists()

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return NewsItem.objects.none()
        if sees_all_agencies(user):
            return NewsItem.objects.all()
        return NewsItem.objects.filter(agency__in=agencies_for_user(user))

    def users_with_any_permission_for_instance(self, actions, instance):
        users = self.users_with_any_permission(actions)
        allowed = [
            user.pk
            for user in users
            if user.is_superuser
            or agencies_for_user(user).filter(pk=instance.agency_id).exists()
        ]
        return users.filter(pk__in=allowed)


def _newsitem_extra_permissions(content_type: ContentType) -> None:
    for action, label in SNIPPET_EXTRA_ACTIONS.items():
        Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{action}_newsitem",
            defaults={"name": f"{label} news item"},
        )


@transaction.atomic
def newsletter_permissions_grant() -> dict:
    """Give the coordinators' group every newsletter permission (sending, publishing
    news, subscribers), every editors' group ("Redaktion …") add/change/delete/view
    on news items, and put the approval workflow on news items so agency news pass a
    coordinator. Idempotent; creates the coordinators' group if it is missing.

    Returns counts for the caller to print.
    """
    news_type = ContentType.objects.get_for_model(NewsItem)
    _newsitem_extra_permissions(news_type)
    newsletter_permissions = Permission.objects.filter(
        content_type__app_label="newsletter"
    )
    coordinators, _created = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    coordinators.permissions.add(*newsletter_permissions)

    editor_permissions = Permission.objects.filter(
        content_type=news_type,
        codename__in=[f"{action}_newsitem" for action in EDITOR_NEWS_ACTIONS],
    )
    editor_groups = Group.objects.filter(name__startswith=EDITORS_GROUP_PREFIX)
    for group in editor_groups:
        group.permissions.add(*editor_permissions)

    workflow = Workflow.objects.filter(name=WORKFLOW_NAME).first()
    if workflow is not None:
        WorkflowContentType.objects.update_or_create(
            content_type=news_type, defaults={"workflow": workflow}
        )
    return {
        "coordinator permissions": newsletter_permissions.count(),
        "editor groups": editor_groups.count(),
        "news workflow": int(workflow is not None),
    }
