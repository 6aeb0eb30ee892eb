"""Managers of protected models: no unscoped default query.

`Model.objects.visible_to(user)` returns what the access policy lets `user` see;
`Model.objects.system()` is for jobs that act for the system (migrations, the demo builder,
batch jobs) and must say so. `Model.objects.all()` (or any other query that names no actor)
raises `UnscopedQuery`, so a forgotten filter fails loudly instead of leaking.
"""
from django.db import models


class UnscopedQuery(RuntimeError):
    pass


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
        from nicat.access import policy

        return policy.scope(super().get_queryset(), user)
