"""Onboarding an agency from the admin alone: its group, collection and
permissions on creation; inviting, removing and trusting its editors."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from wagtail.models import Collection, GroupPagePermission, PageLogEntry

from directory.models import AgencyPage, OfferPage
from directory.services import (
    agency_editors_group,
    agency_editors_group_ensure,
    coordinators_group_ensure,
    invitation_token,
)
from tests.accounts.conftest import PASSWORD, _user
from tests.directory.permission_matrix import form_data
from tests.factories import published_offer
from tests.newsletter import conftest as newsletter_fixtures

# A real local SMTP server (aiosmtpd), as the newsletter tests use it.
smtp = newsletter_fixtures.smtp


@pytest.fixture
def coordinator(home, settings):
    settings.ACCOUNTS_2FA_REQUIRED = False
    settings.WAGTAILADMIN_BASE_URL = "http://testserver"
    return _user("koordination", group=coordinators_group_ensure(home=home))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(received) -> str:
    message = received.message
    body = message.get_body(("plain",)) if message.is_multipart() else message
    return body.get_content()


def _create_agency(client, home, title: str, slug: str):
    url = reverse("wagtailadmin_pages:add", args=["directory", "agencypage", home.pk])
    data = form_data(client, url) | {
        "title_de": [title],
        "slug": [slug],
        "action-publish": ["action-publish"],
    }
    return client.post(url, data, follow=True)


def test_a_new_agency_gets_its_group_collection_and_rights(coordinator, home):
    response = _create_agency(
        signed_in(coordinator), home, "Neue Hilfe e.V.", "neue-hilfe"
    )

    assert response.status_code == 200
    agency = AgencyPage.objects.get(slug="neue-hilfe")
    group = agency_editors_group(agency=agency, create=False)
    assert group is not None and group.name == "Redaktion neue-hilfe"
    rights = set(
        GroupPagePermission.objects.filter(group=group, page=agency).values_list(
            "permission__codename", flat=True
        )
    )
    assert rights == {"add_page", "change_page"}
    assert Collection.objects.filter(
        name="Neue Hilfe e.V.", group_permissions__group=group
    ).exists()
    assert "Invite editors" in response.content.decode()


def test_coordinators_cannot_delete_or_move_the_home_page(coordinator, home):
    client = signed_in(coordinator)
    for name in ("wagtailadmin_pages:delete", "wagtailadmin_pages:move"):
        response = client.get(reverse(name, args=[home.pk]))
        assert response.status_code in (302, 403), name


def _invite(client, agency, email: str, **extra):
    return client.post(
        reverse("directory_agency_editors", args=[agency.pk]),
        {"action": "invite", "email": email, "language": "de", **extra},
    )


def test_invited_editor_sets_a_password_once_and_signs_in(
    coordinator, agency, smtp, client
):
    response = _invite(signed_in(coordinator), agency, "neu@example.org")
    assert response.status_code == 302

    editor = get_user_model().objects.get(email="neu@example.org")
    assert not editor.has_usable_password()
    assert editor.groups.filter(pk=agency_editors_group(agency=agency).pk).exists()
    [mail] = smtp.to("neu@example.org")
    body = _text(mail)
    assert "Caritas Auental" in mail.message["Subject"]
    link = next(
        line.strip() for line in body.splitlines() if "/admin/invitation/" in line
    )
    path = link.removeprefix("http://testserver")

    assert client.get(path).status_code == 200
    mismatch = client.post(path, {"password1": "x1", "password2": "x2"})
    assert mismatch.status_code == 400
    assert "Die beiden Passwörter" in mismatch.content.decode()
    new_password = "ein-gutes-langes-passwort-42"
    done = client.post(path, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302 and done["Location"].endswith("/admin/login/")

    # The link worked once.
    again = client.get(path)
    assert again.status_code == 400
    assert "Dieser Link funktioniert nicht mehr" in again.content.decode()
    assert Client().login(username="neu@example.org", password=new_password)
    assert PageLogEntry.objects.filter(
        page=agency, action="directory.editor_invited"
    ).exists()


def test_an_invitation_expires(coordinator, agency, settings, client):
    settings.DIRECTORY_INVITATION_DAYS = 7
    editor = get_user_model().objects.create_user("spaet", "spaet@example.org")
    editor.set_unusable_password()
    editor.save()
    token = invitation_token(user=editor)
    path = reverse("directory_invitation", args=[token])
    assert client.get(path).status_code == 200

    settings.DIRECTORY_INVITATION_DAYS = 0
    assert client.get(path).status_code == 400
    assert (
        client.get(reverse("directory_invitation", args=["kaputt"])).status_code == 400
    )


def test_bad_invitation_input_gets_a_message_and_is_kept(coordinator, agency):
    response = _invite(signed_in(coordinator), agency, "keine-adresse")
    assert response.status_code == 400
    page = response.content.decode()
    assert "keine-adresse" in page  # what was typed stays
    assert "valid email" in page or "gültige E-Mail" in page


def test_an_existing_account_is_added_and_told(coordinator, agency, smtp):
    existing = _user("bekannt")
    _invite(signed_in(coordinator), agency, existing.email)

    assert existing.groups.filter(pk=agency_editors_group(agency=agency).pk).exists()
    [mail] = smtp.to(existing.email)
    assert "/admin/invitation/" not in _text(mail)
    assert existing.check_password(PASSWORD)  # untouched


def test_coordinator_removes_an_editor(coordinator, agency):
    editor = _user("redaktion", group=agency_editors_group_ensure(agency=agency))
    response = signed_in(coordinator).post(
        reverse("directory_agency_editors", args=[agency.pk]),
        {"action": "remove", "user": editor.pk},
    )
    assert response.status_code == 302
    assert not editor.groups.exists()
    assert signed_in(editor).get(reverse("wagtailadmin_home")).status_code == 302


def test_only_coordinators_run_editors(coordinator, agency, home):
    editor = _user("redaktion", group=agency_editors_group_ensure(agency=agency))
    superuser = _user("admin", superuser=True)
    url = reverse("directory_agency_editors", args=[agency.pk])
    for user, action, allowed in (
        (editor, "trust", False),
        (coordinator, "trust", True),
        (superuser, "distrust", True),
    ):
        client = signed_in(user)
        assert (client.get(url).status_code == 200) is allowed, user
        listing = client.get(reverse("directory_agencies"))
        assert (listing.status_code == 200) is allowed
        was = AgencyPage.objects.get(pk=agency.pk).trusted
        client.post(url, {"action": action})
        now = AgencyPage.objects.get(pk=agency.pk).trusted
        assert (now != was) is allowed, user
    assert Client().get(url).status_code == 302  # to the login


def _edit_and_publish(client, offer, title: str):
    url = reverse("wagtailadmin_pages:edit", args=[offer.pk])
    data = form_data(client, url) | {
        "title_de": [title],
        "action-publish": ["action-publish"],
    }
    return client.post(url, data)


def test_trusted_agencys_editors_publish_directly(coordinator, agency):
    editor = _user("redaktion", group=agency_editors_group_ensure(agency=agency))
    offer = published_offer(agency, texts={"title": {"de": "Sprachcafé"}})
    client = signed_in(editor)

    _edit_and_publish(client, offer, "Sprachcafé neu")
    offer.refresh_from_db()
    assert offer.title_de == "Sprachcafé"  # not published: the editor may not

    signed_in(coordinator).post(
        reverse("directory_agency_editors", args=[agency.pk]), {"action": "trust"}
    )
    agency.refresh_from_db()
    assert agency.trusted
    _edit_and_publish(client, offer, "Sprachcafé neu")
    offer = OfferPage.objects.get(pk=offer.pk)
    assert offer.title_de == "Sprachcafé neu"
    assert PageLogEntry.objects.filter(
        page=agency, action="directory.agency_trusted"
    ).exists()

    signed_in(coordinator).post(
        reverse("directory_agency_editors", args=[agency.pk]), {"action": "distrust"}
    )
    _edit_and_publish(client, offer, "Sprachcafé ganz neu")
    offer = OfferPage.objects.get(pk=offer.pk)
    assert offer.title_de == "Sprachcafé neu"


def test_editors_cannot_make_their_agency_trusted(agency):
    editor = _user("redaktion", group=agency_editors_group_ensure(agency=agency))
    client = signed_in(editor)
    url = reverse("wagtailadmin_pages:edit", args=[agency.pk])
    data = form_data(client, url) | {"trusted": ["on"]}
    client.post(url, data)
    agency.refresh_from_db()
    assert not agency.trusted


def test_a_renamed_agency_keeps_its_group(coordinator, agency):
    group = agency_editors_group_ensure(agency=agency)
    agency.slug = "caritas-neu"
    agency.save()
    assert agency_editors_group(agency=agency) == group
    assert agency_editors_group_ensure(agency=agency) == group
