"""iCalendar files (RFC 5545) for opening hours and dated offers, written by hand.

Weekly opening slots become weekly recurring events in the site's local time
(``TZID=Europe/Berlin`` with its VTIMEZONE, so a phone in another zone still shows
the desk's hours right); closed days and special hours of the exceptions list become
EXDATEs and single events. UIDs are built from HSDS ids and the slot's day and
time, so a calendar that imports the file again updates its events instead of
doubling them.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from .models import ContactPointPage, OfferPage, OpeningException, OpeningSlot

# The hours editors type are the region's local time; the VTIMEZONE below describes
# that zone (EU summer time rules), so calendars need no zone database of their own.
TZID = "Europe/Berlin"
VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # Weekday values 0…6
LINE_OCTETS = 75
# Closed days listed per weekly event: enough for a year of holidays.
MAX_EXCEPTIONS = 60


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks
    escaped."""
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """One content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8
    character; continuation lines start with a space."""
    parts: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            parts.append(current)
            current, size, limit = " ", 1, LINE_OCTETS
        current += char
        size += octets
    parts.append(current)
    return "\r\n".join(parts)


def _local(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass
class Event:
    """One VEVENT; ``start``/``end`` are dates (all day) or naive local times."""

    uid: str
    summary: str
    start: date | datetime
    end: date | datetime
    stamp: datetime
    rrule: str = ""
    exdates: list[datetime] = field(default_factory=list)
    location: str = ""
    description: str = ""
    url: str = ""
    geo: tuple[float, float] | None = None

    def lines(self) -> list[str]:
        lines = ["BEGIN:VEVENT", f"UID:{self.uid}", f"DTSTAMP:{_utc(self.stamp)}"]
        if isinstance(self.start, datetime):
            lines.append(f"DTSTART;TZID={TZID}:{_local(self.start)}")
            lines.append(f"DTEND;TZID={TZID}:{_local(self.end)}")  # type: ignore[arg-type]
        else:
            lines.append(f"DTSTART;VALUE=DATE:{self.start:%Y%m%d}")
            lines.append(f"DTEND;VALUE=DATE:{self.end:%Y%m%d}")
        if self.rrule:
            lines.append(f"RRULE:{self.rrule}")
        if self.exdates:
            days = ",".join(_local(day) for day in self.exdates)
            lines.append(f"EXDATE;TZID={TZID}:{days}")
        lines.append(f"SUMMARY:{escape_text(self.summary)}")
        if self.location:
            lines.append(f"LOCATION:{escape_text(self.location)}")
        if self.geo is not None:
            lines.append(f"GEO:{self.geo[0]:.6f};{self.geo[1]:.6f}")
        if self.description:
            lines.append(f"DESCRIPTION:{escape_text(self.description)}")
        if self.url:
            lines.append(f"URL:{self.url}")
        lines.append("END:VEVENT")
        return lines


def calendar_document(*, name: str, events: list[Event]) -> str:
    """A complete VCALENDAR: CRLF line ends, every line folded."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Wegweiser//Directory calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-TIMEZONE:{TZID}",
        *VTIMEZONE,
    ]
    for event in events:
        lines.extend(event.lines())
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def _uid(*parts: object) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "wegweiser"
    return "-".join(str(part) for part in parts) + f"@{host}"


def _first_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _stamp(page) -> datetime:
    return page.last_published_at or timezone.now()


@dataclass(frozen=True)
class Period:
    """The days an offer's weekly events are limited to (either end open)."""

    first: date | None = None
    last: date | None = None


def opening_hours_events(
    point: ContactPointPage,
    *,
    url: str,
    slots: list[OpeningSlot],
    exceptions: list[OpeningException],
    summary: str = "",
    uid_prefix: str = "",
    period: Period = Period(),
) -> list[Event]:
    """The weekly slots of ``point`` as weekly events, its exceptions as closed
    days (EXDATE) and single events; none while it is temporarily closed.

    ``period`` limits them to a dated offer's days (RRULE ``UNTIL``).
    """
    if point.temporarily_closed:
        return []
    today = timezone.localdate()
    # A fixed first day, so that the same slot is the same event in every download.
    anchor = (
        timezone.localtime(point.first_published_at).date()
        if point.first_published_at
        else today
    )
    if period.first is not None:
        anchor = max(anchor, period.first)
    until = ""
    if period.last is not None:
        end_of_last = datetime.combine(period.last, time(23, 59, 59))
        until = ";UNTIL=" + _utc(end_of_last.replace(tzinfo=ZoneInfo(TZID)))
    summary = summary or point.title
    location = point.address_line
    geo = (
        (point.latitude, point.longitude)
        if point.latitude is not None and point.longitude is not None
        else None
    )
    stamp = _stamp(point)
    upcoming = [
        exception
        for exception in exceptions
        if exception.date >= today
        and (period.last is None or exception.date <= period.last)
    ][:MAX_EXCEPTIONS]
    events = []
    for slot in slots:
        first = _first_on_or_after(anchor, slot.weekday)
        if period.last is not None and first > period.last:
            continue
        label = summary
        if slot.appointment_only:
            label = f"{summary} ({gettext('by appointment')})"
        events.append(
            Event(
                uid=_uid(
                    uid_prefix or point.hsds_id,
                    BYDAY[slot.weekday],
                    f"{slot.opens:%H%M}",
                ),
                summary=label,
                start=datetime.combine(first, slot.opens),
                end=datetime.combine(first, slot.closes),
                stamp=stamp,
                rrule=f"FREQ=WEEKLY;BYDAY={BYDAY[slot.weekday]}{until}",
                exdates=[
                    datetime.combine(exception.date, slot.opens)
                    for exception in upcoming
                    if exception.date.weekday() == slot.weekday
                    and exception.date >= first
                ],
                location=location,
                url=url,
                geo=geo,
            )
        )
    for exception in upcoming:
        if exception.closed or exception.opens is None or exception.closes is None:
            continue
        events.append(
            Event(
                uid=_uid(uid_prefix or point.hsds_id, f"{exception.date:%Y%m%d}"),
                summary=summary,
                start=datetime.combine(exception.date, exception.opens),
                end=datetime.combine(exception.date, exception.closes),
                stamp=stamp,
                location=location,
                description=exception.note,
                url=url,
                geo=geo,
            )
        )
    return events


def offer_days(offer: OfferPage) -> tuple[date, date] | None:
    """The first and last day of a dated offer, or None when it has no days still
    to come: no dates, only a start date that has passed, or an end that has.

    An offer with only an end date gets its last day.
    """
    days: list[date] = [d for d in (offer.start_date, offer.end_date) if d]
    if not days or days[-1] < timezone.localdate():
        return None
    return days[0], days[-1]


def offer_has_events(offer: OfferPage) -> bool:
    """Whether an offer may be in a calendar at all: not while it is paused."""
    return offer.status != OfferPage.Status.TEMPORARILY_CLOSED


def offer_dates_event(offer: OfferPage, *, url: str) -> Event | None:
    """The days of a dated offer as one all-day event; None if it has no days to
    come (``offer_days``) or is temporarily closed."""
    days = offer_days(offer) if offer_has_events(offer) else None
    if days is None:
        return None
    summary = offer.title
    if offer.start_date is None:
        summary = gettext("Last day: %(offer)s") % {"offer": offer.title}
    return Event(
        uid=_uid(offer.hsds_id, "dates"),
        summary=summary,
        start=days[0],
        end=days[1] + timedelta(days=1),
        stamp=_stamp(offer),
        description=offer.summary,
        url=url,
    )
