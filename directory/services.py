"""Writes with side effects for the directory:
editor groups, their media collections, the approval workflow and the links
between offers and contact points.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from wagtail.log_actions import log
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
from wagtail.users.models import UserProfile

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
from .permissions import REPORTS_PERMISSION

COORDINATORS_GROUP = "Koordination"
ACTION_TRUSTED = "directory.agency_trusted"
ACTION_UNTRUSTED = "directory.agency_untrusted"
# An agency's editors' group is this prefix and the agency's slug.
EDITORS_GROUP_PREFIX = "Redaktion "
SITE_NAME = "Wegweiser"
# Coverage, duplicates, stale content and activity reports; the coordinators' group
# has it (made by migration 0007, and here for a fresh database).
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


def agency_editors_group(*, agency: AgencyPage, create: bool = True) -> Group | None:
    """The group whose members edit ``agency``: the one holding the editors' page
    permission on it (found so even after the agency's slug changed), else the one
    named after its slug; made when missing and ``create``.
    """
    group = (
        Group.objects.filter(
            name__startswith=EDITORS_GROUP_PREFIX,
            page_permissions__page=agency,
            page_permissions__permission__codename="change_page",
        )
        .order_by("pk")
        .first()
    )
    if group is None:
        name = f"{EDITORS_GROUP_PREFIX}{agency.slug}"
        group = (
            Group.objects.get_or_create(name=name)[0]
            if create
            else Group.objects.filter(name=name).first()
        )
    return group


def agency_editors_group_ensure(*, agency: AgencyPage) -> Group:
    """The group whose members edit ``agency`` and its subtree only, and upload and
    choose images and documents in the agency's own collection only (made here, a
    child of the root collection named after the agency). A trusted agency's editors
    also publish. Idempotent; takes back media rights on any other collection.
    """
    group = agency_editors_group(agency=agency)
    assert group is not None  # made when missing
    collection = agency_collection_ensure(agency=agency, group=group)
    GroupCollectionPermission.objects.filter(group=group).exclude(
        collection=collection
    ).delete()
    _grant_admin_and_media(group, collection)
    for permission in _page_permissions(EDITOR_PAGE_PERMISSIONS):
        GroupPagePermission.objects.get_or_create(
            group=group, page=agency, permission=permission
        )
    _editors_publish(group=group, agency=agency, allowed=agency.trusted)
    return group


def _editors_publish(*, group: Group, agency: AgencyPage, allowed: bool) -> None:
    publish = _page_permissions(["publish_page"])
    if allowed:
        for permission in publish:
            GroupPagePermission.objects.get_or_create(
                group=group, page=agency, permission=permission
            )
    else:
        GroupPagePermission.objects.filter(
            group=group, page=agency, permission__in=publish
        ).delete()


def agency_trust_set(*, agency: AgencyPage, trusted: bool, user=None) -> None:
    """Mark ``agency`` trusted (its editors publish without the coordinators'
    approval: they get the publish permission on its subtree; the approval workflow
    stays for their "submit" button) or take that back. Logged on the agency.
    """
    with transaction.atomic():
        AgencyPage.objects.filter(pk=agency.pk).update(trusted=trusted)
        agency.trusted = trusted
        group = agency_editors_group_ensure(agency=agency)
        _editors_publish(group=group, agency=agency, allowed=trusted)
        log(
            instance=agency,
            action=ACTION_TRUSTED if trusted else ACTION_UNTRUSTED,
            user=user,
        )


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


# --- Editors: invitations, removal ---------------------------------------------------

ACTION_INVITED = "directory.editor_invited"
ACTION_REMOVED = "directory.editor_removed"
_INVITATION_SALT = "directory.invitation"


class InvitationInvalid(Exception):
    """The invitation link is unknown, was used already or has expired."""


def _invitation_state(user) -> str:
    # Changes once the password is set (or the user signs in), so a link works once.
    return salted_hmac(
        _INVITATION_SALT, f"{user.pk}:{user.password}:{user.last_login}"
    ).hexdigest()[:20]


def invitation_token(*, user) -> str:
    """A signed, expiring (``DIRECTORY_INVITATION_DAYS``), single-use token for
    ``user`` to set their password."""
    return signing.dumps(
        {"u": user.pk, "s": _invitation_state(user)}, salt=_INVITATION_SALT
    )


def invitation_user(*, token: str):
    """The user ``token`` was made for. Raises ``InvitationInvalid``."""
    try:
        data = signing.loads(
            token,
            salt=_INVITATION_SALT,
            max_age=timedelta(days=settings.DIRECTORY_INVITATION_DAYS),
        )
    except signing.BadSignature as error:  # SignatureExpired included
        raise InvitationInvalid from error
    pk = data.get("u") if isinstance(data, dict) else None
    user = (
        get_user_model().objects.filter(pk=pk, is_active=True).first()
        if isinstance(pk, int)
        else None
    )
    if user is None or not constant_time_compare(
        str(data.get("s")), _invitation_state(user)
    ):
        raise InvitationInvalid
    return user


def editor_invite(
    *,
    agency: AgencyPage,
    email: str,
    first_name: str = "",
    last_name: str = "",
    language: str = "",
    invited_by=None,
):
    """Make ``email`` an editor of ``agency`` and mail them: a new person gets an
    account without a password and a link to set one; someone who has an account
    already is added to the group and told so. Logged on the agency. Returns the
    user. Raises ``smtplib.SMTPException``/``OSError`` when the mail cannot be sent
    (the membership stays; inviting again sends a new link).
    """
    email = get_user_model().objects.normalize_email(email.strip())
    users = get_user_model().objects
    user = users.filter(email__iexact=email).order_by("pk").first()
    created = user is None
    with transaction.atomic():
        if user is None:
            username = email.lower()
            user = users.create_user(
                username=username,
                email=email,
                first_name=first_name,
                last_name=last_name,
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if language:
            profile = UserProfile.get_for_user(user)
            profile.preferred_language = language
            profile.save(update_fields=["preferred_language"])
        user.groups.add(agency_editors_group_ensure(agency=agency))
        log(
            instance=agency,
            action=ACTION_INVITED,
            user=invited_by,
            data={"email": email, "new_account": created},
        )
    _invitation_mail(agency=agency, user=user, invited_by=invited_by)
    return user


def admin_language(user) -> str:
    """The language ``user`` reads the admin in (mails to them too): their
    preference if the admin offers it, else German."""
    language = UserProfile.get_for_user(user).preferred_language
    permitted = dict(settings.WAGTAILADMIN_PERMITTED_LANGUAGES)
    return language if language in permitted else settings.LANGUAGE_CODE


def invitation_pending(*, user) -> bool:
    """True while the user has never set a password."""
    return not user.has_usable_password()


def _invitation_mail(*, agency: AgencyPage, user, invited_by) -> None:
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    pending = invitation_pending(user=user)
    link = (
        base + reverse("directory_invitation", args=[invitation_token(user=user)])
        if pending
        else base + reverse("wagtailadmin_home")
    )
    with translation.override(admin_language(user)):
        context = {
            "agency": agency,
            "user": user,
            "link": link,
            "pending": pending,
            "invited_by": invited_by,
            "days": settings.DIRECTORY_INVITATION_DAYS,
            "site_name": settings.WAGTAIL_SITE_NAME,
        }
        subject = render_to_string(
            "directory/email/invitation_subject.txt", context
        ).strip()
        body = render_to_string("directory/email/invitation.txt", context)
    EmailMessage(subject=subject, body=body, to=[user.email]).send()


def editor_remove(*, agency: AgencyPage, user, removed_by=None) -> None:
    """Take ``user`` out of ``agency``'s editors (the account stays, for their
    other agencies and the audit log). Logged on the agency."""
    group = agency_editors_group(agency=agency, create=False)
    if group is None:
        return
    with transaction.atomic():
        user.groups.remove(group)
        log(
            instance=agency,
            action=ACTION_REMOVED,
            user=removed_by,
            data={"email": user.email},
        )


def agency_editors(*, agency: AgencyPage) -> list:
    group = agency_editors_group(agency=agency, create=False)
    if group is None:
        return []
    return list(group.user_set.order_by("last_name", "first_name", "email"))
