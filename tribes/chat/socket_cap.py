"""How many Socket.IO connections one account may hold open (TRIBES_MAX_SOCKETS_PER_ACCOUNT).

Each open socket costs server memory, so an account gets at most MAX_SOCKETS_PER_ACCOUNT
of them. With TRIBES_REDIS_URL the count holds across server processes: a Redis sorted
set per account of its socket ids, each with an expiry time, so that the sockets of a
process that died are forgotten after SOCKET_TTL (a socket's `join` renews its entry).
Without Redis the count is kept in this process.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any

from flask import current_app

#: the default of TRIBES_MAX_SOCKETS_PER_ACCOUNT
DEFAULT_MAX = 20
#: seconds after which an account's socket entry in Redis lapses unless renewed
SOCKET_TTL = 12 * 3600

_local: dict[int, set[str]] = {}
_local_guard = threading.Lock()

#: drop lapsed entries, then add this socket only while the account is below the cap
_CLAIM = """
local key, sid = KEYS[1], ARGV[1]
local now, ttl, cap = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if redis.call('ZSCORE', key, sid) == false and redis.call('ZCARD', key) >= cap then
  return 0
end
redis.call('ZADD', key, now + ttl, sid)
redis.call('EXPIRE', key, ttl)
return 1
"""


def limit() -> int:
    """The configured cap of open sockets per account."""
    return int(current_app.config.get("MAX_SOCKETS_PER_ACCOUNT", DEFAULT_MAX))


@functools.lru_cache(maxsize=4)
def _redis(url: str) -> Any:
    import redis

    client = redis.Redis.from_url(url)
    return client, client.register_script(_CLAIM)


def _key(user_id: int) -> str:
    return f"tribes:sockets:{user_id}"


def claim(user_id: int, sid: str) -> bool:
    """Count a new socket of the account; False (nothing counted) when it has too many."""
    url = current_app.config.get("REDIS_URL")
    if url:
        _client, script = _redis(url)
        return bool(script(keys=[_key(user_id)], args=[sid, time.time(), SOCKET_TTL, limit()]))
    with _local_guard:
        sids = _local.setdefault(user_id, set())
        if sid not in sids and len(sids) >= limit():
            if not sids:
                _local.pop(user_id, None)
            return False
        sids.add(sid)
        return True


def renew(user_id: int, sid: str) -> None:
    """Keep a long-lived socket counted (Redis entries lapse after SOCKET_TTL)."""
    url = current_app.config.get("REDIS_URL")
    if url:
        client, _script = _redis(url)
        client.zadd(_key(user_id), {sid: time.time() + SOCKET_TTL}, xx=True)


def release(user_id: int, sid: str) -> None:
    """A socket of the account closed."""
    url = current_app.config.get("REDIS_URL")
    if url:
        client, _script = _redis(url)
        client.zrem(_key(user_id), sid)
        return
    with _local_guard:
        sids = _local.get(user_id)
        if sids is not None:
            sids.discard(sid)
            if not sids:
                del _local[user_id]


def local_count(user_id: int) -> int:
    """How many sockets of the account this process counts (without Redis)."""
    with _local_guard:
        return len(_local.get(user_id, ()))


def has_open_socket(user_id: int) -> bool:
    """Whether the account has a socket open now (in any process with Redis; entries of a
    process that died linger until SOCKET_TTL). One Redis round trip, or a dict lookup."""
    url = current_app.config.get("REDIS_URL")
    if url:
        client, _script = _redis(url)
        return bool(client.zcount(_key(user_id), time.time(), "+inf"))
    return local_count(user_id) > 0
