"""Who may do what in the admin: every role × object × action, table-driven."""

import pytest
from django.contrib.auth import get_user_model

from directory.services import agency_editors_group_ensure, coordinators_group_ensure
from tests.factories import AgencyPageFactory, ContactPointPageFactory, OfferPageFactory

ACTIONS = ("edit", "add_child", "publish", "delete")
SNIPPET_ACTIONS = ("add", "change", "delete")

# role → object → set of allowed page actions
PAGE_RULES = {
    "coordinator": {
        # coordinators run the site's home page, but only a superuser deletes it
        "home": {"edit", "add_child", "publish"},
        "agency_a": {"edit", "add_child", "publish", "delete"},
        "offer_a": {"edit", "publish", "delete"},
        "point_a": {"edit", "publish", "delete"},
        "offer_b": {"edit", "publish", "delete"},
    },
    "editor_a": {
        "home": set(),
        # live pages: editors submit changes;
        # deleting or publishing is a coordinator's job
        "agency_a": {"edit", "add_child"},
        "offer_a": {"edit"},
        "point_a": {"edit"},
        "offer_b": set(),
    },
    "editor_b": {
        "home": set(),
        "agency_a": set(),
        "offer_a": set(),
        "point_a": set(),
        "offer_b": {"edit"},
    },
    "no_role": {
        name: set() for name in ("home", "agency_a", "offer_a", "point_a", "offer_b")
    },
}
SNIPPET_RULES = {
    "coordinator": {
        "topic": set(SNIPPET_ACTIONS),
        "responsibility": set(SNIPPET_ACTIONS),
    },
    "editor_a": {"topic": set(), "responsibility": set()},
    "editor_b": {"topic": set(), "responsibility": set()},
    "no_role": {"topic": set(), "responsibility": set()},
}


@pytest.fixture
def world(home):
    agency_a = AgencyPageFactory(parent=home, slug="caritas")
    agency_b = AgencyPageFactory(parent=home, slug="diakonie")
    objects = {
        "home": home,
        "agency_a": agency_a,
        "offer_a": OfferPageFactory(parent=agency_a),
        "point_a": ContactPointPageFactory(parent=agency_a),
        "offer_b": OfferPageFactory(parent=agency_b),
    }
    User = get_user_model()
    users = {name: User.objects.create_user(username=name) for name in PAGE_RULES}
    users["coordinator"].groups.add(coordinators_group_ensure(home=home))
    users["editor_a"].groups.add(agency_editors_group_ensure(agency=agency_a))
    users["editor_b"].groups.add(agency_editors_group_ensure(agency=agency_b))
    return objects, users


def allowed_page_actions(page, user) -> set[str]:
    tester = page.permissions_for_user(user)
    checks = {
        "edit": tester.can_edit,
        "add_child": tester.can_add_subpage,
        "publish": tester.can_publish,
        "delete": tester.can_delete,
    }
    return {action for action, check in checks.items() if check()}


@pytest.mark.parametrize("role", PAGE_RULES)
def test_page_permissions(world, role):
    objects, users = world
    for name, expected in PAGE_RULES[role].items():
        actual = allowed_page_actions(objects[name].specific, users[role])
        assert actual == expected, (
            f"{role} on {name}: {sorted(actual)} != {sorted(expected)}"
        )


@pytest.mark.parametrize("role", SNIPPET_RULES)
def test_taxonomy_and_responsibility_permissions(world, role):
    _objects, users = world
    user = users[role]
    for model, expected in SNIPPET_RULES[role].items():
        actual = {
            action
            for action in SNIPPET_ACTIONS
            if user.has_perm(f"directory.{action}_{model}")
        }
        assert actual == expected, f"{role} on {model}"


def test_editor_cannot_open_another_agencys_offer_in_the_admin(client, world):
    objects, users = world
    client.force_login(users["editor_b"])
    response = client.get(f"/admin/pages/{objects['offer_a'].pk}/edit/")
    assert response.status_code in (302, 403)
    assert client.get(f"/admin/pages/{objects['offer_b'].pk}/edit/").status_code == 200


def test_editor_submits_and_coordinator_approves(client, world):
    objects, users = world
    offer = objects["offer_a"].specific
    offer.save_revision(user=users["editor_a"])
    workflow = offer.get_workflow()
    assert workflow is not None
    state = workflow.start(offer, users["editor_a"])
    task_state = state.current_task_state
    assert task_state.task.specific.user_can_access_editor(offer, users["coordinator"])
    assert not task_state.task.specific.user_can_access_editor(offer, users["editor_b"])


# role → collection → media actions allowed (documents and images alike)
MEDIA_ACTIONS = ("add", "choose")
MEDIA_RULES = {
    "coordinator": {
        "root": {"add", "choose"},
        "a": {"add", "choose"},
        "b": {"add", "choose"},
    },
    "editor_a": {"root": set(), "a": {"add", "choose"}, "b": set()},
    "editor_b": {"root": set(), "a": set(), "b": {"add", "choose"}},
    "no_role": {"root": set(), "a": set(), "b": set()},
}


@pytest.mark.parametrize("role", MEDIA_RULES)
def test_media_permissions_per_agency_collection(world, role):
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Collection
    from wagtail.permissions import policy_registry

    objects, users = world
    root = Collection.get_first_root_node()
    collections = {"root": root}
    for name, agency in (
        ("a", objects["agency_a"]),
        ("b", objects["offer_b"].get_parent()),
    ):
        (collections[name],) = root.get_children().filter(name=agency.title)
    for model in (get_document_model(), get_image_model()):
        policy = policy_registry.get_by_type(model)
        for name, expected in MEDIA_RULES[role].items():
            actual = {
                action
                for action in MEDIA_ACTIONS
                if collections[name]
                in policy.collections_user_has_permission_for(users[role], action)
            }
            assert actual == expected, f"{role} on {model.__name__} in {name}"
