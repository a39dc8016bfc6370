"""Coordinators import HSDS in the admin: a dry-run preview first, then the import."""

import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from directory.models import AgencyPage, OfferPage
from directory.services import agency_editors_group_ensure, coordinators_group_ensure
from hsds.admin_views import UPLOADS
from hsds.schemas import EXAMPLES_DIR

URL = "/admin/hsds-import/"


@pytest.fixture
def coordinator(home, client):
    user = get_user_model().objects.create_user("koordination", password="x")
    user.groups.add(coordinators_group_ensure(home=home))
    client.force_login(user)
    return user


def upload(name: str, data: bytes):
    return SimpleUploadedFile(name, data, content_type="application/json")


def test_preview_saves_nothing_then_import_saves(coordinator, client):
    example = (EXAMPLES_DIR / "service_full.json").read_bytes()

    preview = client.post(
        URL,
        {"file": upload("service_full.json", example), "language": "de"},
    )

    assert preview.status_code == 200
    body = preview.content.decode()
    assert "Community Counselling" in body
    assert "not valid coordinates" in body  # the example's latitude 100, noted
    assert not OfferPage.objects.exists()
    token = preview.context["confirm_form"].initial["token"]
    assert (UPLOADS / token).exists()

    done = client.post(
        URL,
        {
            "action": "import",
            "token": token,
            "file_name": "service_full.json",
            "language": "de",
        },
    )

    assert done.status_code == 200
    assert done.context["imported"] is True
    # Not ticked "publish directly": a draft waiting in the approval workflow.
    offer = OfferPage.objects.get(title="Community Counselling")
    assert not offer.live and offer.workflow_in_progress
    assert not (UPLOADS / token).exists()


def test_broken_file_gets_a_message_not_an_error_page(coordinator, client):
    response = client.post(
        URL, {"file": upload("broken.json", b'{"id": '), "language": "de"}
    )

    assert response.status_code == 400
    assert "not valid JSON" in response.content.decode()
    assert not AgencyPage.objects.exists()


def test_missing_file_and_forged_token_are_form_errors(coordinator, client):
    assert client.post(URL, {"language": "de"}).status_code == 400
    response = client.post(
        URL, {"action": "import", "token": "../../etc/passwd", "language": "de"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("name", ["..", ".", "a/..", "", "\\"])
def test_a_file_name_that_cannot_be_stored_is_a_form_error(coordinator, client, name):
    # A hand-made client may send names no browser sends; the test client refuses them,
    # so the body is built here.
    boundary = "grenze"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="language"\r\n\r\nde\r\n'
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/json\r\n\r\n"
        "{}\r\n"
        f"--{boundary}--\r\n"
    ).encode()

    response = client.generic(
        "POST", URL, body, content_type=f"multipart/form-data; boundary={boundary}"
    )

    assert response.status_code == 400
    assert "file" in response.context["form"].errors


def test_agency_editors_cannot_import(home, agency, client):
    editor = get_user_model().objects.create_user("redaktion", password="x")
    editor.groups.add(agency_editors_group_ensure(agency=agency))
    client.force_login(editor)

    response = client.get(URL)

    assert response.status_code in (302, 403)
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "hsds-import" not in menu


def test_coordinators_find_it_in_the_settings_menu(coordinator, client):
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert URL in page
    assert client.get(URL).status_code == 200


def test_large_uploads_are_sent_to_the_command(coordinator, client, settings):
    settings.HSDS_ADMIN_IMPORT_MAX_BYTES = 1000
    example = (EXAMPLES_DIR / "service_full.json").read_bytes()

    response = client.post(
        URL, {"file": upload("service_full.json", example), "language": "de"}
    )

    assert response.status_code == 400
    assert "import_hsds" in response.content.decode()
    assert not OfferPage.objects.exists()


def test_a_zipped_tabular_package_is_previewed_and_imported(
    coordinator, client, tmp_path, small_package
):
    folder = small_package.folder
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in folder.iterdir():
            handle.write(path, arcname=f"package/{path.name}")
    data = archive.read_bytes()

    preview = client.post(URL, {"file": upload("package.zip", data), "language": "de"})

    assert preview.status_code == 200
    # Two services (their organization comes with them); two rows refused.
    assert preview.context["counts"]["created"] == 2
    assert preview.context["counts"]["skipped"] == 2
    assert "not UTF-8" in preview.content.decode()
    token = preview.context["confirm_form"].initial["token"]
    client.post(
        URL,
        {
            "action": "import",
            "token": token,
            "file_name": "package.zip",
            "language": "de",
        },
    )
    imported = {str(i) for i in OfferPage.objects.values_list("hsds_id", flat=True)}
    assert imported == {small_package.good, small_package.multiline}
