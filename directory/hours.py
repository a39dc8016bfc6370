"""Opening state of a contact point at a given moment, from weekly slots and
exceptions.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from .models import ContactPointPage, OpeningException, OpeningSlot


@dataclass(frozen=True)
class Interval:
    opens: time
    closes: time
    appointment_only: bool = False


@dataclass(frozen=True)
class OpeningState:
    """What a reader needs: open now?, until when, and when it opens next."""

    is_open: bool
    appointment_only: bool = False
    closes_at: time | None = None
    next_open: datetime | None = None
    temporarily_closed: bool = False
    exception_note: str = ""
    today: list[Interval] = field(default_factory=list)
    checked_on: date | None = None

    @property
    def opens_today(self) -> bool:
        return self.next_open is not None and self.next_open.date() == self.checked_on

    @property
    def opens_tomorrow(self) -> bool:
        return (
            self.next_open is not None
            and self.checked_on is not None
            and self.next_open.date() == self.checked_on + timedelta(days=1)
        )


def intervals_on(
    day: date, slots: list[OpeningSlot], exceptions: dict[date, OpeningException]
) -> tuple[list[Interval], OpeningException | None]:
    exception = exceptions.get(day)
    if exception is not None:
        if exception.closed or exception.opens is None or exception.closes is None:
            return [], exception
        return [Interval(exception.opens, exception.closes)], exception
    return (
        [
            Interval(slot.opens, slot.closes, slot.appointment_only)
            for slot in slots
            if slot.weekday == day.weekday()
        ],
        None,
    )


def opening_state(
    contact_point: ContactPointPage,
    *,
    at: datetime | None = None,
    slots: list[OpeningSlot] | None = None,
    exceptions: list[OpeningException] | None = None,
) -> OpeningState:
    """Compute whether ``contact_point`` is open at ``at`` (default: now, local time).

    Pass ``slots``/``exceptions`` when they are already loaded to avoid queries.
    """
    moment = timezone.localtime(at or timezone.now())
    if slots is None:
        slots = list(contact_point.opening_slots.all())
    if exceptions is None:
        exceptions = list(contact_point.opening_exceptions.all())
    by_date = {exception.date: exception for exception in exceptions}

    if contact_point.temporarily_closed:
        return OpeningState(is_open=False, temporarily_closed=True)

    today, exception = intervals_on(moment.date(), slots, by_date)
    now = moment.time()
    note = exception.note if exception is not None else ""
    for interval in today:
        if interval.opens <= now < interval.closes:
            return OpeningState(
                is_open=True,
                appointment_only=interval.appointment_only,
                closes_at=interval.closes,
                exception_note=note,
                today=today,
            )

    next_open = None
    for offset in range(0, 15):
        day = moment.date() + timedelta(days=offset)
        intervals, _exception = intervals_on(day, slots, by_date)
        upcoming = [i for i in intervals if offset > 0 or i.opens > now]
        if upcoming:
            first = min(upcoming, key=lambda i: i.opens)
            next_open = timezone.make_aware(
                datetime.combine(day, first.opens), moment.tzinfo
            )
            break
    return OpeningState(
        is_open=False,
        next_open=next_open,
        exception_note=note,
        today=today,
        checked_on=moment.date(),
    )
