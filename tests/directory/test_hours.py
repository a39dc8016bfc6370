"""Opening state: open now, appointment-only slots, holidays, temporary closure."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from directory.hours import opening_state
from directory.models import OpeningException, OpeningSlot
from tests.factories import ContactPointPageFactory

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 23)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def point(agency):
    point = ContactPointPageFactory(parent=agency)
    OpeningSlot.objects.create(page=point, weekday=0, opens=time(9), closes=time(12))
    OpeningSlot.objects.create(
        page=point, weekday=0, opens=time(14), closes=time(16), appointment_only=True
    )
    OpeningSlot.objects.create(
        page=point, weekday=2, opens=time(8, 30), closes=time(11)
    )
    return point


def test_open_inside_a_slot_until_its_end(point):
    state = opening_state(point, at=at(MONDAY, 10))
    assert state.is_open and not state.appointment_only
    assert state.closes_at == time(12)


def test_closing_time_is_exclusive(point):
    assert not opening_state(point, at=at(MONDAY, 12)).is_open


def test_appointment_only_slot_says_so(point):
    state = opening_state(point, at=at(MONDAY, 15))
    assert state.is_open and state.appointment_only


def test_closed_between_slots_opens_again_the_same_day(point):
    state = opening_state(point, at=at(MONDAY, 13))
    assert not state.is_open
    assert state.next_open == at(MONDAY, 14)


def test_after_the_last_slot_the_next_opening_is_another_day(point):
    state = opening_state(point, at=at(MONDAY, 17))
    assert state.next_open == at(date(2026, 11, 25), 8, 30)


def test_holiday_closes_a_normal_day(point):
    OpeningException.objects.create(
        page=point, date=MONDAY, closed=True, note="Feiertag"
    )
    state = opening_state(point, at=at(MONDAY, 10))
    assert not state.is_open
    assert state.exception_note == "Feiertag"
    assert state.next_open == at(date(2026, 11, 25), 8, 30)


def test_special_hours_replace_the_weekly_hours(point):
    OpeningException.objects.create(
        page=point, date=MONDAY, closed=False, opens=time(17), closes=time(19)
    )
    assert not opening_state(point, at=at(MONDAY, 10)).is_open
    assert opening_state(point, at=at(MONDAY, 18)).is_open


def test_temporarily_closed_is_never_open(point):
    point.temporarily_closed = True
    state = opening_state(point, at=at(MONDAY, 10))
    assert not state.is_open and state.temporarily_closed


def test_no_hours_means_no_next_opening(agency):
    point = ContactPointPageFactory(parent=agency)
    state = opening_state(point, at=at(MONDAY, 10))
    assert not state.is_open and state.next_open is None


def test_next_opening_later_today_and_tomorrow_are_named_so(point):
    later_today = opening_state(point, at=at(MONDAY, 7))
    assert later_today.opens_today and not later_today.opens_tomorrow
    tomorrow = opening_state(point, at=at(date(2026, 11, 24), 20))  # Tuesday evening
    assert tomorrow.opens_tomorrow and tomorrow.next_open == at(
        date(2026, 11, 25), 8, 30
    )
