"""The world and the actions of the HTTP permission matrix
(tests/directory/test_permissions_http.py).

Two agencies with an editor each, a coordinator, a superuser; pages, media, a topic,
a newsletter issue. Every action is a real request through Django's test client and
has an effect that can be read back from the database.
"""

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image as PillowImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, WorkflowState

from directory.models import OfferPage, Topic
from directory.services import agency_editors_group_ensure, coordinators_group_ensure
from hsds.schemas import EXAMPLES_DIR
from newsletter.models import Issue, IssueItem
from newsletter.permissions import newsletter_permissions_grant
from tests.conftest import make_home
from tests.factories import (
    AgencyPageFactory,
    ContactPointPageFactory,
    OfferPageFactory,
    TopicFactory,
)
from tests.newsletter.conftest import subscriber_make

ROLES = ("anonymous", "editor_a", "editor_b", "coordinator", "superuser")
# What each side owns; "a" and "b" name the agencies. Titles are distinct whole words
# so a listing can be searched for them.
TITLES = {
    "agency_a": "Caritas Auental",
    "agency_b": "Diakonie Auental",
    "offer_a": "Sprachcafe Alpha",
    "offer_b": "Sprachcafe Beta",
    "point_a": "Anlaufstelle Alpha",
    "point_b": "Anlaufstelle Beta",
    "draft_a": "Geheimentwurf Alpha",
    "draft_b": "Geheimentwurf Beta",
    "image_a": "Bildarchiv Alpha",
    "image_b": "Bildarchiv Beta",
    "document_a": "Merkblatt Alpha",
    "document_b": "Merkblatt Beta",
}
DOCUMENT_BYTES = b"Vertraulicher Inhalt der Beratungsstelle"


@dataclass
class World:
    """Primary keys only: every test reads fresh rows (its changes roll back)."""

    pages: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    images: dict[str, int] = field(default_factory=dict)
    documents: dict[str, int] = field(default_factory=dict)
    topic: int = 0
    issue: int = 0
    forms: dict[str, dict] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)

    def form(self, admin: Client, url: str) -> dict[str, list[str]]:
        """``form_data`` read once per module (each test's changes roll back)."""
        if url not in self.forms:
            self.forms[url] = form_data(admin, url)
        return self.forms[url]

    def page(self, name: str) -> Page:
        return Page.objects.get(pk=self.pages[name]).specific

    def user(self, role: str):
        return get_user_model().objects.get(pk=self.users[role])

    def client(self, role: str) -> Client:
        """``role``'s browser, logged in once per module; only its session cookie is
        kept from one test to the next (no messages of an earlier test).
        """
        if role not in self.clients:
            client = Client()
            if role != "anonymous":
                client.force_login(self.user(role))
            self.clients[role] = client
        client = self.clients[role]
        session = client.cookies.get(settings.SESSION_COOKIE_NAME)
        client.cookies.clear()
        if session is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = session.value
        return client


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", (8, 8), "teal").save(buffer, "PNG")
    return buffer.getvalue()


def _collection(client: Client, url: str) -> dict:
    """The first collection the upload form offers ``client``'s user, if it asks
    for one (a user who may add to several collections chooses).
    """
    response = client.get(url)
    if response.status_code != 200:
        return {}
    soup = BeautifulSoup(response.content, "html.parser")
    select = soup.find("select", attrs={"name": "collection"})
    options = (
        [o["value"] for o in select.find_all("option") if o.get("value")]
        if select
        else []
    )
    return {"collection": options[0]} if options else {}


def image_upload(client: Client, title: str):
    url = reverse("wagtailimages:add")
    return client.post(
        url,
        {
            "title": title,
            "file": SimpleUploadedFile(f"{title}.png", png_bytes(), "image/png"),
            **_collection(client, url),
        },
    )


def document_upload(client: Client, title: str):
    url = reverse("wagtaildocs:add")
    return client.post(
        url,
        {
            "title": title,
            "file": SimpleUploadedFile(f"{title}.txt", DOCUMENT_BYTES, "text/plain"),
            **_collection(client, url),
        },
    )


def world_build() -> World:
    """The region as the services set it up; media uploaded by each agency's editor
    over HTTP, so they land where production puts an editor's uploads.
    """
    world = World()
    home = make_home()
    archive = Page(title="Archiv", slug="archiv")
    Page.get_first_root_node().add_child(instance=archive)
    User = get_user_model()
    users = {
        "superuser": User.objects.create_superuser("chef", "chef@example.org", "x"),
        **{
            role: User.objects.create_user(role, f"{role}@example.org", "x")
            for role in ("editor_a", "editor_b", "coordinator")
        },
    }
    agencies = {}
    for side in ("a", "b"):
        title = TITLES[f"agency_{side}"]
        agencies[side] = AgencyPageFactory(
            parent=home, title=title, title_de=title, slug=f"agentur-{side}"
        )
        users[f"editor_{side}"].groups.add(
            agency_editors_group_ensure(agency=agencies[side])
        )
    users["coordinator"].groups.add(coordinators_group_ensure(home=home))
    newsletter_permissions_grant()

    world.pages = {"home": home.pk, "archive": archive.pk}
    for side, agency in agencies.items():
        point_title, offer_title = TITLES[f"point_{side}"], TITLES[f"offer_{side}"]
        draft_title = TITLES[f"draft_{side}"]
        point = ContactPointPageFactory(
            parent=agency, title=point_title, title_de=point_title
        )
        offer = OfferPageFactory(parent=agency, title=offer_title, title_de=offer_title)
        offer.save_revision(user=users[f"editor_{side}"]).publish()
        draft = OfferPageFactory(
            parent=agency,
            title=draft_title,
            title_de=draft_title,
            live=False,
            owner=users[f"editor_{side}"],
        )
        draft.save_revision(user=users[f"editor_{side}"])
        world.pages |= {
            f"agency_{side}": agency.pk,
            f"point_{side}": point.pk,
            f"offer_{side}": offer.pk,
            f"draft_{side}": draft.pk,
        }
    # B's draft waits for a coordinator's approval.
    draft_b = OfferPage.objects.get(pk=world.pages["draft_b"])
    draft_b.get_workflow().start(draft_b, users["editor_b"])

    world.users = {role: user.pk for role, user in users.items()}
    for role in ROLES:  # sessions made here outlive each test's rollback
        world.client(role)
    Image, Document = get_image_model(), get_document_model()
    for side in ("a", "b"):
        client = world.client(f"editor_{side}")
        for kind, upload, model, store in (
            ("image", image_upload, Image, world.images),
            ("document", document_upload, Document, world.documents),
        ):
            title = TITLES[f"{kind}_{side}"]
            response = upload(client, title)
            assert response.status_code == 302, response.content.decode()[:3000]
            store[side] = model.objects.get(title=title).pk

    topic = TopicFactory(slug="sprache", name="Sprache", name_de="Sprache")
    world.topic = topic.pk  # type: ignore[attr-defined]  # the factory made a Topic
    issue = Issue.objects.create(subject="Neues", subject_de="Neues")
    IssueItem.objects.create(
        issue=issue, offer=OfferPage.objects.get(pk=world.pages["offer_a"])
    )
    world.issue = issue.pk
    subscriber_make("leser@example.org")
    return world


# --- forms as the browser sends them --------------------------------------------------


def form_data(client: Client, url: str) -> dict[str, list[str]]:
    """The fields of the admin form at ``url`` with their current values (what a
    browser submits untouched), read by ``client`` (a superuser's).
    """
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    soup = BeautifulSoup(response.content, "html.parser")
    form = max(soup.find_all("form"), key=lambda form: len(form.find_all("input")))
    data: dict[str, list[str]] = {}
    for element in form.find_all(["input", "select", "textarea"]):
        name = str(element.get("name") or "")
        if not name or element.has_attr("disabled"):
            continue
        if element.name == "select":
            selected = element.find_all("option", selected=True)
            values = [str(option.get("value", option.text)) for option in selected]
            if not values and not element.has_attr("multiple"):
                first = element.find("option")
                values = [str(first.get("value", first.text))] if first else []
        elif element.name == "textarea":
            values = [element.text]
        elif element.get("type") in ("checkbox", "radio"):
            values = (
                [str(element.get("value", "on"))] if element.has_attr("checked") else []
            )
        elif element.get("type") in ("submit", "button", "file", "image", "reset"):
            continue
        else:
            values = [str(element.get("value", ""))]
        data.setdefault(name, []).extend(values)
    return data


def latest_title(name_or_pk, world: World) -> str:
    pk = world.pages.get(name_or_pk, name_or_pk)
    return Page.objects.get(pk=pk).get_latest_revision_as_object().title_de


# --- actions: a request and the effect it must (or must not) have ---------------


@dataclass(frozen=True)
class Action:
    """``perform(client, world, admin)`` sends the request (``admin`` is a
    superuser's client for reading forms); ``happened(world)`` reads the effect
    back from the database.
    """

    perform: Callable
    happened: Callable | None = None
    prepare: Callable | None = None
    # For a read (a GET, a preview): whether ``response`` showed the object.
    read: Callable | None = None


def _edit(target: str, extra: dict, title: str):
    def perform(client, world, admin):
        url = reverse("wagtailadmin_pages:edit", args=[world.pages[target]])
        data = world.form(admin, url) | {"title_de": [title]} | extra
        return client.post(url, data)

    return perform


def edit(target: str) -> Action:
    title = f"Neuer Titel {target}"
    return Action(
        _edit(target, {}, title),
        lambda world: latest_title(target, world) == title,
    )


def publish(target: str) -> Action:
    title = f"Veroeffentlicht {target}"
    return Action(
        _edit(target, {"action-publish": ["1"]}, title),
        lambda world: (page := world.page(target)).live and page.title_de == title,
    )


def submit(target: str) -> Action:
    return Action(
        _edit(target, {"action-submit": ["1"]}, f"Eingereicht {target}"),
        lambda world: world.page(target).workflow_in_progress,
    )


def _link_perform(offer: str, point: str):
    def perform(client, world, admin):
        url = reverse("wagtailadmin_pages:edit", args=[world.pages[offer]])
        data = world.form(admin, url) | {"contact_points": [str(world.pages[point])]}
        return client.post(url, data)

    return perform


def link(offer: str, point: str) -> Action:
    return Action(
        _link_perform(offer, point),
        lambda world: (
            {
                linked.pk
                for linked in world.page(offer)
                .get_latest_revision_as_object()
                .contact_points.all()
            }
            == {world.pages[point]}
        ),
    )


CHILD_TYPE = {"agency_a": "offerpage", "agency_b": "offerpage", "home": "agencypage"}


def add_child(parent: str) -> Action:
    slug = f"neu-unter-{parent.replace('_', '-')}"
    model = CHILD_TYPE[parent]

    def perform(client, world, admin):
        url = reverse(
            "wagtailadmin_pages:add", args=["directory", model, world.pages[parent]]
        )
        data = world.form(admin, url) | {"title_de": [f"Neu {slug}"], "slug": [slug]}
        return client.post(url, data)

    return Action(
        perform,
        lambda world: (
            Page.objects.filter(slug=slug)
            .child_of(Page.objects.get(pk=world.pages[parent]))
            .exists()
        ),
    )


def _page_post(url_name: str, target: str, data=None):
    def perform(client, world, admin):
        return client.post(reverse(url_name, args=[world.pages[target]]), data or {})

    return perform


def unpublish(target: str) -> Action:
    return Action(
        _page_post("wagtailadmin_pages:unpublish", target),
        lambda world: not world.page(target).live,
    )


def delete(target: str) -> Action:
    return Action(
        _page_post("wagtailadmin_pages:delete", target),
        lambda world: not Page.objects.filter(pk=world.pages[target]).exists(),
    )


def move(target: str, destination: str) -> Action:
    def perform(client, world, admin):
        url = reverse(
            "wagtailadmin_pages:move_confirm",
            args=[world.pages[target], world.pages[destination]],
        )
        return client.post(url)

    return Action(
        perform,
        lambda world: (
            Page.objects.get(pk=world.pages[target]).get_parent().pk
            == world.pages[destination]
        ),
    )


def copy(target: str, destination: str) -> Action:
    slug = f"kopie-von-{target.replace('_', '-')}"

    def perform(client, world, admin):
        url = reverse("wagtailadmin_pages:copy", args=[world.pages[target]])
        data = world.form(admin, url) | {
            "new_title_de": [f"Kopie {target}"],
            "new_slug": [slug],
            "new_parent_page": [str(world.pages[destination])],
        }
        return client.post(url, data)

    return Action(
        perform,
        lambda world: (
            Page.objects.filter(slug=slug)
            .child_of(Page.objects.get(pk=world.pages[destination]))
            .exists()
        ),
    )


def lock(target: str) -> Action:
    return Action(
        _page_post("wagtailadmin_pages:lock", target),
        lambda world: world.page(target).locked,
    )


def _locked_by_coordinator(target: str):
    def prepare(world):
        Page.objects.filter(pk=world.pages[target]).update(
            locked=True, locked_by_id=world.users["coordinator"]
        )

    return prepare


def unlock(target: str) -> Action:
    return Action(
        _page_post("wagtailadmin_pages:unlock", target),
        lambda world: not world.page(target).locked,
        prepare=_locked_by_coordinator(target),
    )


def _seen(response, marker: str) -> bool:
    return response.status_code == 200 and marker in response.content.decode()


def revisions_index(target: str) -> Action:
    def perform(client, world, admin):
        pk = world.pages[target]
        response = client.get(reverse("wagtailadmin_pages:revisions_index", args=[pk]))
        # Wagtail 8 lists revisions in the page's history.
        history = reverse("wagtailadmin_pages:history", args=[pk])
        if response.status_code == 302 and response["Location"] == history:
            return client.get(history)
        return response

    return Action(perform, read=lambda world, response: _seen(response, TITLES[target]))


def revisions_revert(target: str) -> Action:
    def perform(client, world, admin):
        page = world.page(target)
        revision = page.revisions.order_by("created_at").first()
        return client.get(
            reverse("wagtailadmin_pages:revisions_revert", args=[page.pk, revision.pk])
        )

    return Action(
        perform, read=lambda world, response: _seen(response, 'name="title_de"')
    )


def preview(target: str) -> Action:
    def perform(client, world, admin):
        edit_url = reverse("wagtailadmin_pages:edit", args=[world.pages[target]])
        data = world.form(admin, edit_url) | {"title_de": ["Vorschau"]}
        url = reverse("wagtailadmin_pages:preview_on_edit", args=[world.pages[target]])
        return client.post(url, data)

    def read(world, response):
        answer = json_or_none(response)
        return response.status_code == 200 and bool(answer and answer.get("is_valid"))

    return Action(perform, read=read)


def _task_state_id(world: World, target: str) -> int:
    state = WorkflowState.objects.for_instance(world.page(target)).get(
        status=WorkflowState.STATUS_IN_PROGRESS
    )
    return state.current_task_state.pk


def workflow_action(target: str, action_name: str) -> Action:
    def perform(client, world, admin):
        url = reverse(
            "wagtailadmin_pages:workflow_action",
            args=[world.pages[target], action_name, _task_state_id(world, target)],
        )
        return client.post(url, {"comment": ""})

    def happened(world):
        state = WorkflowState.objects.for_instance(world.page(target)).latest(
            "created_at"
        )
        if action_name == "approve":
            return world.page(target).live
        return state.status == WorkflowState.STATUS_NEEDS_CHANGES

    return Action(perform, happened)


def cancel_workflow(target: str) -> Action:
    def perform(client, world, admin):
        url = reverse("wagtailadmin_pages:edit", args=[world.pages[target]])
        data = world.form(admin, url) | {"action-cancel-workflow": ["1"]}
        return client.post(url, data)

    return Action(
        perform,
        lambda world: (
            not WorkflowState.objects.for_instance(world.page(target))
            .filter(status=WorkflowState.STATUS_IN_PROGRESS)
            .exists()
        ),
    )


# --- snippets, media, import, newsletter ----------------------------------------------

TOPIC_URLS = "wagtailsnippets_directory_topic"


def topic_add() -> Action:
    def perform(client, world, admin):
        url = reverse(f"{TOPIC_URLS}:add")
        data = world.form(admin, url) | {
            "name_de": ["Wohnen"],
            "name": ["Wohnen"],
            "slug": ["wohnen"],
        }
        return client.post(url, data)

    return Action(perform, lambda world: Topic.objects.filter(slug="wohnen").exists())


def topic_edit() -> Action:
    def perform(client, world, admin):
        url = reverse(f"{TOPIC_URLS}:edit", args=[world.topic])
        data = world.form(admin, url) | {"name_de": ["Sprache neu"]}
        return client.post(url, data)

    return Action(
        perform,
        lambda world: Topic.objects.get(pk=world.topic).name_de == "Sprache neu",
    )


def topic_delete() -> Action:
    return Action(
        lambda client, world, admin: client.post(
            reverse(f"{TOPIC_URLS}:delete", args=[world.topic])
        ),
        lambda world: not Topic.objects.filter(pk=world.topic).exists(),
    )


def upload(kind: str) -> Action:
    title = f"Neu hochgeladen {kind}"
    send = image_upload if kind == "image" else document_upload
    model = get_image_model if kind == "image" else get_document_model
    return Action(
        lambda client, world, admin: send(client, title),
        lambda world: model().objects.filter(title=title).exists(),
    )


def media_delete(kind: str, side: str) -> Action:
    model = get_image_model if kind == "image" else get_document_model
    namespace = "wagtailimages" if kind == "image" else "wagtaildocs"

    def store(world):
        return world.images if kind == "image" else world.documents

    return Action(
        lambda client, world, admin: client.post(
            reverse(f"{namespace}:delete", args=[store(world)[side]])
        ),
        lambda world: not model().objects.filter(pk=store(world)[side]).exists(),
    )


HSDS_TITLE = "Community Counselling"  # the service in the HSDS example


def hsds_import() -> Action:
    """Upload (dry run), then confirm: the two requests of the admin import."""

    def perform(client, world, admin):
        url = reverse("hsds_import")
        example = (EXAMPLES_DIR / "service_full.json").read_bytes()
        preview = client.post(
            url,
            {
                "file": SimpleUploadedFile("service.json", example, "application/json"),
                "language": "de",
            },
        )
        if preview.status_code != 200 or not preview.context:
            return preview
        token = preview.context["confirm_form"].initial["token"]
        return client.post(
            url,
            {
                "action": "import",
                "token": token,
                "file_name": "service.json",
                "language": "de",
            },
        )

    return Action(
        perform, lambda world: OfferPage.objects.filter(title=HSDS_TITLE).exists()
    )


def newsletter_compose() -> Action:
    return Action(
        lambda client, world, admin: client.post(
            reverse("newsletter_compose"), {"subject": "Ausgabe Dezember"}
        ),
        lambda world: Issue.objects.filter(subject="Ausgabe Dezember").exists(),
    )


def newsletter_send() -> Action:
    return Action(
        lambda client, world, admin: client.post(
            reverse("newsletter_issue_send", args=[world.issue]),
            {"action": "send", "confirm": "1"},
        ),
        lambda world: Issue.objects.get(pk=world.issue).status != Issue.Status.DRAFT,
    )


def json_or_none(response):
    try:
        return json.loads(response.content)
    except ValueError:
        return None
