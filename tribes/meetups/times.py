"""Local wall-clock times in an IANA zone ↔ aware UTC instants (DST gaps and folds).

Every computation here is total: meetups are accepted only between the years
FIRST_YEAR and LAST_YEAR, but older data or a query window at the edges of what a
`datetime` holds (year 1, year 9999, large offsets) is clamped instead of overflowing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tribes.errors import ValidationFailed
from tribes.i18n import _

#: meetups start and end within these years (wall-clock time as the organiser gave it)
FIRST_YEAR, LAST_YEAR = 2000, 2100
#: the earliest and latest instants a datetime holds, in UTC
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def out_of_range() -> str:
    """The message for a date outside the accepted years."""
    return _("Use a date between the years %(first)s and %(last)s.", first=FIRST_YEAR, last=LAST_YEAR)


def in_range(value: datetime) -> bool:
    """Whether a meetup time (as given, before any conversion) lies within the accepted years."""
    return FIRST_YEAR <= value.year <= LAST_YEAR


def check_range(value: datetime) -> datetime:
    """A pydantic validator: the value, or ValueError when outside the accepted years."""
    if not in_range(value):
        raise ValueError(out_of_range())
    return value


def as_utc(value: datetime) -> datetime:
    """The instant in UTC (naive means UTC), clamped to what a datetime holds."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return EARLIEST if value.year < 5000 else LATEST


def shift(value: datetime, delta: timedelta) -> datetime:
    """`value + delta`, clamped to the earliest or latest datetime instead of overflowing."""
    try:
        return value + delta
    except OverflowError:
        edge = EARLIEST if delta < timedelta(0) else LATEST
        return edge.astimezone(value.tzinfo) if value.tzinfo is not None else edge.replace(tzinfo=None)


def to_utc(value: datetime, zone_name: str, field: str) -> datetime:
    """An aware UTC instant; a naive value is a wall-clock time in `zone_name`.

    A value outside the accepted years is refused with 422. A wall-clock time skipped
    by a DST switch (e.g. 02:30 on a spring-forward night) is refused with 422; an
    ambiguous one (the repeated hour in autumn) means its first occurrence (fold=0,
    still summer time).
    """
    if not in_range(value):
        raise ValidationFailed({field: out_of_range()})
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    zone = ZoneInfo(zone_name)
    local = value.replace(tzinfo=zone, fold=0)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != value:
        raise ValidationFailed({field: _("This local time does not exist in that time zone (clock change).")})
    return instant


def local(value: datetime, zone_name: str) -> datetime:
    """The instant as wall-clock time in the zone (in UTC where that would leave year 9999)."""
    try:
        return value.astimezone(ZoneInfo(zone_name))
    except (OverflowError, ValueError):
        return value.astimezone(UTC)


def clamp_to_accepted(value: datetime) -> datetime:
    """The instant, moved into the accepted years if it lies outside them."""
    first = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
    last = datetime(LAST_YEAR, 12, 31, 23, 59, tzinfo=UTC)
    return min(max(value, first), last)


def spoken(starts_at: datetime, ends_at: datetime, zone_name: str, locale: str) -> str:
    """A meetup's time span for people, in their zone and language, with the zone's abbreviation
    ("Thu, Dec 3, 2026, 19:00–21:00 CET" / "Do., 3. Dez. 2026, 19:00–21:00 CET")."""
    from babel.dates import format_skeleton, format_time

    start, end = local(starts_at, zone_name), local(ends_at, zone_name)

    def day(moment: datetime) -> str:
        return str(format_skeleton("yMMMEd", moment, tzinfo=moment.tzinfo, locale=locale))

    def hour(moment: datetime) -> str:
        return str(format_time(moment, "short", tzinfo=moment.tzinfo, locale=locale))

    if start.date() == end.date():
        return f"{day(start)}, {hour(start)}–{hour(end)} {end.tzname()}"
    return f"{day(start)}, {hour(start)} {start.tzname()} – {day(end)}, {hour(end)} {end.tzname()}"
