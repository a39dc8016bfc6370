"""Writes with side effects for the directory:
editor groups, their media collections, the approval workflow and the links
between offers and contact points.
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from .models import (
    AgencyPage,
    District,
    HomePage,
    Language,
    ResidenceStatus,
    Responsibility,
    TargetGroup,
    Topic,
)

COORDINATORS_GROUP = "Koordination"
# An agency's editors' group is this prefix and the agency's slug.
EDITORS_GROUP_PREFIX = "Redaktion "
SITE_NAME = "Wegweiser"
# Coverage, duplicates, stale content and activity reports; the coordinators' group
# has it (made by migration 0007, and here for a fresh database).
REPORTS_PERMISSION = "directory.view_coordination_reports"
WORKFLOW_NAME = "Freigabe durch die Koordination"
COORDINATOR_PAGE_PERMISSIONS = (
    "add_page",
    "change_page",
    "publish_page",
    "bulk_delete_page",
    "lock_page",
    "unlock_page",
)
# Editors draft and submit; coordinators approve and publish (the workflow below).
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page")
MEDIA_PERMISSIONS = ("add_image", "choose_image", "add_document", "choose_document")
TAXONOMY_MODELS = (
    Topic,
    TargetGroup,
    ResidenceStatus,
    District,
    Language,
    Responsibility,
)


def _page_permissions(codenames) -> list[Permission]:
    return list(
        Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=codenames
        )
    )


def _grant_admin_and_media(group: Group, collection: Collection | None = None) -> None:
    """Admin access, and uploading and choosing media in ``collection`` (default: the
    root collection, i.e. every collection).
    """
    group.permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
    )
    collection = collection or Collection.get_first_root_node()
    for permission in Permission.objects.filter(
        content_type__app_label__in=["wagtailimages", "wagtaildocs"],
        codename__in=MEDIA_PERMISSIONS,
    ):
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=permission
        )


def coordinators_group_ensure(*, home: Page) -> Group:
    """The coordinators' group: the whole tree, taxonomies, responsibilities and
    the HSDS import.

    Also puts the approval workflow on ``home`` so every agency's changes pass a
    coordinator before going live. Idempotent.
    """
    group, _created = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    _grant_admin_and_media(group)
    content_types = ContentType.objects.get_for_models(*TAXONOMY_MODELS).values()
    group.permissions.add(*Permission.objects.filter(content_type__in=content_types))
    # The HSDS import (made by migration 0003; made here too for a fresh database).
    import_hsds, _created = Permission.objects.get_or_create(
        content_type=ContentType.objects.get_for_model(Topic),
        codename="import_hsds",
        defaults={"name": "Can import HSDS data"},
    )
    group.permissions.add(import_hsds)
    reports, _created = Permission.objects.get_or_create(
        content_type=ContentType.objects.get_for_model(Topic),
        codename=REPORTS_PERMISSION.split(".", 1)[1],
        defaults={"name": "Can see the coordination reports"},
    )
    group.permissions.add(reports)
    for permission in _page_permissions(COORDINATOR_PAGE_PERMISSIONS):
        GroupPagePermission.objects.get_or_create(
            group=group, page=home, permission=permission
        )

    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    if not workflow.workflow_tasks.exists():
        task = GroupApprovalTask.objects.create(name="Koordination prüft")
        task.groups.set([group])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.update_or_create(page=home, defaults={"workflow": workflow})
    return group


def agency_editors_group_ensure(*, agency: AgencyPage) -> Group:
    """The group whose members edit ``agency`` and its subtree only, and upload and
    choose images and documents in the agency's own collection only (made here, a
    child of the root collection named after the agency). Idempotent; takes back
    media rights on any other collection.
    """
    group, _created = Group.objects.get_or_create(
        name=f"{EDITORS_GROUP_PREFIX}{agency.slug}"
    )
    collection = agency_collection_ensure(agency=agency, group=group)
    GroupCollectionPermission.objects.filter(group=group).exclude(
        collection=collection
    ).delete()
    _grant_admin_and_media(group, collection)
    for permission in _page_permissions(EDITOR_PAGE_PERMISSIONS):
        GroupPagePermission.objects.get_or_create(
            group=group, page=agency, permission=permission
        )
    return group


def agency_collection_ensure(*, agency: AgencyPage, group: Group) -> Collection:
    """The media collection of ``agency``: the one below the root on which its
    editors' ``group`` has rights, else a new child of the root named after the
    agency.
    """
    root = Collection.get_first_root_node()
    existing = (
        Collection.objects.filter(group_permissions__group=group)
        .exclude(pk=root.pk)
        .order_by("path")
        .first()
    )
    if existing is not None:
        return existing
    return root.add_child(name=agency.title)


def home_create(*, site_name: str = SITE_NAME, **fields) -> HomePage:
    """The region's home page, made the root of the default site (localhost:80 until
    an admin sets the real host). Wagtail's initial "Welcome" page goes.

    ``fields`` are HomePage fields, e.g. ``title_de`` and ``intro_ar``.
    """
    root = Page.get_first_root_node()
    for child in root.get_children():
        if not isinstance(child.specific, HomePage):
            Site.objects.filter(root_page=child).delete()
            child.delete()
    home = HomePage(slug=fields.pop("slug", "home"), **fields)
    root.add_child(instance=home)
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={
            "hostname": "localhost",
            "port": 80,
            "root_page": home,
            "site_name": site_name,
        },
    )
    return home
