"""Abstract models and the scoped manager every protected record shares; and one table of core's own,
`Submission` (the one-time submission tokens and API idempotency keys, nicat.core.submissions). A model
that inherits keeps the same columns it always had.

Protected models have no unscoped default query: `Model.objects.visible_to(user)` returns what the
access policy lets `user` see. A service that already holds a record the actor may see reaches
what hangs off it with `Model.objects.of(parent)` (the records of that one case, plan, referral …)
and the same row again, to lock or update it, with `Model.objects.row(obj)`; `create` reads
nothing and needs no scope (the service checked the parent it points at). `Model.objects.system()`
is the whole table, for the few jobs that truly act over all of it (audit verification, key
rotation, the matching scan, retention, statistics, migrations): each call says why on its line. `Model.objects.all()` (or any other
query that names no actor) raises `UnscopedQuery`, so a forgotten filter fails loudly instead of
leaking. The rule itself lives in `nicat.access.policy`, which registers it here at start-up
(`AccessConfig.ready()`), so this layer imports nothing above it.
"""
from django.db import models

_scope = None


class UnscopedQuery(RuntimeError):
    pass


def register_scope(fn):
    """`fn(queryset, user) -> queryset`: the access policy's scoping (registered once by `access`)."""
    global _scope
    _scope = fn
    return fn


class ScopedManager(models.Manager):
    def get_queryset(self):
        raise UnscopedQuery(
            f"{self.model.__name__}.objects needs an actor: use .visible_to(user) or, in a system job, .system()."
        )

    def none(self):
        """An empty query leaks nothing (schema generators ask for one)."""
        return super().get_queryset().none()

    def system(self):
        return super().get_queryset()

    def of(self, parent, via=None):
        """The records hanging off `parent`, a saved record the caller already holds through the access
        policy (a case, or e.g. a plan for its goals): never more than that one parent's records.
        `via` names the field when the model has several pointing at `parent`'s model."""
        if not isinstance(parent, models.Model) or parent.pk is None:
            raise UnscopedQuery(f"{self.model.__name__}.objects.of() needs a saved record, not {parent!r}.")
        return super().get_queryset().filter(**{via or self._path_to(type(parent)): parent})

    def of_many(self, parents, via=None):
        """`of` for several parents at once, in one query (the records of every row of a list): never more than
        those parents' records. Every parent must be a saved record of one model, each held through the policy."""
        parents = list(parents)
        if not parents:
            return super().get_queryset().none()
        kinds = {type(p) for p in parents}
        if len(kinds) != 1 or any(not isinstance(p, models.Model) or p.pk is None for p in parents):
            raise UnscopedQuery(f"{self.model.__name__}.objects.of_many() needs saved records of one model.")
        return super().get_queryset().filter(**{f"{via or self._path_to(kinds.pop())}__in": parents})

    def row(self, obj):
        """`obj`'s own row again (to lock it or update it), for a record the caller already holds."""
        if not isinstance(obj, self.model) or obj.pk is None:
            raise UnscopedQuery(f"{self.model.__name__}.objects.row() needs a saved {self.model.__name__}.")
        return super().get_queryset().filter(pk=obj.pk)

    def create(self, **kwargs):
        """Creating reads nothing: the service has checked the case (or parent) the record points at."""
        return super().get_queryset().create(**kwargs)

    def bulk_create(self, objs, **kwargs):
        return super().get_queryset().bulk_create(objs, **kwargs)

    def _path_to(self, parent_model):
        if parent_model._meta.label_lower == "cases.case" and getattr(self.model, "case_path", None):
            return self.model.case_path
        fields = [f.name for f in self.model._meta.get_fields()
                  if f.many_to_one and f.concrete and f.related_model is parent_model]
        if len(fields) != 1:
            raise UnscopedQuery(f"{self.model.__name__} has {len(fields)} fields pointing at "
                                f"{parent_model.__name__}: say which with of(parent, via=...).")
        return fields[0]

    def visible_to(self, user):
        if _scope is None:
            raise UnscopedQuery("No access policy is registered (is nicat.access in INSTALLED_APPS?).")
        return _scope(super().get_queryset(), user)


def among(model, column, ids):
    """A filter `column IN ids` for thousands of ids — on PostgreSQL `column = ANY(%s)` with the ids as one
    array parameter: composing and binding thousands of placeholders cost more than the database spent
    answering (the name search's candidates, bench/registry_scale.py). For the outer query of `model`'s
    own table only (it names the table, which a subquery would alias)."""
    from django.db import connection
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    ids = list(ids)
    if connection.vendor != "postgresql":
        return models.Q(**{f"{column}__in": ids})
    qn = connection.ops.quote_name
    return RawSQL(f"{qn(model._meta.db_table)}.{qn(column)} = ANY(%s)", (ids,), output_field=BooleanField())


def pk_select_sql(queryset):
    """(sql, params) of `queryset`'s primary keys, `SELECT pk FROM …` without its ordering, compiled for its
    database — to be put inside another statement; None when the query can match nothing (`.none()`, `pk IN []`:
    Django raises EmptyResultSet rather than compile it)."""
    from django.core.exceptions import EmptyResultSet

    try:
        return queryset.order_by().values("pk").query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return None


def counts(**querysets):
    """{name: number of rows} of several querysets in one query (`SELECT (SELECT COUNT(*) FROM …), …`): the
    menu's badges on every page cost one round trip, not one each. The querysets must share a database."""
    from django.db import connections

    if not querysets:
        return {}
    aliases = {qs.db for qs in querysets.values()}
    if len(aliases) != 1:
        raise ValueError("counts() reads from one database")
    alias = aliases.pop()
    parts, params = [], []
    for i, qs in enumerate(querysets.values()):
        compiled = pk_select_sql(qs)
        if compiled is None:  # .none(), or `pk IN []`: nothing to count
            parts.append("0")
            continue
        sql, p = compiled
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) c{i})")
        params.extend(p)
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return dict(zip(querysets, cursor.fetchone(), strict=True))


def follow(obj, path):
    """The record at the end of a lookup path (`"case"`, `"criminal_case__case"`) from `obj`, through its
    loaded relations; None where a link is empty."""
    for part in path.split("__"):
        obj = getattr(obj, part)
        if obj is None:
            return None
    return obj


class VersionedModel(models.Model):
    """A record several people edit: `version` is checked and moved on every update
    (`nicat.core.services.bump_version` / `check_version`), so no change is silently overwritten."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class CaseScopedModel(models.Model):
    """A record that hangs off a case: visible exactly when its case is. The subclass declares its own
    `case` field (its on_delete and related_name are its own); `case_path` tells the access policy how
    to reach the case from this model (`"case"`, or e.g. `"referral__case"`)."""

    case_path = "case"

    objects = ScopedManager()

    class Meta:
        abstract = True

    def sealing_key_id(self):
        """The data key of the case's person: the record's encrypted texts are sealed under it
        (nicat.privacy.fields), so erasing the person (destroying the key) leaves them unreadable in
        every copy — backups included — and not only blanked in the live database."""
        sealing = getattr(follow(self, self.case_path), "sealing_key_id", None)
        return sealing() if sealing else None

    def trail_key_id(self):
        """The key of the case that seals what the audit trail keeps of this record's texts (the case's own, which
        moves with it: nicat.cases.models.CaseTrailKey)."""
        trail = getattr(follow(self, self.case_path), "trail_key_id", None)
        return trail() if trail else None


class Submission(models.Model):
    """A form sent or an API request made once (nicat.core.submissions): the same token or `Idempotency-Key`
    sent again by the same user creates nothing and is answered as the first was. Never the request's
    content: a keyed digest of (user, key) — unique, so two concurrent requests with one key make one
    record — a keyed digest of the body (to tell a different request under a reused key), and what the
    first answer pointed at (a page path; the created record's type and id). Written in the transaction
    of the change it answers, so a rolled-back change leaves no row; kept a day (a periodic job)."""

    key_digest = models.CharField(max_length=64, unique=True)
    body_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    location = models.CharField(max_length=500, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_ids = models.CharField(max_length=500, blank=True)  # comma-separated (a list answer)
    serializer = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return f"submission {self.key_digest[:8]}"


class RateCount(models.Model):
    """How many requests one client sent to one public door (the "ask for help" form, the certificate check) in
    the current window (nicat.core.ratelimit). In the database, so that every process of every server counts
    together: a counter in each process's memory let a script send the limit to each of them. Never the
    address: the key is a keyed digest of the door and the client. `window_ends` is in seconds since the
    epoch; a row whose window has ended counts again from one, and is deleted when another window starts."""

    key = models.CharField(max_length=64, primary_key=True)
    window_ends = models.BigIntegerField(db_index=True)
    count = models.PositiveIntegerField()

    def __str__(self):
        return f"rate count {self.key[:8]}"
