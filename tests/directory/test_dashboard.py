"""The admin dashboard's panels (issue 12, part 4): an editor sees their agency's
stale pages, outdated translations and changes waiting for approval; a coordinator
the region's totals, the approval queue and gaps in the coverage.

The region of tests/directory/test_reports.py: agency A has an offer hidden as stale,
a stale one and one with an outdated English title; agency B a contact point never
confirmed and a draft waiting for approval.
"""

import pytest
from bs4 import BeautifulSoup
from django.db import transaction
from django.urls import reverse

from directory import reports
from tests.directory.test_reports import TITLES, region_build
from tests.factories import OfferPageFactory


@pytest.fixture(scope="module")
def region(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield region_build()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def one_factor(settings):
    settings.ACCOUNTS_2FA_REQUIRED = False


def _dashboard(region, role) -> BeautifulSoup:
    response = region.client(role).get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def _links(soup, element_id: str) -> list[str]:
    element = soup.find(id=element_id)
    return [a.get_text(strip=True) for a in element.find_all("a")] if element else []


def test_editor_sees_their_agencys_stale_pages_only(db, region):
    soup = _dashboard(region, "editor_a")

    assert _links(soup, "agency-stale") == [TITLES["hidden"], TITLES["stale"]]
    stale = soup.find(id="agency-stale")
    assert stale.find("a")["href"] == reverse(
        "wagtailadmin_pages:edit", args=[region.pages["hidden"]]
    )
    assert TITLES["point_b_nord"] not in soup.get_text()


def test_other_editor_sees_their_own_stale_contact_point(db, region):
    soup = _dashboard(region, "editor_b")

    assert _links(soup, "agency-stale") == [TITLES["point_b_nord"]]
    assert TITLES["hidden"] not in soup.get_text()


def test_editor_sees_their_outdated_translations(db, region):
    soup = _dashboard(region, "editor_a")

    assert _links(soup, "agency-outdated") == [TITLES["sprachcafe"]]
    item = soup.find(id="agency-outdated").find("li").get_text()
    assert "English" in item or "Englisch" in item


def test_editor_sees_their_agencys_changes_waiting_for_approval(db, region):
    own = _dashboard(region, "editor_b")
    other = _dashboard(region, "editor_a")

    assert _links(own, "agency-approval") == [TITLES["draft"]]
    assert _links(other, "agency-approval") == []
    assert TITLES["draft"] not in other.get_text()


def test_coordinator_sees_the_regions_totals(db, region):
    soup = _dashboard(region, "coordinator")

    def figure(element_id):
        return soup.find(id=element_id).get_text(strip=True)

    # Five visible offers (not the hidden one, not the draft); two agencies; two
    # stale offers of A and B's contact point never confirmed; one offer hidden.
    assert figure("region-live-offers") == "5"
    assert figure("region-agencies") == "2"
    assert figure("region-stale") == "3"
    assert figure("region-hidden") == "1"


def test_coordinator_sees_the_approval_queue(db, region):
    soup = _dashboard(region, "coordinator")

    queue = soup.find(id="approval-queue")
    assert _links(soup, "approval-queue") == [TITLES["draft"]]
    assert queue.find("a")["href"] == reverse(
        "wagtailadmin_pages:edit", args=[region.pages["draft"]]
    )
    assert TITLES["agency_b"] in queue.get_text()


def test_coordinator_sees_gaps_in_the_coverage(db, region):
    soup = _dashboard(region, "coordinator")

    gaps = _links(soup, "coverage-gaps")
    assert sorted(gaps) == ["Arbeit × Weststadt", "Sprache × Weststadt"]
    first = soup.find(id="coverage-gaps").find("a")["href"]
    assert first.startswith("/de/search/?topic=") and "district=weststadt" in first


@pytest.mark.parametrize(
    ("role", "coordination", "agency"),
    [
        ("editor_a", False, True),
        ("coordinator", True, False),
        ("superuser", True, False),
    ],
)
def test_each_role_gets_its_panels(db, region, role, coordination, agency):
    soup = _dashboard(region, role)

    assert (soup.find(id="region-live-offers") is not None) == coordination
    assert (soup.find(id="agency-stale") is not None) == agency


def test_approval_queue_is_oldest_first(db, region):
    editor = region.user("editor_a")
    newer = OfferPageFactory(
        parent=region.page("agency_a"), title="Neuer Entwurf", live=False
    )
    newer.save_revision(user=editor)
    newer.get_workflow().start(newer, editor)

    queue = reports.approval_queue()
    of_a = reports.approval_queue(agencies=[region.page("agency_a")])

    assert [item.page.pk for item in queue.items] == [
        region.pages["draft"],
        newer.pk,
    ]
    assert queue.count == 2
    assert [item.page.pk for item in of_a.items] == [newer.pk]
