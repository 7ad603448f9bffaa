"""Local wall-clock times in an IANA zone ↔ aware UTC instants (DST gaps and folds)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tribes.errors import ValidationFailed


def to_utc(value: datetime, zone_name: str, field: str) -> datetime:
    """An aware UTC instant; a naive value is a wall-clock time in `zone_name`.

    A wall-clock time skipped by a DST switch (e.g. 02:30 on a spring-forward night) is
    refused with 422; an ambiguous one (the repeated hour in autumn) means its first
    occurrence (fold=0, still summer time).
    """
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    zone = ZoneInfo(zone_name)
    local = value.replace(tzinfo=zone, fold=0)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != value:
        raise ValidationFailed({field: "This local time does not exist in that time zone (clock change)."})
    return instant


def local(value: datetime, zone_name: str) -> datetime:
    """The instant as wall-clock time in the zone."""
    return value.astimezone(ZoneInfo(zone_name))
