from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentificationConfig(AppConfig):
    name = "nicat.identification"
    label = "identification"
    verbose_name = _("Identification")

    def ready(self):
        from nicat.access import policy

        # The screening data (data/*.yaml) is read and validated on first use; its tests
        # (tests/test_indicator_data.py) fail on a broken file before it ships.
        policy.register_case_grant(referred_for_identification)
        policy.register_section_grant(identification_sections)


def referred_for_identification(user, institution_ids):
    """Identification officers of the competent authority see the cases referred to it for identification."""
    from django.db.models import Q

    from nicat.access.predicates import competent_authority_ids

    competent = competent_authority_ids(user)
    if not competent:
        return None
    return Q(identification__referred_to_id__in=competent, identification__referred_at__isnull=False)


def identification_sections(user, case):
    """The competent authority's identification officers see the whole case referred to them
    (within what their role may see): the inquiry needs identity, account and investigation."""
    from nicat.access import sections
    from nicat.access.predicates import competent_authority_ids
    from nicat.identification.models import Identification

    competent = competent_authority_ids(user)
    if competent and Identification.objects.system().filter(
            case_id=case.pk, referred_to_id__in=competent, referred_at__isnull=False).exists():
        return sections.CODES
    return None
