"""Suspected traffickers and criminal proceedings in the HTCDS exchange (issue 17, item 7).

HTCDS 2.0 describes a perpetrator as a person (prs_FirstName, prs_SecondName, prs_MiddleName,
prs_Gender, prs_Citizenship) with a perpetrator context: `per_RoleInProcess` (multiselect: the
perpetrator_role vocabulary's HTCDS codes — RecruiterOrIntermediary, Transporter, Exploiter,
ControlledIndividual …), `per_RoleDetails` (long text) and `per_Organisation`; the victim's relation to
the trafficker is `vic_RelationshipToTrafficker` (Familial / Acquainted / Unaquainted, the standard's
spelling). Each case record carries its suspects under `nct_Perpetrators` with exactly these names; what
the standard lacks travels under `nct_` names (the finer relation `nct_Relation`, the age band, the
id). HTCDS 2.0 has no proceedings fields: the criminal cases travel under `nct_Proceedings` and the
requests for release from liability under `nct_ReleaseRequests`, so that the round trip loses nothing.
"""
import datetime
import uuid as uuidlib
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from nicat.exchange import htcds

PERPETRATOR_KEYS = ("nct_Id", "prs_FirstName", "prs_SecondName", "prs_MiddleName", "nct_Aliases", "prs_Gender",
                    "prs_Citizenship", "per_RoleInProcess", "per_RoleDetails", "per_Organisation",
                    "vic_RelationshipToTrafficker", "nct_Relation", "nct_AgeBand")


def _iso(value):
    return value.isoformat() if value else ""


def _moment(value):
    return value.astimezone(datetime.UTC).isoformat() if value else ""


# --- export ------------------------------------------------------------------------------------------

def prefetches(rows):
    """What `records` reads, prefetched by the export; `rows(model)` is the export's own read of a model (the
    whole registry for the operator's export, the user's scope through the API)."""
    from django.db.models import Prefetch

    from nicat.proceedings.models import CriminalCase, Hearing, Perpetrator, ReleaseRequest, StageChange

    return (
        Prefetch("perpetrators", queryset=rows(Perpetrator).select_related("gender", "relation")
                 .prefetch_related("roles", "nationalities")),
        Prefetch("criminal_cases", queryset=rows(CriminalCase).select_related("investigating_body")
                 .prefetch_related("articles",
                                   Prefetch("perpetrators", queryset=rows(Perpetrator)),
                                   Prefetch("stage_changes", queryset=rows(StageChange)),
                                   Prefetch("hearings", queryset=rows(Hearing).select_related(
                                       "appearance", "appearance__accompanied_by")))),
        Prefetch("release_requests", queryset=rows(ReleaseRequest).select_related("criminal_case")),
    )


def perpetrator_record(p, vocab):
    return {
        "nct_Id": str(p.uuid), "prs_FirstName": p.given_name or "", "prs_SecondName": p.family_name or "",
        "prs_MiddleName": p.patronymic or "", "nct_Aliases": list(p.aliases or []),
        "prs_Gender": vocab.value(p.gender), "prs_Citizenship": vocab.values(p.nationalities.all()),
        "per_RoleInProcess": vocab.values(p.roles.all()), "per_RoleDetails": p.role_details or "",
        "per_Organisation": p.organisation or "",
        "vic_RelationshipToTrafficker": p.relation.htcds_code if p.relation_id else "",
        "nct_Relation": vocab.value(p.relation), "nct_AgeBand": p.age_band,
    }


def _appearance(hearing):
    try:
        a = hearing.appearance
    except Exception:  # no appearance (RelatedObjectDoesNotExist)
        return None
    return {"nct_Status": a.status, "nct_Mode": a.mode,
            "nct_AccompaniedBy": a.accompanied_by.code if a.accompanied_by_id else "",
            "nct_SafetyChecked": list(a.safety_checked or [])}


def criminal_case_record(cc, vocab):
    changes = sorted(cc.stage_changes.all(), key=lambda s: (s.changed_on, s.recorded_at, s.pk))
    hearings = sorted(cc.hearings.all(), key=lambda h: (h.starts_at, str(h.uuid)))
    return {
        "nct_Id": str(cc.uuid), "nct_Number": cc.number or "", "nct_Articles": vocab.values(cc.articles.all()),
        "nct_InvestigatingBody": cc.investigating_body.code, "nct_OpenedOn": _iso(cc.opened_on),
        "nct_Stage": cc.stage, "nct_StageSince": _iso(cc.stage_since), "nct_VictimStatus": cc.victim_status,
        "nct_Perpetrators": sorted(str(p.uuid) for p in cc.perpetrators.all()),
        "nct_StageChanges": [{"nct_From": s.from_stage, "nct_To": s.to_stage, "nct_On": _iso(s.changed_on),
                              "nct_Note": s.note or ""} for s in changes],
        "nct_Hearings": [{"nct_Id": str(h.uuid), "nct_StartsAt": _moment(h.starts_at), "nct_Court": h.court or "",
                          "nct_Purpose": h.purpose, "nct_Appearance": _appearance(h)} for h in hearings],
        "nct_Verdict": None if not cc.verdict_on else {
            "nct_On": _iso(cc.verdict_on), "nct_Court": cc.verdict_court or "", "nct_Outcome": cc.verdict_outcome,
            "nct_Sentence": cc.sentence_summary or "",
            "nct_ConfiscationAmount": "" if cc.confiscation_amount is None else str(cc.confiscation_amount),
            "nct_ConfiscationDescription": cc.confiscation_description or ""},
    }


def release_record(r):
    return {"nct_CriminalCase": str(r.criminal_case.uuid) if r.criminal_case_id else "", "nct_Liability": r.liability,
            "nct_Offence": r.offence or "", "nct_RequestedOn": _iso(r.requested_on), "nct_Authority": r.authority or "",
            "nct_Outcome": r.outcome, "nct_DecidedOn": _iso(r.decided_on), "nct_Decision": r.decision_note or ""}


def records(case, vocab):
    """{"nct_Perpetrators", "nct_Proceedings", "nct_ReleaseRequests"} of a case, in a stable order."""
    perpetrators = sorted(case.perpetrators.all(), key=lambda p: (p.created_at, str(p.uuid)))
    criminal_cases = sorted(case.criminal_cases.all(), key=lambda c: (c.opened_on, str(c.uuid)))
    releases = sorted(case.release_requests.all(), key=lambda r: (r.requested_on, r.created_at, str(r.uuid)))
    return {"nct_Perpetrators": [perpetrator_record(p, vocab) for p in perpetrators],
            "nct_Proceedings": [criminal_case_record(c, vocab) for c in criminal_cases],
            "nct_ReleaseRequests": [release_record(r) for r in releases]}


# --- import: check --------------------------------------------------------------------------------------

def _list(row, raw, name):
    value = raw.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        row.fail(name, _("expected a list of objects"))
        return []
    return value


def _uuid(row, where, value, existing, seen):
    if value in ("", None):
        return uuidlib.uuid4()
    try:
        value = uuidlib.UUID(str(value))
    except ValueError:
        row.fail(where, _("not a UUID"))
        return None
    if value in existing or value in seen:
        row.fail(where, _("already in the registry (or twice in the file)"))
        return None
    seen.add(value)
    return value


def _choice(row, where, value, choices, default=""):
    value = value or default
    if value not in choices.values:
        row.fail(where, _("unknown value %(value)s") % {"value": htcds.shown(value)})
        return default
    return value


def check(row, raw, vocab, institutions, seen, existing, make_row):
    """Validates the proceedings of one case record into row.clean["proceedings"]; problems on `row`."""
    from nicat.proceedings.models import (
        AgeBand,
        AppearanceMode,
        AppearanceStatus,
        HearingPurpose,
        LiabilityKind,
        ReleaseOutcome,
        Stage,
        VerdictOutcome,
        VictimStatus,
    )

    out = {"perpetrators": [], "criminal_cases": [], "releases": []}
    ids = set()
    for j, p in enumerate(_list(row, raw, "nct_Perpetrators")):
        where = f"nct_Perpetrators[{j}]"
        sub = make_row(p, where)
        pid = _uuid(row, f"{where}.nct_Id", p.get("nct_Id"), existing["perpetrators"], seen["perpetrators"])
        ids.add(pid)
        aliases = p.get("nct_Aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) and len(a) <= 150 for a in aliases):
            row.fail(f"{where}.nct_Aliases", _("expected a list of names"))
            aliases = []
        relation = sub.term("nct_Relation", vocab, "trafficker_relation") if p.get("nct_Relation") else None
        if relation is None and p.get("vic_RelationshipToTrafficker"):
            # A file from elsewhere: the HTCDS value, mapped to the first term that carries it.
            relation = vocab.first_with_htcds("trafficker_relation", p["vic_RelationshipToTrafficker"])
            if relation is None:
                row.fail(f"{where}.vic_RelationshipToTrafficker", _("unknown value"))
        out["perpetrators"].append({
            "uuid": pid, "given_name": sub.text("prs_FirstName"), "family_name": sub.text("prs_SecondName"),
            "patronymic": sub.text("prs_MiddleName"), "aliases": aliases,
            "gender": sub.term("prs_Gender", vocab, "gender"),
            "nationalities": sub.terms("prs_Citizenship", vocab, "country"),
            "roles": sub.terms("per_RoleInProcess", vocab, "perpetrator_role"),
            "role_details": sub.text("per_RoleDetails", 20000), "organisation": sub.text("per_Organisation", 255),
            "relation": relation, "age_band": _choice(row, f"{where}.nct_AgeBand", p.get("nct_AgeBand"), AgeBand,
                                                      AgeBand.UNKNOWN)})
    cc_ids = set()
    for j, c in enumerate(_list(row, raw, "nct_Proceedings")):
        where = f"nct_Proceedings[{j}]"
        sub = make_row(c, where)
        cid = _uuid(row, f"{where}.nct_Id", c.get("nct_Id"), existing["criminal_cases"], seen["criminal_cases"])
        cc_ids.add(str(cid))
        body = c.get("nct_InvestigatingBody") or ""
        if body not in institutions:
            row.fail(f"{where}.nct_InvestigatingBody", _("unknown institution %(value)s") % {"value": htcds.shown(body)})
        opened = sub.date("nct_OpenedOn")
        if opened is None:
            row.fail(f"{where}.nct_OpenedOn", _("required"))
        suspects = c.get("nct_Perpetrators") or []
        if not isinstance(suspects, list) or any(str(s) not in {str(i) for i in ids} for s in suspects):
            row.fail(f"{where}.nct_Perpetrators", _("names a suspect not listed in %(field)s of this case")
                     % {"field": "nct_Perpetrators"})
            suspects = []
        changes = []
        for k, s in enumerate(_list(row, c, "nct_StageChanges")):
            changes.append({"from_stage": _choice(row, f"{where}.nct_StageChanges[{k}].nct_From", s.get("nct_From"),
                                                  Stage) if s.get("nct_From") else "",
                            "to_stage": _choice(row, f"{where}.nct_StageChanges[{k}].nct_To", s.get("nct_To"), Stage),
                            "changed_on": make_row(s, f"{where}.nct_StageChanges[{k}]").date("nct_On") or opened,
                            "note": make_row(s, f"{where}.nct_StageChanges[{k}]").text("nct_Note", 20000)})
        hearings = []
        for k, h in enumerate(_list(row, c, "nct_Hearings")):
            hw = f"{where}.nct_Hearings[{k}]"
            hs = make_row(h, hw)
            hid = _uuid(row, f"{hw}.nct_Id", h.get("nct_Id"), existing["hearings"], seen["hearings"])
            starts = hs.moment("nct_StartsAt", required=True, future_ok=True)
            appearance = h.get("nct_Appearance")
            if appearance is not None and not isinstance(appearance, dict):
                row.fail(f"{hw}.nct_Appearance", _("expected an object or null"))
                appearance = None
            if appearance is not None:
                by = appearance.get("nct_AccompaniedBy") or ""
                if by and by not in institutions:
                    row.fail(f"{hw}.nct_Appearance.nct_AccompaniedBy", _("unknown institution %(value)s")
                             % {"value": htcds.shown(by)})
                checked = appearance.get("nct_SafetyChecked") or []
                if not isinstance(checked, list) or not all(isinstance(x, str) for x in checked):
                    row.fail(f"{hw}.nct_Appearance.nct_SafetyChecked", _("expected a list of labels"))
                    checked = []
                appearance = {"status": _choice(row, f"{hw}.nct_Appearance.nct_Status", appearance.get("nct_Status"),
                                                AppearanceStatus, AppearanceStatus.REQUIRED),
                              "mode": _choice(row, f"{hw}.nct_Appearance.nct_Mode", appearance.get("nct_Mode"),
                                              AppearanceMode, AppearanceMode.IN_PERSON),
                              "accompanied_by": by, "safety_checked": [x[:200] for x in checked]}
            hearings.append({"uuid": hid, "starts_at": starts, "court": hs.text("nct_Court", 255),
                             "purpose": _choice(row, f"{hw}.nct_Purpose", h.get("nct_Purpose"), HearingPurpose,
                                                HearingPurpose.TRIAL), "appearance": appearance})
        verdict = c.get("nct_Verdict")
        clean_verdict = {}
        if verdict is not None:
            if not isinstance(verdict, dict):
                row.fail(f"{where}.nct_Verdict", _("expected an object or null"))
            else:
                vs = make_row(verdict, f"{where}.nct_Verdict")
                amount = verdict.get("nct_ConfiscationAmount")
                if amount in ("", None):
                    amount = None
                else:
                    try:
                        amount = Decimal(str(amount))
                        if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
                            raise InvalidOperation
                    except (InvalidOperation, ValueError):
                        row.fail(f"{where}.nct_Verdict.nct_ConfiscationAmount", _("expected an amount of 0 or more"))
                        amount = None
                clean_verdict = {"verdict_on": vs.date("nct_On"), "verdict_court": vs.text("nct_Court", 255),
                                 "verdict_outcome": _choice(row, f"{where}.nct_Verdict.nct_Outcome",
                                                            verdict.get("nct_Outcome"), VerdictOutcome),
                                 "sentence_summary": vs.text("nct_Sentence", 20000),
                                 "confiscation_amount": amount,
                                 "confiscation_description": vs.text("nct_ConfiscationDescription", 20000)}
                if clean_verdict["verdict_on"] is None:
                    row.fail(f"{where}.nct_Verdict.nct_On", _("required"))
        number = sub.text("nct_Number", 100, required=True)
        articles = sub.terms("nct_Articles", vocab, "criminal_article")
        out["criminal_cases"].append({
            "uuid": cid, "number": number, "articles": articles, "investigating_body": body, "opened_on": opened,
            "stage": _choice(row, f"{where}.nct_Stage", c.get("nct_Stage"), Stage, Stage.INQUIRY),
            "stage_since": sub.date("nct_StageSince") or opened,
            "victim_status": _choice(row, f"{where}.nct_VictimStatus", c.get("nct_VictimStatus"), VictimStatus,
                                     VictimStatus.VICTIM),
            "suspects": [str(s) for s in suspects], "stage_changes": changes, "hearings": hearings,
            **clean_verdict})
    for j, r in enumerate(_list(row, raw, "nct_ReleaseRequests")):
        where = f"nct_ReleaseRequests[{j}]"
        rs = make_row(r, where)
        linked = r.get("nct_CriminalCase") or ""
        if linked and str(linked) not in cc_ids:
            row.fail(f"{where}.nct_CriminalCase", _("names a criminal case not listed in %(field)s of this case")
                     % {"field": "nct_Proceedings"})
        requested = rs.date("nct_RequestedOn")
        if requested is None:
            row.fail(f"{where}.nct_RequestedOn", _("required"))
        out["releases"].append({
            "criminal_case": str(linked), "liability": _choice(row, f"{where}.nct_Liability", r.get("nct_Liability"),
                                                               LiabilityKind),
            "offence": rs.text("nct_Offence", 20000, required=True), "requested_on": requested,
            "authority": rs.text("nct_Authority", 255), "outcome": _choice(row, f"{where}.nct_Outcome",
                                                                           r.get("nct_Outcome"), ReleaseOutcome,
                                                                           ReleaseOutcome.PENDING),
            "decided_on": rs.date("nct_DecidedOn"), "decision_note": rs.text("nct_Decision", 20000)})
    row.clean["proceedings"] = out


def existing_ids(rows):
    """The identifiers already stored (`rows(model)`: the import's read of the whole registry)."""
    from nicat.proceedings.models import CriminalCase, Hearing, Perpetrator

    return {"perpetrators": set(rows(Perpetrator).values_list("uuid", flat=True)),
            "criminal_cases": set(rows(CriminalCase).values_list("uuid", flat=True)),
            "hearings": set(rows(Hearing).values_list("uuid", flat=True))}


# --- import: write ---------------------------------------------------------------------------------------

def write(case, clean, by_code):
    """Writes the checked proceedings of one imported case (inside the import's transaction)."""
    from nicat.proceedings.models import (
        Appearance,
        CriminalCase,
        Hearing,
        Perpetrator,
        ReleaseRequest,
        StageChange,
    )
    from nicat.proceedings.services import name_index, number_index

    suspects = {}
    for p in clean["perpetrators"]:
        p = dict(p)
        roles, nationalities = p.pop("roles"), p.pop("nationalities")
        perpetrator = Perpetrator(case=case, **p)
        perpetrator.name_index = name_index(p["given_name"], p["family_name"], p["patronymic"])
        perpetrator.save()
        perpetrator.roles.set(roles)
        perpetrator.nationalities.set(nationalities)
        suspects[str(perpetrator.uuid)] = perpetrator
    criminal_cases = {}
    for c in clean["criminal_cases"]:
        c = dict(c)
        articles, names = c.pop("articles"), c.pop("suspects")
        changes, hearings = c.pop("stage_changes"), c.pop("hearings")
        c["investigating_body"] = by_code[c["investigating_body"]]
        cc = CriminalCase(case=case, **c)
        cc.number_index = number_index(c["number"])
        cc.save()
        cc.articles.set(articles)
        through = CriminalCase.perpetrators.through
        through.objects.bulk_create([through(criminalcase_id=cc.pk, perpetrator_id=suspects[n].pk) for n in names])
        StageChange.objects.bulk_create([StageChange(criminal_case=cc, **s) for s in changes])
        for h in hearings:
            h = dict(h)
            appearance = h.pop("appearance")
            hearing = Hearing.objects.create(criminal_case=cc, **h)
            if appearance is not None:
                appearance = dict(appearance)
                by = appearance.pop("accompanied_by")
                Appearance.objects.create(hearing=hearing, accompanied_by=by_code.get(by) if by else None,
                                          **appearance)
        criminal_cases[str(cc.uuid)] = cc
    for r in clean["releases"]:
        r = dict(r)
        linked = r.pop("criminal_case")
        ReleaseRequest.objects.create(case=case, criminal_case=criminal_cases.get(linked), **r)
