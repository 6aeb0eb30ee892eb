"""Access matrix entries of the criminal proceedings (format: tests/support/matrix.py).

The investigation file (suspects, criminal cases, stage, verdict, release from liability, the link to
compensation) is for the roles that see the `investigation` section at a law-enforcement institution —
in the matrix world the identification officer and the supervisor of the Main Department. The hearings
(the `hearings` section) are also read by the NGO's case worker, who accompanies the victim. Every other
role is refused with 403 before any object is looked up; another institution's case answers 404.
"""
import datetime

from django.utils import timezone

from nicat.accounts.models import Role
from tests.support.matrix import api, page

INVESTIGATION = frozenset({Role.IDENTIFICATION_OFFICER.value, Role.SUPERVISOR.value})
HEARINGS = INVESTIGATION | {Role.CASE_WORKER.value}
CASE = {"case_uuid": "case"}


def _detail(kind, allow=INVESTIGATION):
    return api(allow, kwargs={"uuid": kind})


def _action(kind):
    return api(INVESTIGATION, methods=("post",), kwargs={"uuid": kind})


MATRIX = {
    "proceedings:case": page(HEARINGS, kwargs=CASE),
    "proceedings:perpetrator_add": page(INVESTIGATION, kwargs=CASE),
    "proceedings:criminal_case_add": page(INVESTIGATION, kwargs=CASE),
    "proceedings:release_add": page(INVESTIGATION, kwargs=CASE),
    "proceedings:stage": page(INVESTIGATION, kwargs={"uuid": "criminal_case"}),
    "proceedings:verdict": page(INVESTIGATION, kwargs={"uuid": "criminal_case"}),
    "proceedings:hearing_add": page(INVESTIGATION, kwargs={"uuid": "criminal_case"}),
    "proceedings:appearance_add": page(INVESTIGATION, kwargs={"uuid": "hearing"}),
    "proceedings:appearance_outcome": page(INVESTIGATION, kwargs={"uuid": "appearance"}),
    "proceedings:release_decide": page(INVESTIGATION, kwargs={"uuid": "release_request"}),
    "proceedings:claim_link": page(INVESTIGATION, kwargs={"uuid": "claim"}),
    "proceedings-perpetrator-list": api(INVESTIGATION),
    "proceedings-perpetrator-search": api(INVESTIGATION, methods=("post",), query={"name": "Matrix Suspect"}),
    "proceedings-perpetrator-detail": _detail("perpetrator"),
    "proceedings-criminal-case-list": api(INVESTIGATION),
    "proceedings-criminal-case-detail": _detail("criminal_case"),
    "proceedings-criminal-case-stage": _action("criminal_case"),
    "proceedings-criminal-case-verdict": _action("criminal_case"),
    "proceedings-criminal-case-link-compensation": _action("criminal_case"),
    "proceedings-hearing-list": api(HEARINGS),
    "proceedings-hearing-detail": _detail("hearing", HEARINGS),
    "proceedings-appearance-list": api(HEARINGS),
    "proceedings-appearance-detail": _detail("appearance", HEARINGS),
    "proceedings-release-request-list": api(INVESTIGATION),
    "proceedings-release-request-detail": _detail("release_request"),
    "proceedings-release-request-decide": _action("release_request"),
}


def _case(world, role, own):
    return world.case_of(role) if own else world.foreign_case


def _criminal_case(world, case):
    from nicat.proceedings.models import CriminalCase, Stage

    key = ("proceedings-criminal-case", case.pk)
    if key not in world.cache:
        day = timezone.localdate() - datetime.timedelta(days=30)
        world.cache[key] = CriminalCase.objects.system().create(
            case=case, number=f"MX-{case.pk}", investigating_body=world.institutions["main"], opened_on=day,
            stage=Stage.IN_COURT, stage_since=day, confiscation_description="Matrix confiscated property")
    return world.cache[key]


def _hearing(world, case):
    from nicat.proceedings.models import Hearing

    key = ("proceedings-hearing", case.pk)
    if key not in world.cache:
        world.cache[key] = Hearing.objects.system().create(criminal_case=_criminal_case(world, case),
                                                           starts_at=timezone.now() + datetime.timedelta(days=7),
                                                           court="Baku Serious Crimes Court")
    return world.cache[key]


def _on_case(build):
    def provider(world, role, own):
        case = _case(world, role, own)
        return None if case is None else build(world, case).uuid
    return provider


def _perpetrator(world, case):
    from nicat.proceedings.models import Perpetrator

    return Perpetrator.objects.system().create(case=case, family_name="Matrix", role_details="Matrix suspect role")


def _appearance(world, case):
    from nicat.proceedings.models import Appearance

    appearance, _created = Appearance.objects.system().get_or_create(hearing=_hearing(world, case),
                                                               defaults={"person_wishes": "Matrix appearance wishes"})
    return appearance


def _release(world, case):
    from nicat.proceedings.models import LiabilityKind, ReleaseRequest

    return ReleaseRequest.objects.system().create(case=case, liability=LiabilityKind.ADMINISTRATIVE, offence="Matrix offence",
                                                  requested_on=timezone.localdate(), authority="Court")


OBJECTS = {
    "criminal_case": _on_case(_criminal_case),
    "hearing": _on_case(_hearing),
    "appearance": _on_case(_appearance),
    "perpetrator": _on_case(_perpetrator),
    "release_request": _on_case(_release),
}
