"""Shared fixtures: a site tree (home page as the default site's root) and helpers."""

import pytest
from django.utils import translation
from wagtail.models import Locale, Page, Site

from tests.factories import AgencyPageFactory, HomePageFactory


def _root_page() -> Page:
    # Transactional tests (live server) flush the tables, including Wagtail's root page.
    Locale.objects.get_or_create(language_code="de")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(title="Root", slug="root")
    return root


@pytest.fixture(autouse=True)
def german_by_default():
    """Requests leave their language active on the thread; start each test in German."""
    translation.activate("de")
    yield
    translation.activate("de")


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
