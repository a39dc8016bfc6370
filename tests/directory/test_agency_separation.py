"""Each agency in its own lane, over HTTP with the demo accounts: contact points,
page choosers, move and workflow confirmations, media collections, document
downloads; and admin changes that are all or nothing.
"""

import importlib
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import clear_url_caches, reverse
from wagtail import hooks
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    GroupCollectionPermission,
    Page,
)
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from directory.models import AgencyPage, ContactPointPage, OfferPage
from directory.services import (
    EDITORS_GROUP_PREFIX,
    agency_editors_group_ensure,
)
from tests.factories import AgencyPageFactory, OfferPageFactory

Document = get_document_model()
Image = get_image_model()

EDITOR_A = "redaktion-caritas"
EDITOR_B = "redaktion-diakonie"
COORDINATOR = "koordination"


@pytest.fixture(autouse=True)
def no_second_factor(settings):
    # The coordinator's second factor is tested in tests/accounts/.
    settings.ACCOUNTS_2FA_REQUIRED = False


@pytest.fixture
def region(seeded, db):
    caritas = AgencyPage.objects.get(slug="caritas")
    diakonie = AgencyPage.objects.get(slug="diakonie")
    return {
        "caritas": caritas,
        "diakonie": diakonie,
        "caritas_offer": OfferPage.objects.child_of(caritas).live().first(),
        "caritas_point": ContactPointPage.objects.get(slug="car-zentrum"),
        "diakonie_point": ContactPointPage.objects.get(slug="dia-haus"),
    }


def login(username: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username=username))
    return client


def offer_form(offer, contact_points=(), **overrides):
    data = {
        "title_de": offer.title_de,
        "slug": offer.slug,
        "summary_de": offer.summary_de or "",
        "description_de": '{"blocks": [], "entityMap": {}}',
        "format": offer.format,
        "status": offer.status,
        "is_free": "on",
        "contact_persons": inline_formset([]),
        "comments": inline_formset([]),
    }
    data.update(overrides)
    form = nested_form_data(data)
    form["contact_points"] = [str(pk) for pk in contact_points]
    return form


def contact_point_choices(response) -> set[int]:
    """The contact points the offer form shows as checkboxes."""
    body = response.content.decode()
    return {int(pk) for pk in re.findall(r'name="contact_points" value="(\d+)"', body)}


# --- Contact points: only the offer's own agency's ---------------------------------


def test_offer_form_offers_only_its_own_agencys_contact_points(region):
    offer = region["caritas_offer"]
    for username in (EDITOR_A, COORDINATOR):
        response = login(username).get(
            reverse("wagtailadmin_pages:edit", args=[offer.pk])
        )
        assert response.status_code == 200
        choices = contact_point_choices(response)
        assert region["caritas_point"].pk in choices, username
        assert region["diakonie_point"].pk not in choices, username
        assert set(
            ContactPointPage.objects.filter(pk__in=choices).values_list(
                "agency_id", flat=True
            )
        ) == {region["caritas"].pk}


@pytest.mark.parametrize("username", [EDITOR_A, COORDINATOR])
def test_another_agencys_contact_point_is_refused_with_a_form_error(region, username):
    offer = region["caritas_offer"]
    client = login(username)
    url = reverse("wagtailadmin_pages:edit", args=[offer.pk])
    refused = client.post(
        url, offer_form(offer, contact_points=[region["diakonie_point"].pk])
    )
    assert refused.status_code == 200
    assert "contact_points" in refused.context["form"].errors
    draft = OfferPage.objects.get(pk=offer.pk).get_latest_revision_as_object()
    assert region["diakonie_point"] not in list(draft.contact_points.all())

    accepted = client.post(
        url, offer_form(offer, contact_points=[region["caritas_point"].pk])
    )
    assert accepted.status_code == 302
    draft = OfferPage.objects.get(pk=offer.pk).get_latest_revision_as_object()
    assert [p.pk for p in draft.contact_points.all()] == [region["caritas_point"].pk]


def _new_offer_add(region, *, contact_point):
    """Caritas' editor adds "Neues Angebot" at ``contact_point`` through the admin."""
    url = reverse(
        "wagtailadmin_pages:add",
        args=["directory", "offerpage", region["caritas"].pk],
    )
    new = OfferPage(title_de="Neues Angebot", slug="neues-angebot")
    return login(EDITOR_A).post(
        url,
        offer_form(
            new, format="in_person", status="active", contact_points=[contact_point.pk]
        ),
    )


def test_a_new_offer_cannot_take_another_agencys_contact_point(region):
    response = _new_offer_add(region, contact_point=region["diakonie_point"])
    assert response.status_code == 200
    assert "contact_points" in response.context["form"].errors
    assert not OfferPage.objects.filter(slug="neues-angebot").exists()


def test_publishing_a_draft_with_another_agencys_contact_point_leaves_it_behind(
    region,
):
    """A draft from before the rule (or an approval in the workflow) publishes
    without the other agency's contact point instead of failing."""
    offer = region["caritas_offer"]
    offer.contact_points = [region["diakonie_point"], region["caritas_point"]]
    offer.save_revision().publish()
    offer = OfferPage.objects.get(pk=offer.pk)
    assert list(offer.contact_points.all()) == [region["caritas_point"]]


def test_a_new_offer_takes_its_own_agencys_contact_points(region):
    response = _new_offer_add(region, contact_point=region["caritas_point"])
    assert response.status_code == 302, response.context["form"].errors
    offer = OfferPage.objects.get(slug="neues-angebot")
    assert list(offer.contact_points.all()) == [region["caritas_point"]]


# --- The fee: a form error, not a 500 ------------------------------------------------


def test_an_offer_that_is_not_free_needs_a_fee_as_a_form_error(region):
    offer = region["caritas_offer"]
    client = login(EDITOR_A)
    url = reverse("wagtailadmin_pages:edit", args=[offer.pk])
    data = offer_form(offer)
    del data["is_free"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert "fee_description_de" in response.context["form"].errors

    data["fee_description_de"] = "5 € im Monat"
    assert client.post(url, data).status_code == 302


# --- Page choosers, move and workflow: another agency's drafts stay hidden ----------


@pytest.fixture
def diakonie_draft(region):
    draft = OfferPageFactory(
        parent=region["diakonie"],
        title="Geheimer Entwurf der Diakonie",
        title_de="Geheimer Entwurf der Diakonie",
        live=False,
    )
    draft.save_revision()
    return draft


def chooser_html(response) -> str:
    """The chooser's listing: JSON for the modal when browsing, HTML when searching."""
    if response["Content-Type"].startswith("application/json"):
        return response.json()["html"]
    return response.content.decode()


@pytest.mark.parametrize(
    ("username", "sees"),
    [(EDITOR_A, False), (EDITOR_B, True), (COORDINATOR, True)],
)
def test_page_chooser_shows_drafts_only_to_those_who_may_act_on_them(
    diakonie_draft, region, username, sees
):
    client = login(username)
    search = client.get(
        reverse("wagtailadmin_choose_page_search"), {"q": "Geheimer Entwurf"}
    )
    browse = client.get(
        reverse("wagtailadmin_choose_page_child", args=[region["diakonie"].pk])
    )
    for response in (search, browse):
        assert response.status_code == 200
        assert ("Geheimer Entwurf" in chooser_html(response)) is sees, username


def test_page_chooser_still_finds_the_editors_own_pages(region):
    client = login(EDITOR_A)
    html = client.get(
        reverse("wagtailadmin_choose_page_child", args=[region["caritas"].pk])
    ).json()["html"]
    assert region["caritas_offer"].title in html


def denied(response) -> bool:
    """Wagtail's admin answers a refused view with a redirect to its dashboard."""
    return response.status_code == 403 or (
        response.status_code == 302
        and response["Location"] == reverse("wagtailadmin_home")
    )


@pytest.mark.parametrize(
    ("username", "allowed"), [(EDITOR_A, False), (COORDINATOR, True)]
)
def test_move_confirmation_is_shown_only_for_a_move_the_user_may_make(
    diakonie_draft, region, username, allowed
):
    url = reverse(
        "wagtailadmin_pages:move_confirm",
        args=[diakonie_draft.pk, region["caritas"].pk],
    )
    response = login(username).get(url)
    if allowed:
        assert response.status_code == 200
        assert "Geheimer Entwurf" in response.content.decode()
    else:
        assert denied(response)


@pytest.mark.parametrize(
    ("username", "allowed"), [(EDITOR_A, False), (EDITOR_B, True), (COORDINATOR, True)]
)
def test_workflow_cancellation_confirmation_only_for_those_who_may_edit(
    diakonie_draft, username, allowed
):
    editor_b = get_user_model().objects.get(username=EDITOR_B)
    diakonie_draft.get_workflow().start(diakonie_draft, editor_b)
    url = reverse(
        "wagtailadmin_pages:confirm_workflow_cancellation", args=[diakonie_draft.pk]
    )
    response = login(username).get(url)
    if allowed:
        assert response.status_code == 200
        assert response.json()["step"] == "confirm"
    else:
        assert denied(response)


# --- Media: one collection per agency ------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def collection_of(agency) -> Collection:
    group = Group.objects.get(name=f"{EDITORS_GROUP_PREFIX}{agency.slug}")
    (collection,) = {
        right.collection
        for right in group.collection_permissions.all()  # type: ignore[attr-defined]
    }
    return collection


def document_in(collection, title: str):
    return Document.objects.create(
        title=title,
        collection=collection,
        file=ContentFile(b"%PDF-1.4 demo", name=f"{title.lower()}.pdf"),
    )


def image_in(collection, title: str):
    from io import BytesIO

    from PIL import Image as PILImage

    buffer = BytesIO()
    PILImage.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return Image.objects.create(
        title=title,
        collection=collection,
        file=ContentFile(buffer.getvalue(), name=f"{title.lower()}.png"),
        width=4,
        height=4,
    )


def test_each_agencys_editors_have_media_rights_on_their_own_collection_only(region):
    root = Collection.get_first_root_node()
    caritas, diakonie = (
        collection_of(region["caritas"]),
        collection_of(region["diakonie"]),
    )
    assert caritas != diakonie
    assert caritas.get_parent() == root and diakonie.get_parent() == root
    group = Group.objects.get(name=f"{EDITORS_GROUP_PREFIX}caritas")
    assert not GroupCollectionPermission.objects.filter(
        group=group, collection=root
    ).exists()
    # Idempotent: ensuring the group again keeps the same single collection.
    agency_editors_group_ensure(agency=region["caritas"])
    assert collection_of(region["caritas"]) == caritas


@pytest.mark.parametrize(
    ("username", "sees_caritas", "sees_diakonie"),
    [(EDITOR_A, True, False), (EDITOR_B, False, True), (COORDINATOR, True, True)],
)
def test_media_choosers_list_only_the_agencys_own_uploads(
    region, media_root, username, sees_caritas, sees_diakonie
):
    caritas, diakonie = (
        collection_of(region["caritas"]),
        collection_of(region["diakonie"]),
    )
    document_in(caritas, "Caritasflyer")
    document_in(diakonie, "Diakonieflyer")
    image_in(caritas, "Caritasbild")
    image_in(diakonie, "Diakoniebild")
    client = login(username)
    documents = client.get(reverse("wagtaildocs_chooser:choose")).content.decode()
    images = client.get(reverse("wagtailimages_chooser:choose")).content.decode()
    assert ("Caritasflyer" in documents) is sees_caritas
    assert ("Diakonieflyer" in documents) is sees_diakonie
    assert ("Caritasbild" in images) is sees_caritas
    assert ("Diakoniebild" in images) is sees_diakonie


def test_an_editor_uploads_into_the_own_collection_only(region, media_root):
    client = login(EDITOR_A)
    url = reverse("wagtaildocs:add")

    def upload(title, collection):
        return client.post(
            url,
            {
                "title": title,
                "file": ContentFile(b"%PDF-1.4", name=f"{title}.pdf"),
                "collection": collection.pk,
            },
        )

    assert upload("eigenes", collection_of(region["caritas"])).status_code == 302
    assert collection_of(region["caritas"]) != Collection.get_first_root_node()
    assert Document.objects.get(title="eigenes").collection == collection_of(
        region["caritas"]
    )
    # Another agency's collection is no choice: the upload lands in the own one.
    upload("fremdes", collection_of(region["diakonie"]))
    assert Document.objects.get(title="fremdes").collection == collection_of(
        region["caritas"]
    )


def document_url(document) -> str:
    return reverse("wagtaildocs_serve", args=[document.pk, document.filename])


def attach(document, offer) -> None:
    """Link ``document`` from the live offer's description and publish it."""
    offer.description_de = f'<p><a linktype="document" id="{document.pk}">Flyer</a></p>'
    offer.save_revision().publish()


def test_unattached_documents_need_a_login_with_rights_on_the_collection(
    region, media_root
):
    document = document_in(collection_of(region["caritas"]), "Intern")
    url = document_url(document)
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("wagtailadmin_login"))
    assert login(EDITOR_A).get(url).status_code == 200
    assert login(COORDINATOR).get(url).status_code == 200
    assert login(EDITOR_B).get(url).status_code == 403


def test_documents_on_a_live_page_are_public(region, media_root):
    document = document_in(collection_of(region["caritas"]), "Flyer")
    attach(document, region["caritas_offer"])
    response = Client().get(document_url(document))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 demo"


def test_documents_of_an_unpublished_page_need_a_login_again(region, media_root):
    document = document_in(collection_of(region["caritas"]), "Flyer")
    attach(document, region["caritas_offer"])
    region["caritas_offer"].unpublish()
    assert Client().get(document_url(document)).status_code == 302


def test_documents_in_a_private_collection_need_a_login_even_when_attached(
    region, media_root
):
    collection = collection_of(region["caritas"])
    CollectionViewRestriction.objects.create(
        collection=collection, restriction_type=CollectionViewRestriction.LOGIN
    )
    document = document_in(collection, "Vertraulich")
    attach(document, region["caritas_offer"])
    assert Client().get(document_url(document)).status_code == 302


@pytest.fixture
def media_served_by_django(settings):
    """config.urls with SERVE_MEDIA on (``make run``, ``make serve``)."""
    import config.urls

    settings.SERVE_MEDIA = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.SERVE_MEDIA = False
    importlib.reload(config.urls)
    clear_url_caches()


def test_document_files_are_never_served_as_media(
    region, media_root, media_served_by_django
):
    document = document_in(collection_of(region["caritas"]), "Intern")
    image = image_in(collection_of(region["caritas"]), "Bild")
    client = Client()
    assert client.get(f"/media/{image.file.name}").status_code == 200
    assert client.get(f"/media/{document.file.name}").status_code == 404
    assert client.get(f"/media/images/../{document.file.name}").status_code == 404


def test_migration_moves_existing_agencies_into_their_own_collections(region):
    """Before: an editors' group with media rights on the root collection and an
    upload of one of its members there."""
    home = region["caritas"].get_parent()
    agency = AgencyPageFactory(parent=home, slug="neuer-verein", title="Neuer Verein")
    root = Collection.get_first_root_node()
    group = Group.objects.create(name=f"{EDITORS_GROUP_PREFIX}neuer-verein")
    from django.contrib.auth.models import Permission

    for codename in ("add_document", "choose_document"):
        GroupCollectionPermission.objects.create(
            group=group,
            collection=root,
            permission=Permission.objects.get(codename=codename),
        )
    member = get_user_model().objects.create_user("neuer-verein-redaktion")
    member.groups.add(group)
    document = Document.objects.create(
        title="Alt", collection=root, uploaded_by_user=member, file="documents/alt.pdf"
    )
    others = Document.objects.create(title="Fremd", collection=root, file="d/f.pdf")

    migration = importlib.import_module(
        "directory.migrations.0004_agency_media_collections"
    )
    migration.forwards(apps, None)

    collection = collection_of(agency)
    assert collection.get_parent() == root and collection.name == "Neuer Verein"
    assert set(
        group.collection_permissions.values_list("permission__codename", flat=True)
    ) == {"add_document", "choose_document"}
    document.refresh_from_db()
    others.refresh_from_db()
    assert document.collection == collection
    assert others.collection == root
    # The service finds the migrated collection instead of making a second one.
    agency_editors_group_ensure(agency=agency)
    assert collection_of(agency) == collection


# --- Admin changes are all or nothing -------------------------------------------------


def test_a_failing_add_page_request_leaves_no_page_behind(region):
    def fail(request, page):
        raise RuntimeError("after the page was created")

    client = login(EDITOR_A)
    url = reverse(
        "wagtailadmin_pages:add",
        args=["directory", "offerpage", region["caritas"].pk],
    )
    data = offer_form(
        OfferPage(title_de="Halb angelegt", slug="halb-angelegt"),
        format="in_person",
        status="active",
    )
    with hooks.register_temporarily("after_create_page", fail):
        response = client.post(url, data)
    assert response.status_code == 500
    assert not Page.objects.filter(slug="halb-angelegt").exists()

    # Positive control: without the failing hook the same request creates it.
    assert client.post(url, data).status_code == 302
    assert Page.objects.filter(slug="halb-angelegt").exists()


def test_a_moved_offer_leaves_its_old_agencys_contact_points(region, client):
    offer, point = region["caritas_offer"], region["caritas_point"]
    offer.contact_points.add(point)
    offer.save_revision().publish()
    assert offer.title in client.get(point.url).content.decode()

    offer.move(region["diakonie"], pos="last-child")

    offer = OfferPage.objects.get(pk=offer.pk)
    assert offer.agency_id == region["diakonie"].pk
    assert list(offer.contact_points.all()) == []
    assert offer.title not in client.get(point.url).content.decode()


def test_a_moved_contact_point_no_longer_hosts_its_old_agencys_offers(region):
    offer, point = region["caritas_offer"], region["caritas_point"]
    offer.contact_points.add(point)
    offer.save_revision().publish()

    point.move(region["diakonie"], pos="last-child")

    assert point not in OfferPage.objects.get(pk=offer.pk).contact_points.all()


def test_migration_drops_links_made_before_the_rule(region, client):
    offer, point = region["caritas_offer"], region["diakonie_point"]
    own = region["caritas_point"]
    links = OfferPage.contact_points.through.objects
    links.create(offerpage=offer, contactpointpage=point)  # as before the rule
    links.get_or_create(offerpage=offer, contactpointpage=own)
    assert offer.title in client.get(point.url).content.decode()

    migration = importlib.import_module(
        "directory.migrations.0005_offer_links_within_agency"
    )
    migration.links_across_agencies_drop(apps, None)

    assert point not in offer.contact_points.all()
    assert own in offer.contact_points.all()
    assert offer.title not in client.get(point.url).content.decode()
