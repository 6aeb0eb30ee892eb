"""Abstract models and the scoped manager every protected record shares. No table here: a model that
inherits keeps the same columns it always had.

Protected models have no unscoped default query: `Model.objects.visible_to(user)` returns what the
access policy lets `user` see; `Model.objects.system()` is for jobs that act for the system
(migrations, the demo builder, batch jobs) and must say so. `Model.objects.all()` (or any other
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

    def visible_to(self, user):
        if _scope is None:
            raise UnscopedQuery("No access policy is registered (is nicat.access in INSTALLED_APPS?).")
        return _scope(super().get_queryset(), user)


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
