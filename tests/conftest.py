"""Shared fixtures: a site tree (home page as the default site's root) and helpers."""

import uuid

import pytest
from django.db.models.signals import post_migrate
from django.utils import translation
from wagtail.models import Collection, Locale, Page, Site

from tests.factories import AgencyPageFactory, HomePageFactory


def _root_page() -> Page:
    # Transactional tests (live server) flush the tables, including Wagtail's root page
    # and root collection (which migrations made).
    Locale.objects.get_or_create(language_code="de")
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(title="Root", slug="root")
    return root


def _roots_after_flush(sender, app_config, **kwargs) -> None:
    """A transactional test's flush ends with post_migrate: give the next tests the
    rows migrations made (whichever tests a process runs next, e.g. seed_demo's).
    """
    if app_config.label == "wagtailcore":
        _root_page()


post_migrate.connect(_roots_after_flush, dispatch_uid="tests-wagtail-roots")


@pytest.fixture(autouse=True)
def german_by_default():
    """Requests leave their language active on the thread; start each test in German."""
    translation.activate("de")
    yield
    translation.activate("de")


@pytest.fixture(autouse=True)
def empty_cache():
    """Cached labels and synonyms must not leak from one test's data into the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def api_unthrottled(settings):
    """The suite asks the APIs from one address far more often than a reader would;
    tests/api/test_throttling.py sets a rate of its own.
    """
    settings.API_THROTTLE_RATE = ""


def make_home(*, port: int = 80):
    """Replace whatever the root holds by a fresh home page serving the default site."""
    root = _root_page()
    for child in root.get_children():
        Site.objects.filter(root_page=child).delete()
        child.delete()
    home = HomePageFactory(parent=root)
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": port, "root_page": home},
    )
    return home


@pytest.fixture
def home(db):
    return make_home()


@pytest.fixture
def agency(home):
    return AgencyPageFactory(
        parent=home, title="Caritas Auental", title_de="Caritas Auental"
    )


# --- the local search engine: one server per session, one index prefix per test


@pytest.fixture(scope="session")
def search_engine():
    from search.local_engine import LocalEngine

    server = LocalEngine().start()
    yield server
    server.stop()


def _reset_engine_state() -> None:
    from search import engine
    from search.labels import labels_forget, synonyms_forget

    engine._client.cache_clear()
    engine.breaker.succeeded()
    labels_forget()
    synonyms_forget()


@pytest.fixture
def search_settings(settings, search_engine):
    """Point the app at the test engine with a fresh index name; clean up afterwards."""
    settings.SEARCH_URL = search_engine.url
    settings.SEARCH_INDEX_PREFIX = f"test-{uuid.uuid4().hex[:10]}"
    _reset_engine_state()
    yield settings
    from search import engine

    client = engine.client()
    for name in client.indices.get(index=f"{settings.SEARCH_INDEX_PREFIX}-*"):
        client.indices.delete(index=name)
    _reset_engine_state()
