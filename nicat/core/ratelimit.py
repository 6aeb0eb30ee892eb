"""A limit per client address for the doors anyone may open without signing in (the public "ask for help"
form, the certificate check): a counter per door and client for a window, in the database (`RateCount`), so
that every process of every server counts together — a counter in each process's memory (Django's default
cache) let a script send the limit to each of them. No address is kept: the key is a keyed digest. An IPv6
client is counted by its /64 network (what one host or home is given: a script there may take any address of
it), an IPv4 address given as IPv6 (`::ffff:a.b.c.d`) as that IPv4 address.

One statement counts: an INSERT that, when the door and client already have a row, adds one to it while its
window lasts and starts a new window at one once it has ended (`ON CONFLICT … DO UPDATE … RETURNING`, the same
text on PostgreSQL and SQLite ≥ 3.35), so two processes counting at once never lose a request."""
import hashlib
import ipaddress
import time

from django.conf import settings
from django.db import connection, transaction

from nicat.core.models import RateCount


def _statement():
    q = connection.ops.quote_name
    table, key, ends, count = q(RateCount._meta.db_table), q("key"), q("window_ends"), q("count")
    return (f"INSERT INTO {table} ({key}, {ends}, {count}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({key}) DO UPDATE SET "
            f"{count} = CASE WHEN {table}.{ends} > %s THEN {table}.{count} + 1 ELSE 1 END, "
            f"{ends} = CASE WHEN {table}.{ends} > %s THEN {table}.{ends} ELSE excluded.{ends} END "
            f"RETURNING {count}")


def counted_as(client):
    """Who a request is counted as: the IPv4 address, the /64 network of an IPv6 one; anything else as given."""
    try:
        address = ipaddress.ip_address((client or "").strip())
    except ValueError:
        return client or "-"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def key_of(scope, client):
    """The row's key: a digest of the door and the client keyed by the installation's secret (never the address)."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{scope}:{counted_as(client)}".encode()).hexdigest()


def over_limit(scope, client, limit, window=3600, now=None):
    """Count one more request of `client` (its address, or None) at the door `scope`; True once more than
    `limit` were made within the window of `window` seconds that the client's first request opened.
    Inside the caller's transaction the count is part of it (a rolled-back request is not counted)."""
    now = int(time.time() if now is None else now)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_statement(), [key_of(scope, client), now + window, now, now])
        count = cursor.fetchone()[0]
        if count == 1:  # a new window began: forget the ended windows of every door and client
            RateCount.objects.filter(window_ends__lte=now).delete()
    return count > limit
