"""RRULEs of meet-up series: checked, expanded in local wall time, and read out to people.

A rule is expanded in the series' zone with a naive local DTSTART (python-dateutil), and every
local start is turned into UTC with zoneinfo, so 19:00 Berlin stays 19:00 in summer and winter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names
from dateutil.rrule import rrulestr

from tribes.errors import ValidationFailed
from tribes.i18n import _

FREQS = ("DAILY", "WEEKLY", "MONTHLY")
ALLOWED = ("FREQ", "INTERVAL", "COUNT", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST")
MAX_COUNT = 200
MAX_INTERVAL = 24
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: the choices of the new-meetup form's "Repeats" field
CHOICES = ("never", "weekly", "biweekly", "monthly_nth", "monthly_date")


@dataclass(frozen=True)
class Rule:
    """A checked rule: the stored RRULE (no COUNT/UNTIL) and its parts."""

    rrule: str
    parts: dict[str, str]
    count: int | None


def _bad(message: str) -> ValidationFailed:
    return ValidationFailed({"recurrence": message})


def parse(text: str) -> Rule:
    """Check an RRULE value ("FREQ=MONTHLY;BYDAY=1TH"): 422 fields.recurrence unless it is
    DAILY/WEEKLY/MONTHLY with at most one occurrence a day and COUNT within the limit."""
    raw = (text or "").strip()
    if raw.upper().startswith("RRULE:"):
        raw = raw[6:]
    if not raw or len(raw) > 300:
        raise _bad(_("Give a repeat rule such as FREQ=WEEKLY."))
    if not raw.isascii():  # RFC 5545 rules are ASCII: "²" passes str.isdigit() but not int()
        raise _bad(_("This repeat rule is not valid."))
    parts: dict[str, str] = {}
    for piece in raw.upper().split(";"):
        key, sep, value = piece.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value or key in parts:
            raise _bad(_("This repeat rule is not valid."))
        if key not in ALLOWED:
            raise _bad(_("Repeat rules may not use %(part)s.", part=key[:20]))
        parts[key] = value
    if parts.get("FREQ") not in FREQS:
        raise _bad(_("A series repeats daily, weekly or monthly."))
    count = None
    for key, top in (("INTERVAL", MAX_INTERVAL), ("COUNT", MAX_COUNT)):
        if key in parts:
            if not parts[key].isdigit() or not 1 <= int(parts[key]) <= top:
                raise _bad(_("%(part)s must be between 1 and %(max)s.", part=key, max=top))
    if "COUNT" in parts:
        count = int(parts.pop("COUNT"))
    rule = ";".join(f"{k}={v}" for k, v in parts.items())
    try:
        probe = rrulestr(f"RRULE:{rule}", dtstart=datetime(2026, 1, 1, 19, 0))
        probe.after(datetime(2026, 1, 1))
    except (ValueError, TypeError, KeyError) as exc:
        raise _bad(_("This repeat rule is not valid.")) from exc
    return Rule(rrule=rule, parts=parts, count=count)


def to_utc(local: datetime, zone: str) -> datetime:
    """A naive wall-clock time in the zone as an aware UTC instant (the first of a repeated hour)."""
    return local.replace(tzinfo=ZoneInfo(zone), fold=0).astimezone(UTC)


def to_local(instant: datetime, zone: str) -> datetime:
    """An instant as naive wall-clock time in the zone."""
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def expand(rule: str, dtstart: datetime, zone: str, start: datetime, end: datetime,
           until: datetime | None = None) -> list[datetime]:
    """The UTC starts of the rule's occurrences in [start, end] (and not after `until`);
    `dtstart` is the series' first start (aware), whose wall time gives the time of day."""
    local_start = to_local(dtstart, zone)
    it = rrulestr(f"RRULE:{rule}", dtstart=local_start)
    lo = max(to_local(start, zone) - timedelta(days=2), local_start)
    hi = to_local(min(end, until) if until else end, zone) + timedelta(days=2)
    out = []
    for local in it.between(lo, hi, inc=True):
        instant = to_utc(local, zone)
        if start <= instant <= end and (until is None or instant <= until):
            out.append(instant)
    return out


def first(rule: str, local_start: datetime, zone: str) -> datetime | None:
    """The UTC start of the first occurrence at or after the naive local start."""
    found = rrulestr(f"RRULE:{rule}", dtstart=local_start).after(local_start, inc=True)
    return to_utc(found, zone) if found else None


def nth_last(rule: str, dtstart: datetime, zone: str, count: int) -> datetime:
    """The UTC start of the `count`th occurrence (a COUNT turned into an UNTIL)."""
    it = rrulestr(f"RRULE:{rule};COUNT={count}", dtstart=to_local(dtstart, zone))
    return to_utc(list(it)[-1], zone)


def choice_rule(choice: str, local_start: datetime) -> str | None:
    """The RRULE for a choice of the new-meetup form, for a first meetup at `local_start`."""
    day = DAYS[local_start.weekday()]
    nth = (local_start.day - 1) // 7 + 1
    return {
        "weekly": "FREQ=WEEKLY",
        "biweekly": "FREQ=WEEKLY;INTERVAL=2",
        "monthly_nth": f"FREQ=MONTHLY;BYDAY={-1 if nth == 5 else nth}{day}",
        "monthly_date": f"FREQ=MONTHLY;BYMONTHDAY={local_start.day}",
    }.get(choice)


# ---------------------------------------------------------------- readable text


def _weekdays(codes: list[str], locale: str) -> str:
    names = get_day_names("wide", locale=locale)
    words = [str(names[DAYS.index(c)]) for c in codes]
    if len(words) == 1:
        return words[0]
    return _("%(list)s and %(last)s", list=", ".join(words[:-1]), last=words[-1])


def _nth(n: int, weekday: str) -> str:
    phrases: dict[int, Any] = {
        1: lambda: _("every first %(weekday)s", weekday=weekday),
        2: lambda: _("every second %(weekday)s", weekday=weekday),
        3: lambda: _("every third %(weekday)s", weekday=weekday),
        4: lambda: _("every fourth %(weekday)s", weekday=weekday),
        5: lambda: _("every fifth %(weekday)s", weekday=weekday),
        -1: lambda: _("every last %(weekday)s", weekday=weekday),
    }
    return str(phrases[n]()) if n in phrases else ""


def _frequency(parts: dict[str, str], local_start: datetime, locale: str) -> str:
    freq, interval = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    days = [d for d in parts.get("BYDAY", "").split(",") if d]
    simple = set(parts) <= {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "WKST"}
    if not simple:
        return ""
    if freq == "DAILY" and not days and "BYMONTHDAY" not in parts:
        return _("every day") if interval == 1 else _("every %(n)s days", n=interval)
    if freq == "WEEKLY" and "BYMONTHDAY" not in parts and all(d in DAYS for d in days):
        names = _weekdays(days or [DAYS[local_start.weekday()]], locale)
        if interval == 1:
            return _("every %(weekdays)s", weekdays=names)
        return _("every %(n)s weeks on %(weekdays)s", n=interval, weekdays=names)
    if freq != "MONTHLY":
        return ""
    if "BYMONTHDAY" in parts and not days and parts["BYMONTHDAY"].isdigit():
        text = _("monthly on day %(day)s", day=parts["BYMONTHDAY"])
    elif not days and "BYMONTHDAY" not in parts:
        text = _("monthly on day %(day)s", day=local_start.day)
    elif len(days) == 1 and "BYMONTHDAY" not in parts and days[0][-2:] in DAYS:
        number = days[0][:-2]
        try:
            n = int(number)
        except ValueError:
            return ""
        day_names = get_day_names("wide", locale=locale)
        text = _nth(n, str(day_names[DAYS.index(days[0][-2:])]))
    else:
        return ""
    if text and interval > 1:
        return _("%(rule)s, every %(n)s months", rule=text, n=interval)
    return text


def readable(rule: str, dtstart: datetime, zone: str, until: datetime | None, locale: str) -> str:
    """The rule for people: "every first Thursday, 19:00" / "jeden ersten Donnerstag, 19:00"."""
    parts = dict(p.split("=", 1) for p in rule.split(";"))
    local_start = to_local(dtstart, zone)
    text: str = _frequency(parts, local_start, locale) or str(_("repeats by the rule %(rule)s", rule=rule))
    text = f"{text}, {local_start.strftime('%H:%M')}"  # the same 24-hour clock in both languages
    if until is not None:
        last: date = to_local(until, zone).date()
        text = str(_("%(rule)s, until %(date)s", rule=text, date=format_date(last, "medium", locale=locale)))
    return text


def end_of_day(day: date, zone: str) -> datetime:
    """The last instant of a local day, in UTC (an `until` date includes that day)."""
    return to_utc(datetime.combine(day, time(23, 59, 59)), zone)
