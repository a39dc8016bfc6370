"""Hypothesis over every public form and the admin HSDS import, through Django's test
client over the demo region (search engine off): whatever is typed, pasted or
forged, no 500, and what a reader entered comes back to them.

Inputs mix real values (slugs of the demo region, language codes) with text in
every script, right-to-left marks, NUL and other control characters, bytes that are
not UTF-8 (lone surrogates sent as their raw bytes) and very long strings; fields are
repeated, left out or unknown. The test client re-raises a view's exception, so a
crash fails with its own traceback and the falsifying example.

Budget and reproducibility as in ``test_api_schemathesis``: ``FUZZ_EXAMPLES=1000``
runs ten times the inputs, ``FUZZ_RANDOM=1`` draws new ones.
"""

import io
import json
import os
import time
import warnings
import zipfile
from contextlib import contextmanager
from html import escape
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from demo import places
from newsletter import tokens
from newsletter.models import Subscriber
from search.forms import clean_query
from search.views import KEPT_PARAMETERS
from tests.fuzz.conftest import budget
from tests.fuzz.tally import sent

TOPICS = [item["slug"] for item in places.TOPICS]
DISTRICTS = [item["slug"] for item in places.DISTRICTS]
GROUPS = [item["slug"] for item in places.TARGET_GROUPS]
STATUSES = [item["slug"] for item in places.RESIDENCE_STATUSES]
LANGUAGES = [code for code, _name in django_settings.LANGUAGES]
SLUGS = TOPICS + DISTRICTS + GROUPS + STATUSES + LANGUAGES

ODD = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202e\u0627\u0644\u0644\u063a\u0629",  # right-to-left override + Arabic
    "\u200f\u200e\u2066\u2069",  # RTL/LTR marks and isolates
    "دورة لغة ألمانية",
    "Юридична консультація",
    "\ufeff",
    "\ud800",  # a lone surrogate: sent as its raw (invalid UTF-8) bytes
    "\udfff\ud83d",
    "😀" * 50,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "1e309",
    "-1",
    "0",
    "nan",
    "true",
    "on",
    "yes",
    "9" * 40,
    "x" * 5000,
    "ع" * 3000,
]
TEXT = st.one_of(
    st.sampled_from(SLUGS),
    st.sampled_from(ODD),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=80),
    st.text(st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=10),
    st.builds(lambda text, times: text * times, st.text(max_size=3), st.just(3000)),
)
NUMBER = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


def pairs(names: list[str], values=TEXT, *, max_size: int = 8):
    """Form fields as sent: some of ``names`` (and an unknown one), repeated or not."""
    return st.lists(
        st.tuples(st.sampled_from([*names, "unknown"]), values), max_size=max_size
    )


def encoded(fields) -> str:
    """A query string or form body; lone surrogates become their raw bytes."""
    return urlencode(fields, encoding="utf-8", errors="surrogatepass")


def as_received(value: str) -> str:
    """What Django reads back from ``value`` once sent (bad bytes replaced)."""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def last(fields, name: str) -> str | None:
    values = [value for key, value in fields if key == name]
    return values[-1] if values else None


@contextmanager
def rolled_back():
    """One example's writes (and a failed statement) do not reach the next one."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def get(client, url: str, fields, label: str):
    started = time.monotonic()
    with rolled_back():
        response = client.get(f"{url}?{encoded(fields)}" if fields else url)
    sent(label, time.monotonic() - started)
    return response


def post(client, url: str, fields, label: str):
    started = time.monotonic()
    with rolled_back():
        response = client.post(
            url, encoded(fields), content_type="application/x-www-form-urlencoded"
        )
    sent(label, time.monotonic() - started)
    return response


@pytest.fixture
def engine_off(settings):
    settings.SEARCH_URL = ""


# --- search page ---------------------------------------------------------------------

# Every parameter the search page reads, plus its language and page.
SEARCH_FIELDS = ["lang", "page", *KEPT_PARAMETERS]


@budget(200)
@given(fields=pairs(SEARCH_FIELDS, TEXT | NUMBER))
def test_search_page_answers_and_keeps_the_query(
    seeded, db, engine_off, client, fields
):
    response = get(client, "/de/search/", fields, "search page")

    assert response.status_code == 200
    query = last(fields, "q")
    if query is not None:
        kept = clean_query(as_received(query))
        assert escape(kept) in response.content.decode()


# --- "Who is responsible?" finder ---------------------------------------------------

FINDER_FIELDS = ["step", "change", "topic", "status", "group", "district", "postcode"]
FINDER_VALUES = st.one_of(
    TEXT,
    st.sampled_from(["topic", "situation", "place", "", "any"]),
    st.integers(0, 99999).map(lambda n: f"{n:05d}"),
)


@budget(200)
@given(fields=pairs(FINDER_FIELDS, FINDER_VALUES, max_size=10))
def test_finder_steps_answer_whatever_the_query(seeded, db, client, fields):
    response = get(client, "/de/who-is-responsible/", fields, "finder page")

    assert response.status_code == 200


@budget(100)
@given(fields=pairs([*FINDER_FIELDS, "lang"], FINDER_VALUES, max_size=10))
def test_finder_api_answers_json_or_names_the_problem(seeded, db, client, fields):
    response = get(client, "/api/finder/", fields, "finder API")

    assert response.status_code in (200, 400)
    body = response.json()
    assert ("answers" in body) if response.status_code == 200 else body["errors"]


# --- topic listings -----------------------------------------------------------------


@budget(120)
@given(
    slug=st.sampled_from([*TOPICS, "unbekannt", "a" * 300]),
    fields=pairs(["district", "page"], TEXT | NUMBER, max_size=4),
)
def test_topic_listing_pages_and_places(seeded, db, client, slug, fields):
    response = get(client, f"/de/topics/{slug}/", fields, "topic listing")

    assert response.status_code == (200 if slug in TOPICS else 404)


# --- newsletter ---------------------------------------------------------------------

SIGNUP_FIELDS = [
    "email",
    "languages",
    "topics",
    "districts",
    "consent",
    "website",
    "source",
]
EMAILS = st.one_of(
    st.emails(),
    TEXT,
    st.builds(lambda name: f"{name}@example.org", TEXT),
)


@budget(200)
@given(
    email=st.none() | EMAILS,
    fields=pairs(SIGNUP_FIELDS, TEXT | st.sampled_from(["on", "footer", "page"])),
)
def test_newsletter_signup_never_fails_and_keeps_what_was_typed(
    seeded, db, settings, client, email, fields
):
    settings.NEWSLETTER_SIGNUPS_PER_IP = 10**6
    fields = [*fields, ("email", email)] if email is not None else fields
    response = post(client, "/de/newsletter/", fields, "newsletter sign-up")

    assert response.status_code in (200, 303, 400)
    typed = last(fields, "email")
    if response.status_code == 200 and typed and len(encoded(fields)) < 20_000:
        # The form comes back with its errors and the address as it was typed.
        assert response.context["form"].errors
        shown = response.context["form"]["email"].value()
        assert shown == as_received(typed)
        assert escape(shown) in response.content.decode()


TOKEN_PAGES = [
    "/de/newsletter/confirm/{}/",
    "/de/newsletter/preferences/{}/",
    "/newsletter/unsubscribe/{}/",
]
TOKENS = st.one_of(
    TEXT.filter(bool),
    st.binary(min_size=1, max_size=60).map(lambda data: data.hex()),
    st.just("eyJhbGciOiJub25lIn0:1abc:xyz"),
)


@budget(150)
@given(
    page=st.sampled_from(TOKEN_PAGES),
    token=TOKENS,
    method=st.sampled_from(["get", "post"]),
    fields=pairs(["action", "List-Unsubscribe", "languages"], TEXT, max_size=4),
)
def test_newsletter_links_with_garbage_tokens_say_not_valid(
    seeded, db, client, page, token, method, fields
):
    url = page.format(quote(token.encode("utf-8", "surrogatepass"), safe=""))
    send = post if method == "post" else get
    response = send(client, url, fields, "newsletter token links")

    assert response.status_code in (404, 410)


PREFERENCE_FIELDS = [
    "action",
    "languages",
    "topics",
    "districts",
    "paused",
    "erase_confirm",
]
ACTIONS = st.sampled_from(["save", "export", "erase", "unsubscribe", "", "x"])


@budget(100)
@given(
    action=ACTIONS,
    state=st.sampled_from(Subscriber.State.values),
    fields=pairs(PREFERENCE_FIELDS, TEXT | ACTIONS | st.just("yes")),
)
def test_preference_centre_takes_any_post(seeded, db, client, action, state, fields):
    with rolled_back():
        subscriber = Subscriber.objects.create(
            email="fuzz@example.org",
            languages=["de"],
            state=state,
            confirmed_at=timezone.now(),
        )
        token = tokens.subscriber_token(subscriber.uuid)
        response = post(
            client,
            f"/de/newsletter/preferences/{token}/",
            [("action", action), *fields],
            "preference centre",
        )

    assert response.status_code in (200, 303, 400)


# --- admin HSDS import --------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | TEXT
    | st.sampled_from(["active", "inactive", "0a1b2c3d-0000-4000-8000-000000000001"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["id", "name", "description", "services", "organization", "contents"]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)
ENTRY_NAMES = st.one_of(
    st.sampled_from(
        [
            "..",
            ".",
            "../services.csv",
            "/etc/passwd.json",
            "a/../../b.json",
            "services.csv",
            "SERVICES.CSV",
            "organizations.csv",
            "datapackage.json",
            "x\x00.csv",
            "ü/..csv",
            ".hidden.csv",
            "dir/",
            "a" * 300 + ".csv",
        ]
    ),
    st.text(min_size=1, max_size=20),
)
CSV_CELLS = st.one_of(
    TEXT,
    st.sampled_from(['"', '""', '"a"b', "\r", "\n", ",", ";", "\t", "=1+1"]),
    st.integers(1, 4).map(lambda n: "x" * (70_000 * n)),  # past csv's field limit
)


def csv_text(rows) -> bytes:
    return "\n".join(",".join(row) for row in rows).encode("utf-8", "surrogatepass")


ORGANIZATION = "5b9e0f4c-1d2a-4e3b-8c7d-6a5f4e3d2c1b"


@st.composite
def zipped(draw) -> bytes:
    """A zip of odd entries, often with a tabular package whose cells are odd."""
    entries = draw(
        st.lists(
            st.tuples(
                ENTRY_NAMES,
                st.binary(max_size=200)
                | JSON_VALUES.map(lambda value: json.dumps(value).encode()),
            ),
            max_size=3,
        )
    )
    if draw(st.booleans()):
        rows = draw(st.lists(st.lists(CSV_CELLS, min_size=1, max_size=5), max_size=3))
        entries += [
            ("organizations.csv", f"id,name\n{ORGANIZATION},Verein\n".encode()),
            (
                draw(st.sampled_from(["services.csv", "x/services.csv"])),
                csv_text(
                    [
                        ["id", "organization_id", "name", "description", "status"],
                        *rows,
                    ]
                ),
            ),
        ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are one of the odd cases
        for name, content in entries:
            archive.writestr(as_received(name), content)
    return buffer.getvalue()


def nested(depth: int, *, kind: str) -> bytes:
    opening, closing = ("[", "]") if kind == "list" else ('{"a":', "}")
    return (opening * depth + "1" + closing * depth).encode()


UPLOADS = st.one_of(
    st.binary(max_size=3000),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.builds(
        nested, st.integers(1, 200_000), kind=st.sampled_from(["list", "object"])
    ),
    zipped(),
)
IMPORT_FIELDS = ["language", "agency", "publish", "token", "file_name", "action"]


@pytest.fixture
def coordinator_client(seeded, db, client, tmp_path, monkeypatch):
    """The demo coordinator, signed in; uploads go to a temporary folder."""
    from hsds import uploads

    monkeypatch.setattr(uploads, "UPLOADS", tmp_path / "hsds-imports")
    client.force_login(get_user_model().objects.get(username="koordination"))
    return client


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# The cases of issue 9, always tried: JSON nested 100,000 arrays deep, a CSV cell over
# 131,072 characters, a zip entry named "..".
@budget(100)
@example(content=nested(100_000, kind="list"), name="deep.json", fields=[])
@example(
    content=_zip(
        {
            "organizations.csv": f"id,name\n{ORGANIZATION},Verein\n".encode(),
            "services.csv": csv_text(
                [["id", "organization_id", "name"], ["1", ORGANIZATION, "x" * 131_073]]
            ),
        }
    ),
    name="package.zip",
    fields=[],
)
@example(content=_zip({"..": b"{}", "../x.json": b"[]"}), name="odd.zip", fields=[])
@given(
    content=UPLOADS,
    name=st.sampled_from(["import.json", "package.zip", "x", "ü .csv"]) | TEXT,
    fields=pairs(
        IMPORT_FIELDS,
        st.sampled_from([*LANGUAGES, "import", "on", "1"]) | TEXT,
        max_size=6,
    ),
)
def test_admin_hsds_import_answers_any_upload(
    coordinator_client, content, name, fields
):
    data = dict(fields)
    data.setdefault("language", "de")
    data = {key: as_received(value) for key, value in data.items()}
    # The test client sends only a name Django can store ("a/.." or "." would be
    # refused before sending); what the server does with such names:
    # tests/hsds/test_admin.py.
    name = os.path.basename(as_received(name))
    upload = SimpleUploadedFile(
        name if name not in {"", ".", ".."} else "upload", content
    )
    started = time.monotonic()

    with rolled_back():
        response = coordinator_client.post(
            "/admin/hsds-import/", {**data, "file": upload}
        )
    elapsed = time.monotonic() - started

    assert response.status_code in (200, 400)
    sent(f"admin HSDS import (answered {response.status_code})", elapsed)
