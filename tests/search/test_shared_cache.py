"""Several app servers share one cache: a coordinator's synonym edit saved through one
server changes search answers on every other server at once, and a publish anywhere
reaches every server's cached pages (issue 14)."""

import re
import subprocess
import sys

import pytest
import requests
from django.contrib.auth import get_user_model
from django.db import connection

from tests.factories import AgencyPageFactory, published_offer
from tests.processes import (
    ROOT,
    free_port,
    group_stop,
    gunicorn_start,
    process_env,
)

TITLE = "Integrationskurs am Abend"


def _titles(base: str) -> list[str]:
    answer = requests.get(
        f"{base}/api/search/", params={"q": "Sprachkurs", "lang": "de"}, timeout=30
    )
    assert answer.status_code == 200
    return [result["title"] for result in answer.json()["results"]]


def _synonym_add_through_admin(base: str, terms: str) -> None:
    session = requests.Session()
    login = session.get(f"{base}/admin/login/", timeout=30)
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
    assert found, login.text
    token = found[1]
    answer = session.post(
        f"{base}/admin/login/",
        data={
            "username": "chef",
            "password": "pw-4-tests!",
            "csrfmiddlewaretoken": token,
        },
        headers={"Referer": f"{base}/admin/login/"},
        timeout=30,
    )
    assert answer.ok and "/admin/login/" not in answer.url
    from django.urls import reverse

    from search.models import Synonym

    viewset = Synonym.snippet_viewset  # type: ignore[attr-defined]  # set by Wagtail
    add = base + reverse(viewset.get_url_name("add"))
    form = session.get(add, timeout=30)
    assert form.status_code == 200
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert found, form.text
    token = found[1]
    answer = session.post(
        add,
        data={"language": "de", "terms": terms, "csrfmiddlewaretoken": token},
        headers={"Referer": form.url},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:500]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("words_only")
def test_a_synonym_saved_on_one_server_applies_on_the_other_at_once(
    indexed, search_settings, tmp_path
):
    get_user_model().objects.create_superuser("chef", "chef@example.org", "pw-4-tests!")
    with connection.cursor() as cursor:  # what an earlier test left in the shared cache
        cursor.execute("DELETE FROM wegweiser_cache")
    env = process_env(
        tmp_path,
        SEARCH_URL=search_settings.SEARCH_URL,
        SEARCH_INDEX_PREFIX=search_settings.SEARCH_INDEX_PREFIX,
        SEARCH_EMBEDDER="",  # words only: a synonym is what brings the title in
    )
    one_port, other_port = free_port(), free_port()
    servers = []
    try:
        servers.append(gunicorn_start(env, port=one_port))
        servers.append(gunicorn_start(env, port=other_port))
        one, other = (f"http://127.0.0.1:{port}" for port in (one_port, other_port))
        # Both have read (and cached) the empty synonym list.
        assert TITLE not in _titles(one)
        assert TITLE not in _titles(other)

        _synonym_add_through_admin(one, "Sprachkurs, Integrationskurs, Deutschkurs")

        assert TITLE in _titles(other)
        assert TITLE in _titles(one)
    finally:
        for server in servers:
            group_stop(server)


@pytest.mark.django_db(transaction=True)
def test_a_publish_in_another_process_shows_on_every_server_at_once(home, tmp_path):
    """Whole pages are cached for readers on each server; a publish anywhere (here a
    command in a third process) reaches every server's next answer."""
    agency = AgencyPageFactory(parent=home, title_de="Caritas Auental")
    offer = published_offer(agency, texts={"title": {"de": "Deutschkurs am Morgen"}})
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM wegweiser_cache")
    env = process_env(tmp_path, PAGE_CACHE_SECONDS="300")
    ports = [free_port(), free_port()]
    servers = []
    try:
        servers = [gunicorn_start(env, port=port) for port in ports]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            requests.get(base + offer.url, timeout=30)
            page = requests.get(base + offer.url, timeout=30)
            assert page.headers["X-Page-Cache"] == "hit"
            assert "Deutschkurs am Morgen" in page.text

        subprocess.run(  # noqa: S603 - our own command line
            [sys.executable, "manage.py", "shell", "-c", PUBLISH.format(pk=offer.pk)],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=120,
        )

        for base in bases:
            page = requests.get(base + offer.url, timeout=30)
            assert page.headers["X-Page-Cache"] == "miss"
            assert "Deutschkurs am Abend" in page.text
    finally:
        for server in servers:
            group_stop(server)


PUBLISH = """
from directory.models import OfferPage
offer = OfferPage.objects.get(pk={pk})
offer.title_de = "Deutschkurs am Abend"
offer.save_revision().publish()
"""
