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

        def coordinator_rule(*fields):
            # The competent authority's coordinators review the duplicates of the whole registry, except the
            # persons an access-restriction order hides from them (it beats every grant: the review shows the
            # names, documents and cases of both records).
            def rule(user, institution_ids):
                if not is_coordinator(user):
                    return None
                restricted = policy.persons_under_restriction(user)
                allowed = Q(pk__isnull=False)
                for field in fields:
                    allowed &= ~Q(**{f"{field}__in": restricted})
                return allowed
            return rule

        policy.register_record_rule("persons.duplicatesignal", coordinator_rule("person_a_id", "person_b_id"))
        policy.register_record_rule("persons.mergerecord", coordinator_rule("survivor_id", "merged_id"))
