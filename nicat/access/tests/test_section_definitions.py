"""The case sections are defined once (nicat.access.sections) and every reader uses that definition:
the policy, the serializers, the referral form and API, the templates."""
from django.template import Context, Template

from nicat.access import policy, sections
from nicat.accounts.models import CASE_ROLES


def test_one_definition_complete_and_consistent():
    assert set(sections.ROLES) == set(sections.CODES) == {code for code, _ in sections.CHOICES}
    assert all(roles <= set(CASE_ROLES) for roles in sections.ROLES.values())
    assert sections.LAW_ENFORCEMENT_ONLY <= set(sections.CODES)
    for record, by_section in sections.FIELDS.items():
        assert set(by_section) <= set(sections.CODES), record
        names = [n for fields in by_section.values() for n in fields]
        assert len(names) == len(set(names)), f"a field of {record} in two sections"
    # The names older modules used are the same objects.
    assert policy.SECTIONS is sections.CODES and policy.SECTION_ROLES is sections.ROLES


def test_the_fields_each_section_holds_exist_in_the_api_representations():
    from nicat.cases.api import CaseSerializer
    from nicat.persons.api import PersonSerializer

    person_fields = set(PersonSerializer().fields)
    case_fields = set(CaseSerializer().fields)
    for names in sections.fields("persons.person").values():
        assert set(names) <= person_fields
    for names in sections.fields("cases.case").values():
        assert set(names) <= case_fields


def test_strip_drops_exactly_the_fields_of_unseen_sections():
    data = {"given_name": "A", "phone": "1", "uuid": "u"}
    assert sections.strip(dict(data), "persons.person", {sections.IDENTITY}) == {"given_name": "A", "uuid": "u"}
    assert sections.strip(dict(data), "persons.person", set(sections.CODES)) == data
    assert sections.strip(dict(data), "vocab.term", set()) == data  # a record outside the table keeps all


def test_referrals_and_templates_read_the_same_sections():
    from nicat.referrals.api import InstitutionReferralSerializer
    from nicat.referrals.forms import ReferralForm
    from nicat.referrals.sections import ALLOWED, DEFAULT

    assert [c for c, _ in ReferralForm.base_fields["shared_sections"].choices] == list(sections.CODES)
    child = InstitutionReferralSerializer().fields["shared_sections"].child
    assert list(child.choices) == list(sections.CODES)
    assert set().union(*ALLOWED.values()) <= set(sections.CODES)
    assert all(set(DEFAULT[p]) <= ALLOWED[p] for p in DEFAULT)
    rendered = Template('{% load access %}{{ "medical"|section_label }}').render(Context())
    assert rendered == str(sections.label(sections.MEDICAL))
