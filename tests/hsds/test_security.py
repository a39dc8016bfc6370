"""HSDS import and API hardening: hostile HTML is cleaned on the way in and out,
odd files get a message and never a server error, uploads do not stay behind, the
import is its own permission and goes through the approval workflow, and staff
addresses stay out of public output.
"""

import csv
import importlib
import io
import json
import os
import time
import zipfile
from datetime import date

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from wagtail.models import WorkflowState

from directory.models import OfferPage
from directory.sanitise import plain_text_clean, rich_text_clean
from directory.services import (
    COORDINATORS_GROUP,
    agency_editors_group_ensure,
    coordinators_group_ensure,
)
from hsds import uploads
from hsds.importer import Importer
from hsds.reading import bundle_from_bytes
from hsds.schemas import EXAMPLES_DIR, problems
from hsds.writer import Writer
from tests.factories import published_offer

URL = "/admin/hsds-import/"
API = "/api/hsds"
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"

HOSTILE = (
    "<p>Beratung für Familien, <b>wichtig</b>: "
    '<a href="https://example.org/info">Infos</a> '
    '<a href="mailto:rat@example.org">Mail</a></p>'
    "<script>alert('xss-script')</script>"
    '<img src="x" onerror="alert(\'xss-img\')">'
    '<p onclick="alert(\'xss-click\')" style="background:url(xss-css)">Klick</p>'
    "<a href=\"javascript:alert('xss-js')\">Link</a>"
    "<a href=\"JaVaScRiPt:alert('xss-js2')\">Link2</a>"
    "<svg><script>alert('xss-svg')</script><circle onload=\"alert('xss-svg2')\"/>"
    "</svg>"
    "<style>body{background:url(xss-style)}</style>"
    '<a href="data:text/html;base64,eHNzLWRhdGE=">Daten</a>'
    '<iframe src="https://evil.example/xss-frame"></iframe>'
)
# What must not survive anywhere (case-insensitive).
POISON = (
    "xss-",
    "<script",
    "onerror",
    "onclick",
    "onload",
    "javascript:",
    "<svg",
    "<style",
    "style=",
    "data:text",
    "<iframe",
    "evil.example",
)
HARMLESS = (
    "Beratung für Familien",
    "<b>wichtig</b>",
    'href="https://example.org/info"',
    'href="mailto:rat@example.org"',
    "Klick",
)


def assert_clean(text: str) -> None:
    lowered = text.lower()
    assert [poison for poison in POISON if poison in lowered] == []


def service(**fields) -> dict:
    document = json.loads((EXAMPLES_DIR / "service_full.json").read_text())
    # The example was confirmed in 2005: the public site would hide it as stale.
    document["assured_date"] = date.today().isoformat()
    document.update(fields)
    return document


def upload(name: str, data: bytes, content_type="application/json"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def run_command(path, *options) -> str:
    out = io.StringIO()
    call_command("import_hsds", str(path), *options, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def run_command_json(folder, documents, *options) -> str:
    path = folder / "import.json"
    path.write_text(json.dumps(documents), encoding="utf-8")
    return run_command(path, *options)


@pytest.fixture
def upload_dir(tmp_path, monkeypatch):
    """Uploads in a folder of this test's own (tests run in parallel)."""
    folder = tmp_path / "hsds-imports"
    monkeypatch.setattr(uploads, "UPLOADS", folder)
    return folder


@pytest.fixture
def coordinator(home, client, upload_dir):
    user = get_user_model().objects.create_user("koordination", password="x")
    user.groups.add(coordinators_group_ensure(home=home))
    client.force_login(user)
    return user


def public_page(client, offer) -> str:
    with translation.override("de"):
        url = offer.url
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def description_section(page_html: str) -> str:
    start = page_html.index('<div class="richtext"')
    return page_html[start : page_html.index("</section>", start)]


# --- 1. hostile HTML ------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "kept"),
    [
        ("<script>alert(1)</script>Text", "Text"),
        ('<img src=x onerror="alert(1)">Bild', "Bild"),
        ('<b onclick="alert(1)">fett</b>', "<b>fett</b>"),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href=" javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="data:text/html,alert(1)">x</a>', "<a>x</a>"),
        ('<a href="/admin/">x</a>', "<a>x</a>"),
        ("<svg><script>alert(1)</script><text>t</text></svg>ok", "ok"),
        ("<math><mtext>alert(1)</mtext></math>ok", "ok"),
        ('<p style="color:red">rot</p>', "<p>rot</p>"),
        ("<style>p{color:red}</style>ok", "ok"),
        ("<strong>S</strong> <em>E</em>", "<b>S</b> <i>E</i>"),
        (
            "<h1>Titel</h1><ul><li>eins</li></ul>",
            "<h3>Titel</h3><ul><li>eins</li></ul>",
        ),
        ('<a href="tel:+49821123">Tel</a>', '<a href="tel:+49821123">Tel</a>'),
        ("<!-- alert(1) -->ok", "ok"),
    ],
)
def test_rich_text_keeps_only_what_the_editor_allows(payload, kept):
    assert rich_text_clean(payload) == kept


def test_plain_text_loses_markup_but_not_text_that_looks_like_it():
    assert plain_text_clean("Kinder <6 Jahre & Eltern") == "Kinder <6 Jahre & Eltern"
    assert plain_text_clean("<b>Kurs</b><script>alert(1)</script>") == "Kurs"
    assert "<script" not in plain_text_clean(
        "&lt;script&gt;alert(1)&lt;/script&gt;<b>x</b>"
    )


def test_hostile_json_import_is_clean_on_the_page_and_in_the_api(
    home, client, tmp_path
):
    document = service(
        description=HOSTILE,
        name="Kurs <script>alert('xss-name')</script>",
        assurer_email="pruefer@amt.example",
    )
    run_command_json(tmp_path, [document])
    offer = OfferPage.objects.get(hsds_id=SERVICE_ID)

    assert_clean(offer.description)
    for harmless in HARMLESS:
        assert harmless in offer.description
    assert offer.title == "Kurs"
    section = description_section(public_page(client, offer))
    assert_clean(section)
    assert "<b>wichtig</b>" in section and "https://example.org/info" in section
    api = client.get(f"{API}/services/{SERVICE_ID}").content.decode()
    assert_clean(api)
    assert "wichtig" in api


def test_hostile_csv_import_is_clean(home, small_package):
    folder = small_package.folder
    path = folder / "services.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "organization_id", "name", "description", "status"])
        writer.writerow(
            [small_package.good, small_package.organization, "Kurs", HOSTILE, "active"]
        )

    run_command(folder)

    offer = OfferPage.objects.get(hsds_id=small_package.good)
    assert_clean(offer.description)
    assert "<b>wichtig</b>" in offer.description


def test_stored_hostile_text_is_cleaned_when_shown_and_published(agency, client):
    # Text saved before imports were cleaned (or by any other way around the editor).
    offer = published_offer(
        agency, texts={"title": {"de": "Altes Angebot"}, "description": {"de": HOSTILE}}
    )
    assert "<script>" in OfferPage.objects.get(pk=offer.pk).description_de

    section = description_section(public_page(client, offer))
    api = client.get(f"{API}/services/{offer.hsds_id}").content.decode()

    for text in (section, api):
        assert_clean(text)
        assert "wichtig" in text and "https://example.org/info" in text


# --- 2. odd input: a message, never a server error -------------------------------


def deep_json(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def long_cell_package(small_package) -> None:
    path = small_package.folder / "services.csv"
    path.write_text(
        "id,organization_id,name,description,status\n"
        f'{small_package.good},{small_package.organization},Kurs,"{"x" * 140_000}",'
        "active\n",
        encoding="utf-8",
    )


def zipped(tmp_path, entries: dict[str, bytes]) -> bytes:
    archive = tmp_path / "upload.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for name, data in entries.items():
            handle.writestr(zipfile.ZipInfo(name), data)
    return archive.read_bytes()


def package_entries(small_package, prefix="") -> dict[str, bytes]:
    return {
        f"{prefix}{path.name}": path.read_bytes()
        for path in small_package.folder.iterdir()
    }


@pytest.mark.parametrize(
    ("levels", "message"),
    [(100_000, "nested too deeply"), (200, "nested more than")],
)
def test_deeply_nested_json_is_a_message(
    coordinator, client, upload_dir, tmp_path, levels, message
):
    response = client.post(
        URL, {"file": upload("deep.json", deep_json(levels)), "language": "de"}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(upload_dir.iterdir()) == []
    path = tmp_path / "deep.json"
    path.write_bytes(deep_json(levels))
    with pytest.raises(CommandError, match=message):
        run_command(path)


def test_a_csv_cell_over_the_limit_is_a_message(
    coordinator, client, upload_dir, tmp_path, small_package
):
    long_cell_package(small_package)

    response = client.post(
        URL,
        {
            "file": upload("p.zip", zipped(tmp_path, package_entries(small_package))),
            "language": "de",
        },
    )

    assert response.status_code == 400
    assert "services.csv line" in response.content.decode()
    assert "longer than 131,072 characters" in response.content.decode()
    assert list(upload_dir.iterdir()) == []
    with pytest.raises(CommandError, match="longer than 131,072 characters"):
        run_command(small_package.folder)


@pytest.mark.parametrize(
    "odd", ["..", "../x", "../services.csv", "/etc/passwd.csv", "sub/../../a.csv"]
)
def test_odd_zip_entry_names_are_ignored(
    coordinator, client, upload_dir, tmp_path, small_package, odd
):
    entries = {odd: b"id\n", **package_entries(small_package, prefix="package/")}

    response = client.post(
        URL, {"file": upload("p.zip", zipped(tmp_path, entries)), "language": "de"}
    )

    assert response.status_code == 200
    assert response.context["counts"]["created"] == 2
    assert not (tmp_path.parent / "x").exists()


def test_a_zip_with_only_odd_entries_is_a_message(
    coordinator, client, upload_dir, tmp_path
):
    entries = {"..": b"x", "../../evil.csv": b"id\n1\n"}

    response = client.post(
        URL, {"file": upload("p.zip", zipped(tmp_path, entries)), "language": "de"}
    )

    assert response.status_code == 400
    assert "no CSV files" in response.content.decode()
    assert list(upload_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04broken", "not valid JSON"),
        (b'"just a string"', "expected HSDS objects"),
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b"[NaN]", "not valid JSON"),
    ],
)
def test_other_unreadable_files_are_messages(
    coordinator, client, upload_dir, data, message
):
    response = client.post(URL, {"file": upload("f.json", data), "language": "de"})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(upload_dir.iterdir()) == []


@pytest.mark.parametrize(
    "data", [b'{"services.csv": [1, {"name": "no id"}]}', b"id,name\n,Kurs\n"]
)
def test_table_rows_without_id_are_skipped_records(
    coordinator, client, upload_dir, tmp_path, data
):
    if data.startswith(b"id"):
        entries = {"services.csv": data, "organizations.csv": b"id,name\n"}
        data = zipped(tmp_path, entries)

    response = client.post(URL, {"file": upload("f", data), "language": "de"})

    assert response.status_code == 200
    assert "no id; skipped" in response.content.decode()


def test_a_crash_deletes_the_upload_and_is_not_reported_as_skipped_records(
    coordinator, client, upload_dir, monkeypatch
):
    def broken(self, *args, **kwargs):
        raise TypeError("a bug of ours")

    monkeypatch.setattr(Writer, "_offer", broken)
    example = (EXAMPLES_DIR / "service_full.json").read_bytes()

    with pytest.raises(TypeError, match="a bug of ours"):
        client.post(URL, {"file": upload("s.json", example), "language": "de"})
    assert list(upload_dir.iterdir()) == []
    with pytest.raises(TypeError, match="a bug of ours"):
        Importer().run(bundle_from_bytes(example, name="s.json"))


def test_abandoned_previews_are_deleted_after_the_set_time(
    coordinator, client, upload_dir, settings
):
    example = (EXAMPLES_DIR / "service_full.json").read_bytes()
    client.post(URL, {"file": upload("s.json", example), "language": "de"})
    client.post(URL, {"file": upload("s.json", example), "language": "de"})
    old, fresh = sorted(upload_dir.iterdir())
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    settings.HSDS_IMPORT_UPLOAD_HOURS = 24

    call_command("hsds_cleanup", stdout=io.StringIO())

    assert list(upload_dir.iterdir()) == [fresh]
    token = old.name
    response = client.post(
        URL,
        {"action": "import", "token": token, "file_name": "s.json", "language": "de"},
    )
    assert response.status_code == 400
    assert "Datei ist abgelaufen" in response.content.decode()
    assert not OfferPage.objects.exists()


# --- 3. the import's own permission and the workflow ------------------------------


def test_the_import_needs_its_own_permission(home, client, upload_dir):
    coordinators_group_ensure(home=home)
    user = get_user_model().objects.create_user("taxonomie", password="x")
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="add_topic"),
    )
    client.force_login(user)
    assert client.get(URL).status_code in (302, 403)

    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="directory", codename="import_hsds"
        )
    )
    user = get_user_model().objects.get(pk=user.pk)  # no cached permissions
    client.force_login(user)
    assert client.get(URL).status_code == 200


def test_the_migration_grants_the_permission_to_existing_coordinators(home):
    group = coordinators_group_ensure(home=home)
    group.permissions.remove(Permission.objects.get(codename="import_hsds"))
    migration = importlib.import_module(
        "directory.migrations.0003_import_hsds_permission"
    )

    migration.grant(django_apps, None)

    assert (
        Group.objects.get(name=COORDINATORS_GROUP)
        .permissions.filter(codename="import_hsds")
        .exists()
    )


def confirm(client, preview, **extra):
    initial = preview.context["confirm_form"].initial
    data = {
        "action": "import",
        "token": initial["token"],
        "file_name": initial["file_name"],
        "language": "de",
        **extra,
    }
    return client.post(URL, data)


def test_admin_import_goes_to_the_workflow_unless_published_directly(
    coordinator, client
):
    example = (EXAMPLES_DIR / "service_full.json").read_bytes()
    preview = client.post(URL, {"file": upload("s.json", example), "language": "de"})

    confirm(client, preview)

    offer = OfferPage.objects.get(hsds_id=SERVICE_ID)
    assert not offer.live and offer.has_unpublished_changes
    state = WorkflowState.objects.get(object_id=str(offer.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.requested_by == coordinator
    assert client.get(f"{API}/services/{SERVICE_ID}").status_code == 404
    # The same file again: nothing new, nothing changed.
    again = client.post(URL, {"file": upload("s.json", example), "language": "de"})
    assert again.context["counts"]["created"] == 0
    assert again.context["counts"]["updated"] == 0

    # The new organization and place wait too; each approval publishes one page.
    waiting = WorkflowState.objects.filter(status=WorkflowState.STATUS_IN_PROGRESS)
    assert waiting.count() == 3
    for state in waiting:
        state.current_task_state.approve(user=coordinator)

    offer.refresh_from_db()
    assert offer.live
    assert client.get(f"{API}/services/{SERVICE_ID}").status_code == 200


def test_a_changed_record_waits_for_approval_and_the_live_page_stays(
    coordinator, client, tmp_path
):
    run_command_json(tmp_path, [service(description="Alter Text")])
    changed = json.dumps([service(description="Neuer Text")]).encode()
    preview = client.post(URL, {"file": upload("s.json", changed), "language": "de"})

    confirm(client, preview)

    offer = OfferPage.objects.get(hsds_id=SERVICE_ID)
    assert offer.live and "Alter Text" in offer.description
    assert "Neuer Text" in offer.get_latest_revision_as_object().description
    assert "Alter Text" in public_page(client, offer)
    WorkflowState.objects.get(object_id=str(offer.pk)).current_task_state.approve(
        user=coordinator
    )
    assert "Neuer Text" in public_page(client, OfferPage.objects.get(pk=offer.pk))


def test_publish_directly_in_the_admin(coordinator, client):
    example = (EXAMPLES_DIR / "service_full.json").read_bytes()
    preview = client.post(
        URL, {"file": upload("s.json", example), "language": "de", "publish": "on"}
    )
    assert preview.context["confirm_form"].initial["publish"] is True

    confirm(client, preview, publish="True")

    offer = OfferPage.objects.get(hsds_id=SERVICE_ID)
    assert offer.live
    assert not WorkflowState.objects.filter(object_id=str(offer.pk)).exists()


def test_only_who_may_publish_may_publish_directly(home, agency, client, upload_dir):
    coordinators_group_ensure(home=home)
    editor = get_user_model().objects.create_user("redaktion", password="x")
    editor.groups.add(agency_editors_group_ensure(agency=agency))
    editor.user_permissions.add(Permission.objects.get(codename="import_hsds"))
    client.force_login(editor)
    example = (EXAMPLES_DIR / "service_full.json").read_bytes()

    response = client.post(
        URL, {"file": upload("s.json", example), "language": "de", "publish": "on"}
    )

    assert response.status_code == 400
    assert "Du darfst nicht veröffentlichen" in response.content.decode()


def test_the_command_publishes_by_default_and_drafts_with_no_publish(home, tmp_path):
    run_command_json(tmp_path, [service()], "--no-publish")
    offer = OfferPage.objects.get(hsds_id=SERVICE_ID)
    assert not offer.live
    assert WorkflowState.objects.filter(object_id=str(offer.pk)).exists()
    again = run_command_json(tmp_path, [service()], "--no-publish")
    assert "0 created, 0 updated" in again

    run_command_json(tmp_path, [service()])

    offer.refresh_from_db()
    assert offer.live
    assert not WorkflowState.objects.filter(
        object_id=str(offer.pk), status=WorkflowState.STATUS_IN_PROGRESS
    ).exists()


# --- 4. no staff addresses in public output ---------------------------------------


def test_assurer_email_stays_out_of_the_api_and_export_unless_allowed(
    home, client, settings, tmp_path
):
    run_command_json(tmp_path, [service(assurer_email="pruefer@amt.example")])
    assert OfferPage.objects.get(hsds_id=SERVICE_ID).assurer_email

    api = client.get(f"{API}/services/{SERVICE_ID}").json()
    listed = client.get(f"{API}/services/?full_service=true").content.decode()
    call_command("export_hsds", str(tmp_path / "de.json"), stdout=io.StringIO())
    exported = json.loads((tmp_path / "de.json").read_text(encoding="utf-8"))
    call_command(
        "export_hsds",
        str(tmp_path / "tabular"),
        "--format",
        "tabular",
        stdout=io.StringIO(),
    )
    tabular = "".join(p.read_text() for p in (tmp_path / "tabular").iterdir())

    assert "assurer_email" not in api and "pruefer@amt.example" not in listed
    assert "assurer_email" not in exported[0]
    assert "pruefer@amt.example" not in tabular
    assert problems(api, "service") == []

    settings.HSDS_PUBLISH_ASSURER_EMAIL = True
    assert client.get(f"{API}/services/{SERVICE_ID}").json()["assurer_email"] == (
        "pruefer@amt.example"
    )


# --- generated input: a bad record is skipped, never an error ----------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=6,
)


def leaf_paths(document, path=()):
    """Every place in ``document`` a value can be replaced."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield (*path, key)
            yield from leaf_paths(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield (*path, index)
            yield from leaf_paths(value, (*path, index))


def replaced(document, path, value):
    copy = json.loads(json.dumps(document))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


SERVICE = service()
PATHS = list(leaf_paths(SERVICE))


@hypothesis_settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    changes=st.lists(
        st.tuples(st.sampled_from(PATHS), JSON_VALUES), min_size=1, max_size=3
    )
)
def test_any_changed_service_is_imported_or_skipped_never_an_error(home, changes):
    document = SERVICE
    for path, value in changes:
        try:
            document = replaced(document, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed the place
    data = json.dumps([document]).encode()

    report = Importer().run(bundle_from_bytes(data, name="f.json"), dry_run=True)

    assert len(report.results) + len(report.problems) >= 1
