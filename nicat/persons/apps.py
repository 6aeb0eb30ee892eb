from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonsConfig(AppConfig):
    name = "nicat.persons"
    label = "persons"
    verbose_name = _("Persons")

    def ready(self):
        from django.db.models import Q

        from nicat.access import policy
        from nicat.access.predicates import is_coordinator

        def coordinator_rule(user, institution_ids):
            # The competent authority's coordinators review the duplicates of the whole registry.
            return Q(pk__isnull=False) if is_coordinator(user) else None

        policy.register_record_rule("persons.duplicatesignal", coordinator_rule)
        policy.register_record_rule("persons.mergerecord", coordinator_rule)
