"""Who may do what in the admin, over HTTP: every action × object × role, with the
effect read back from the database, and what each editor sees in listings.

The rules (issue 9): editors act only inside their own agency; only coordinators
publish past the approval workflow, manage taxonomies, import HSDS and send the
newsletter; no one but a superuser deletes or moves the home page; an offer links
only its own agency's contact points. Every action has a role that may do it in the
same run (the positive control), so the table cannot pass by everything failing.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client
from django.urls import reverse
from wagtail.documents import get_document_model

from directory.services import WORKFLOW_NAME
from tests.directory import permission_matrix as m

BASE_ROLES = ("anonymous", "editor_a", "editor_b", "coordinator")

# action → (the request and its effect, the roles that may do it)
RULES: dict[str, tuple[m.Action, set[str]]] = {
    # pages: draft, add, publish, workflow
    "edit offer_a": (m.edit("offer_a"), {"editor_a", "coordinator"}),
    "edit offer_b": (m.edit("offer_b"), {"editor_b", "coordinator"}),
    "edit agency_a": (m.edit("agency_a"), {"editor_a", "coordinator"}),
    "edit home": (m.edit("home"), {"coordinator"}),
    "add offer to agency_a": (m.add_child("agency_a"), {"editor_a", "coordinator"}),
    "add offer to agency_b": (m.add_child("agency_b"), {"editor_b", "coordinator"}),
    "add agency to home": (m.add_child("home"), {"coordinator"}),
    "publish offer_a": (m.publish("offer_a"), {"coordinator"}),
    "publish offer_b": (m.publish("offer_b"), {"coordinator"}),
    "submit offer_a": (m.submit("offer_a"), {"editor_a", "coordinator"}),
    "submit offer_b": (m.submit("offer_b"), {"editor_b", "coordinator"}),
    "approve draft_b": (m.workflow_action("draft_b", "approve"), {"coordinator"}),
    "reject draft_b": (m.workflow_action("draft_b", "reject"), {"coordinator"}),
    "cancel workflow draft_b": (
        m.cancel_workflow("draft_b"),
        {"editor_b", "coordinator"},
    ),
    "unpublish offer_a": (m.unpublish("offer_a"), {"coordinator"}),
    "unpublish offer_b": (m.unpublish("offer_b"), {"coordinator"}),
    # pages: delete, move, copy
    "delete offer_a": (m.delete("offer_a"), {"coordinator"}),
    "delete draft_a": (m.delete("draft_a"), {"editor_a", "coordinator"}),
    "delete offer_b": (m.delete("offer_b"), {"coordinator"}),
    "delete home": (m.delete("home"), {"superuser"}),
    "move offer_a to agency_b": (m.move("offer_a", "agency_b"), {"coordinator"}),
    "move draft_a to agency_b": (m.move("draft_a", "agency_b"), {"coordinator"}),
    "move draft_b to agency_a": (m.move("draft_b", "agency_a"), {"coordinator"}),
    "move home to archive": (m.move("home", "archive"), {"superuser"}),
    "copy offer_a to agency_a": (
        m.copy("offer_a", "agency_a"),
        {"editor_a", "coordinator"},
    ),
    "copy offer_a to agency_b": (m.copy("offer_a", "agency_b"), {"coordinator"}),
    "copy draft_b to agency_a": (m.copy("draft_b", "agency_a"), {"coordinator"}),
    # pages: locks, revisions, previews
    "lock offer_a": (m.lock("offer_a"), {"coordinator"}),
    "lock offer_b": (m.lock("offer_b"), {"coordinator"}),
    "unlock offer_a": (m.unlock("offer_a"), {"coordinator"}),
    "revisions of offer_a": (m.revisions_index("offer_a"), {"editor_a", "coordinator"}),
    "revisions of offer_b": (m.revisions_index("offer_b"), {"editor_b", "coordinator"}),
    "revert offer_b": (m.revisions_revert("offer_b"), {"editor_b", "coordinator"}),
    "preview offer_a": (m.preview("offer_a"), {"editor_a", "coordinator"}),
    "preview offer_b": (m.preview("offer_b"), {"editor_b", "coordinator"}),
    # an offer links its own agency's contact points only (a data rule: for everyone)
    "link offer_a to point_a": (
        m.link("offer_a", "point_a"),
        {"editor_a", "coordinator"},
    ),
    "link offer_a to point_b": (m.link("offer_a", "point_b"), set()),
    "link offer_b to point_b": (
        m.link("offer_b", "point_b"),
        {"editor_b", "coordinator"},
    ),
    "link offer_b to point_a": (m.link("offer_b", "point_a"), set()),
    # taxonomies
    "add topic": (m.topic_add(), {"coordinator"}),
    "edit topic": (m.topic_edit(), {"coordinator"}),
    "delete topic": (m.topic_delete(), {"coordinator"}),
    # media
    "upload image": (m.upload("image"), {"editor_a", "editor_b", "coordinator"}),
    "upload document": (m.upload("document"), {"editor_a", "editor_b", "coordinator"}),
    "delete image_b": (m.media_delete("image", "b"), {"editor_b"}),
    "delete document_b": (m.media_delete("document", "b"), {"editor_b"}),
    # coordinators only
    "import HSDS": (m.hsds_import(), {"coordinator"}),
    "compose newsletter": (m.newsletter_compose(), {"coordinator"}),
    "send newsletter": (m.newsletter_send(), {"coordinator"}),
}
# A link to another agency's contact point is refused for everyone; the rows linking
# the own agency's point are their positive control.
CROSS_AGENCY_LINKS = {"link offer_a to point_b", "link offer_b to point_a"}


def _cases():
    for name, (_action, allowed) in RULES.items():
        roles = [*BASE_ROLES, *sorted(allowed - set(BASE_ROLES))]
        for role in roles:
            expected = role in allowed
            verdict = "allowed" if expected else "denied"
            yield pytest.param(name, role, expected, id=f"{name}-{role}-{verdict}")


def test_every_action_has_a_positive_control():
    for name, (_action, allowed) in RULES.items():
        assert allowed or name in CROSS_AGENCY_LINKS, name


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module in a transaction rolled back at the end; each test's
    own changes roll back with the test.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield m.world_build()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def mail_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://wegweiser.example"
    settings.NEWSLETTER_FROM_EMAIL = "newsletter@wegweiser.example"


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(("name", "role", "allowed"), list(_cases()))
def test_action(db, world, name, role, allowed):
    action, _roles = RULES[name]
    if action.prepare:
        action.prepare(world)
    response = action.perform(world.client(role), world, world.client("superuser"))

    assert response.status_code < 500, f"{name} by {role}: {response.status_code}"
    if action.read:
        happened = action.read(world, response)
    else:
        happened = action.happened(world)
    if allowed:
        assert happened, (
            f"{role} may {name}, but it had no effect "
            f"({response.status_code} {response.get('Location', '')})"
        )
    else:
        assert not happened, f"{role} must not {name}, but it worked"
        if role == "anonymous":
            assert _is_login_redirect(response), response.status_code


@pytest.mark.parametrize(
    ("codename", "allowed"), [("add_topic", False), ("import_hsds", True)]
)
def test_hsds_import_is_its_own_permission(db, world, codename, allowed):
    """Managing taxonomies no longer implies importing (issue 9, item 7)."""
    user = get_user_model().objects.create_user(f"nur-{codename}")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["wagtailadmin", "directory"],
            codename__in=["access_admin", codename],
        )
    )
    client = Client()
    client.force_login(user)
    action = m.hsds_import()

    response = action.perform(client, world, None)

    assert response.status_code < 500
    assert action.happened(world) == allowed


# --- what each editor sees ----------------------------------------------------------

SEARCH = "?q=Geheimentwurf"  # both drafts' titles start so


def _url(name, *pages, query=""):
    return lambda world, *_sides: (
        reverse(name, args=[world.pages[page] for page in pages]) + query
    )


def _own(name, kind, query=""):
    """``name`` on the viewer's own ``kind`` page, whoever's object is looked for."""
    return lambda world, side, viewer: (
        reverse(name, args=[world.pages[f"{kind}_{viewer}"]]) + query
    )


def _of(name, kind):
    """``name`` on the page of ``kind`` of the side whose object is looked for."""
    return lambda world, side, viewer: reverse(
        name, args=[world.pages[f"{kind}_{side}"]]
    )


def _move_confirm(world, side, viewer):
    pages = (world.pages[f"draft_{side}"], world.pages[f"agency_{viewer}"])
    return reverse("wagtailadmin_pages:move_confirm", args=pages)


# listing → (its URL for (world, side of the object, side of the viewer), object kind)
LISTINGS = {
    "page chooser search": (
        _url("wagtailadmin_choose_page_search", query=SEARCH),
        "draft",
    ),
    "page chooser browse": (_of("wagtailadmin_choose_page_child", "agency"), "draft"),
    "page explorer": (_of("wagtailadmin_explore", "agency"), "draft"),
    "page search": (_url("wagtailadmin_pages:search", query=SEARCH), "draft"),
    "move confirmation": (_move_confirm, "draft"),
    "contact points in the offer form": (
        _own("wagtailadmin_pages:edit", "offer"),
        "point",
    ),
    "image chooser": (_url("wagtailimages_chooser:choose"), "image"),
    "image listing": (_url("wagtailimages:index"), "image"),
    "document chooser": (_url("wagtaildocs_chooser:choose"), "document"),
    "document listing": (_url("wagtaildocs:index"), "document"),
}


def _shows(response, text: str) -> bool:
    assert response.status_code < 500
    body = b"".join(response) if response.streaming else response.content
    return response.status_code == 200 and text in body.decode()


@pytest.mark.parametrize("viewer", ["a", "b"], ids=["editor_a", "editor_b"])
@pytest.mark.parametrize("listing", list(LISTINGS))
def test_listing_shows_the_own_agencys_objects_only(db, world, listing, viewer):
    url, kind = LISTINGS[listing]
    other = "b" if viewer == "a" else "a"
    client = world.client(f"editor_{viewer}")

    own = client.get(url(world, viewer, viewer))
    assert _shows(own, m.TITLES[f"{kind}_{viewer}"]), f"own {kind} missing"
    foreign = client.get(url(world, other, viewer))
    assert not _shows(foreign, m.TITLES[f"{kind}_{other}"]), f"{other}'s {kind} shown"


@pytest.mark.parametrize(
    ("role", "shown"),
    [("editor_b", True), ("coordinator", True), ("editor_a", False)],
)
def test_workflow_cancellation_dialog_only_for_those_who_act_on_the_page(
    db, world, role, shown
):
    # Wagtail 8 shows no title here, but where B's draft stands in the workflow.
    url = reverse(
        "wagtailadmin_pages:confirm_workflow_cancellation",
        args=[world.pages["draft_b"]],
    )
    assert _shows(world.client(role).get(url), WORKFLOW_NAME) == shown


@pytest.mark.parametrize(
    ("role", "shown"),
    [("editor_b", True), ("anonymous", False), ("editor_a", False)],
)
def test_unattached_document_needs_a_login(db, world, role, shown):
    document = get_document_model().objects.get(pk=world.documents["b"])
    response = world.client(role).get(document.url)
    assert _shows(response, m.DOCUMENT_BYTES.decode()) == shown
