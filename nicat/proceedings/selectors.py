"""Every read of suspected traffickers and criminal proceedings, for pages and API alike: scoped by
the access policy (the case visible, then the section — `investigation` for the file, `hearings` for
the dates of hearings), and audited (`proceedings.view`, `hearing.list` …, channel page or api)."""
from django.db.models import Prefetch

from nicat.access import policy
from nicat.access.sections import HEARINGS, INVESTIGATION
from nicat.audit import services as audit
from nicat.core.reads import Reads, as_uuid
from nicat.proceedings.models import (
    Appearance,
    CriminalCase,
    Hearing,
    Perpetrator,
    ReleaseRequest,
    StageChange,
)

# How each model reaches its case, and the section that holds it.
MODELS = {
    Perpetrator: ("case", INVESTIGATION),
    CriminalCase: ("case", INVESTIGATION),
    ReleaseRequest: ("case", INVESTIGATION),
    Hearing: ("criminal_case__case", HEARINGS),
    Appearance: ("hearing__criminal_case__case", HEARINGS),
}


def criminal_case_related(user=None):
    """Prefetches of a criminal case's own records, for criminal cases read through `visible_to(user)`: its
    suspects, stage changes and claims hang off the same case, so the same scope holds them. Without a user:
    none (`scoped(CriminalCase, user)` has added them already)."""
    from django.apps import apps

    if user is None:
        return ()
    claim_model = apps.get_model("assistance", "CompensationClaim")

    def rows(model):
        return model.objects.visible_to(user)

    return (Prefetch("perpetrators", queryset=rows(Perpetrator).order_by("created_at", "pk")),
            Prefetch("stage_changes", queryset=rows(StageChange).order_by("changed_on", "recorded_at", "pk")),
            Prefetch("compensation_claims", queryset=rows(claim_model)))


def suspects_of(criminal_case):
    """The suspects of a (visible) criminal case: the prefetched ones, else read as the system."""
    cache = getattr(criminal_case, "_prefetched_objects_cache", {})
    if "perpetrators" in cache:
        return list(cache["perpetrators"])
    # A criminal case names only suspects recorded on its own case (services._clean_criminal_case checks it).
    return list(Perpetrator.objects.of(criminal_case.case).filter(criminal_cases=criminal_case)
                .order_by("created_at", "pk"))


def stage_changes_of(criminal_case):
    cache = getattr(criminal_case, "_prefetched_objects_cache", {})
    if "stage_changes" in cache:
        return list(cache["stage_changes"])
    return list(StageChange.objects.of(criminal_case)
                .order_by("changed_on", "recorded_at", "pk"))


def case_ids_with_section(user, section, case_ids=None):
    """Ids of the visible cases (of `case_ids`, when given) of which `user` sees `section` (`policy.section_q`:
    a police role held elsewhere opens nothing of an NGO's own case to its case worker)."""
    cases = policy.visible_cases(user)
    if case_ids is not None:
        cases = cases.filter(pk__in=list(case_ids))
    return set(cases.filter(policy.section_q(user, section, cases)).values_list("pk", flat=True))


def scoped(model, user, case=None):
    """`model`'s records visible to `user` in the section that holds them (optionally of one case); criminal
    cases with their suspects, stage changes and claims prefetched (`criminal_case_related`)."""
    path, section = MODELS[model]
    qs = model.objects.visible_to(user)
    if case is not None:
        qs = qs.filter(**{path: case})
        qs = qs if policy.can_see_section(user, case, section) else qs.none()
    else:
        candidates = set(qs.values_list(path, flat=True).distinct())
        qs = qs.filter(**{f"{path}__in": case_ids_with_section(user, section, candidates)})
    return qs.prefetch_related(*criminal_case_related(user)) if model is CriminalCase else qs


def record_read(*, user, action, case=None, obj=None, channel="page", **details):
    # audit.record is its own transaction (no savepoint: nothing else is written with it)
    audit.record(actor=user, action=action, obj=obj, case=case if case is not None else getattr(obj, "case", None),
                 details={"channel": channel, **details})


def proceedings_of(*, user, case, channel="page"):
    """What `user` may see of the proceedings of `case`, read once and audited:
    {"investigation": bool, "hearings_visible": bool, "criminal_cases": [...], "perpetrators": [...],
     "release_requests": [...], "hearings": [...], "claims": [...]} — lists empty where the section is closed."""
    investigation = policy.can_see_section(user, case, INVESTIGATION)
    hearings_visible = policy.can_see_section(user, case, HEARINGS)
    out = {"investigation": investigation, "hearings_visible": hearings_visible, "criminal_cases": [],
           "perpetrators": [], "release_requests": [], "hearings": [], "claims": []}
    if not (investigation or hearings_visible):
        return out
    if investigation:
        out["perpetrators"] = list(Perpetrator.objects.visible_to(user).filter(case=case)
                                   .select_related("relation", "gender").prefetch_related("roles", "nationalities"))
        out["criminal_cases"] = list(
            CriminalCase.objects.visible_to(user).filter(case=case)
            .select_related("investigating_body")
            .prefetch_related("articles", *criminal_case_related(user)))
        out["release_requests"] = list(ReleaseRequest.objects.visible_to(user).filter(case=case)
                                       .select_related("criminal_case"))
        from django.apps import apps

        claim_model = apps.get_model("assistance", "CompensationClaim")
        out["claims"] = list(claim_model.objects.visible_to(user).filter(case=case).select_related("criminal_case"))
    if hearings_visible:
        out["hearings"] = list(Hearing.objects.visible_to(user).filter(criminal_case__case=case)
                               .select_related("appearance", "appearance__accompanied_by")
                               .order_by("starts_at", "pk"))
    record_read(user=user, action="proceedings.view", case=case, channel=channel,
                sections=[s for s, shown in ((INVESTIGATION, investigation), (HEARINGS, hearings_visible)) if shown],
                hearings=len(out["hearings"]), criminal_cases=len(out["criminal_cases"]))
    return out


def perpetrators_named(*, user, given="", family="", patronymic=""):
    """Suspects whose name has the same blind index (any spelling, any order), among those `user` may
    see in the investigation files of their cases. Audited without the name."""
    from nicat.proceedings.services import name_index

    index = name_index(given, family, patronymic)
    if not index:
        return Perpetrator.objects.none()
    found = scoped(Perpetrator, user).filter(name_index=index)
    record_read(user=user, action="perpetrator.search", channel="api", found=found.count())
    return found


# --- the one read path of the API's resources (nicat.core.reads) ------------------------------------------


class ProceedingsReads(Reads):
    """Reads of one proceedings model: scoped by `scoped` (the case visible, then the section that holds
    the model, in the query itself), so a found record needs no second section check."""

    def __init__(self, model, thing, *, related=()):
        path, section = MODELS[model]
        super().__init__(model, thing, related=related, section=section, case_path=path)

    def query(self, user, *, case=None):
        qs = scoped(self.model, user)
        if self.related:
            qs = qs.select_related(*self.related)
        if case is not None and case != "":
            key = as_uuid(case)
            qs = qs.filter(**{f"{self.case_path}__uuid": key}) if key else qs.none()
        return qs.order_by(*self.order)

    def sees(self, user, obj):
        return True  # `query` kept only the records whose section the user sees


PERPETRATORS = ProceedingsReads(Perpetrator, "perpetrator", related=("case", "relation", "gender"))
CRIMINAL_CASES = ProceedingsReads(CriminalCase, "criminal_case", related=("case", "investigating_body"))
HEARINGS_READ = ProceedingsReads(Hearing, "hearing", related=("criminal_case__case", "appearance",
                                                               "appearance__accompanied_by"))
APPEARANCES = ProceedingsReads(Appearance, "appearance", related=("hearing__criminal_case__case", "accompanied_by"))
RELEASE_REQUESTS = ProceedingsReads(ReleaseRequest, "release_request", related=("case", "criminal_case"))
