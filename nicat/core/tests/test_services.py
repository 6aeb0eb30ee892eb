"""The shared service helpers: require a visible object, the one version check, the audit snapshot,
and the abstract models (the access policy reaches a record's case through its `case_path`)."""
import pytest
from django.core.exceptions import ValidationError

from nicat.cases.models import Case, CaseNote
from nicat.core.errors import ConcurrentEdit, NotAllowed
from nicat.core.models import CaseScopedModel, VersionedModel
from nicat.core.services import bump_version, check_version, require_visible, snapshot
from nicat.persons.models import Person


def test_require_visible_refuses_what_the_actor_may_not_see(cast):
    case = cast.open_case()
    require_visible(cast.worker, case)  # own institution
    for outsider in (cast.worker2, cast.analyst):
        with pytest.raises(NotAllowed):
            require_visible(outsider, case)
    with pytest.raises(NotAllowed):
        require_visible(cast.worker, None)
    note = CaseNote.objects.system().create(case=case, text="Met at the shelter.", author=cast.worker)
    require_visible(cast.worker, note)  # through the note's case
    with pytest.raises(NotAllowed):
        require_visible(cast.worker2, note)


@pytest.mark.parametrize("given", [None, "", "two", True])
def test_a_missing_or_malformed_version_is_a_field_error_and_changes_nothing(cast, given):
    case = cast.open_case()
    with pytest.raises(ValidationError) as error:
        bump_version(Case, case, given)
    assert list(error.value.error_dict) == ["version"] and not isinstance(error.value, ConcurrentEdit)
    with pytest.raises(ValidationError) as error:
        check_version(case.version, given)
    assert list(error.value.error_dict) == ["version"]
    assert Case.objects.system().get(pk=case.pk).version == 1


def test_a_stale_version_is_a_concurrent_edit_and_the_current_one_moves_on(cast):
    case = cast.open_case()
    with pytest.raises(ConcurrentEdit):
        bump_version(Case, case, case.version + 1)
    with pytest.raises(ConcurrentEdit):
        check_version(case.version, case.version + 1)
    check_version(case.version, str(case.version))  # a form sends text
    assert bump_version(Case, case, case.version) == 2 and case.version == 2
    assert Case.objects.system().get(pk=case.pk).version == 2
    with pytest.raises(ConcurrentEdit):  # the version just used is stale now
        bump_version(Case, case, 1)


def test_snapshot_names_related_records_by_code_never_by_name(cast):
    case = cast.open_case()
    snap = snapshot(case, ("status", "owner_institution", "person"))
    assert snap["status"] == case.status
    assert snap["owner_institution"] == "ngo-one"
    assert snap["person"] == str(case.person.uuid)
    assert snapshot({"a": 1}, ("a", "b")) == {"a": 1, "b": None}


def test_abstract_models_add_no_columns_and_tell_the_policy_the_way_to_the_case():
    assert VersionedModel._meta.abstract and CaseScopedModel._meta.abstract
    assert issubclass(Case, VersionedModel) and Case.case_path == "pk"
    assert issubclass(CaseNote, CaseScopedModel) and CaseNote.case_path == "case"
    assert issubclass(Person, VersionedModel) and not issubclass(Person, CaseScopedModel)
    assert [f.name for f in Case._meta.local_fields].count("version") == 1


def test_counts_answers_each_querysets_number_in_one_query(cast, django_assert_num_queries):
    """nicat.core.models.counts: what `.count()` of each would answer, in one round trip — scoped querysets,
    an id list bound as one array (`among`) and an empty queryset included."""
    from nicat.core.models import among, counts

    mine, other = cast.open_case(), cast.open_case(actor=cast.worker2)
    cases = Case.objects.system()
    asked = {"all": cases, "seen": Case.objects.visible_to(cast.worker), "none": Case.objects.none(),
             "among": cases.filter(among(Case, "id", [mine.pk, other.pk, -1]))}
    expected = {name: qs.count() for name, qs in asked.items()}
    assert expected["seen"] < expected["all"] and expected["among"] == 2 and expected["none"] == 0
    with django_assert_num_queries(1):
        assert counts(**asked) == expected
    assert counts() == {}
