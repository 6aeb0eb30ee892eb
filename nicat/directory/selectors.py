"""Reads of the directory: where a victim can turn, for staff choosing where to refer and for the public page.

Institutions are not case data, but the addresses of shelters and assistance centres are
confidential (a trafficker who finds the shelter finds the victim): `institution_address_visible_to`
is the one rule, and the public page never shows such an address at all.
"""
from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from nicat.accounts.models import Role
from nicat.directory.models import Institution, InstitutionService, ServiceKind

# Kinds whose address is confidential even if the special-institution flag was forgotten.
CONFIDENTIAL_KINDS = frozenset({"shelter", "assistance_centre"})

HOTLINE_NUMBER = "152"

# The Main Department's public contacts as the seed gives them: the fallback text of the public
# page when the database holds no competent authority (or leaves a field empty).
SEED_MAIN_DEPARTMENT = {
    "name": {
        "az": "Daxili İşlər Nazirliyinin İnsan Alverinə qarşı Mübarizə Baş İdarəsi",
        "ru": "Главное управление по борьбе с торговлей людьми Министерства внутренних дел",
        "en": "Main Department for Combating Trafficking in Human Beings of the Ministry of Internal Affairs",
    },
    "address": {
        "az": "Bakı şəhəri, Azadlıq prospekti 161, AZ1106",
        "ru": "г. Баку, проспект Азадлыг 161, AZ1106",
        "en": "Baku, Azadlig Avenue 161, AZ1106",
    },
    "phone": "(+99412) 590-20-49",
    "fax": "(+99412) 590-20-48",
}


def _lang():
    return (get_language() or "az")[:2]


def address_is_confidential(institution):
    """Shelters and assistance centres (special institutions) keep their address confidential."""
    return bool(institution.is_special_institution or
                (institution.kind_id and institution.kind.code in CONFIDENTIAL_KINDS))


def represented_state(institution):
    """The state whose embassy or consulate `institution` is (a country term), or None when unknown or not a
    mission. The home state's missions abroad (region "abroad": nicat/public/data/embassies.yaml, the demo's
    consulate) record the country they stand in, as the public page shows it; they represent the home state
    (`NICAT_HOME_STATE`, Azerbaijan by default). A mission in the home state records the state it represents."""
    from nicat.vocab.models import Term

    if not institution.kind_id or institution.kind.code != "embassy_consulate":
        return None
    if institution.region_id and institution.region.code == "abroad":
        return Term.objects.filter(vocabulary="country", code=settings.NICAT_HOME_STATE).first()
    return institution.country if institution.country_id else None


def is_foreign_mission(institution):
    """An embassy or consulate of another state than the home state (`NICAT_HOME_STATE`; or of a state not
    recorded): it helps its own citizens, it decides nothing of the home state's (the temporary residence permit)."""
    if institution is None or not institution.kind_id or institution.kind.code != "embassy_consulate":
        return False
    state = represented_state(institution)
    return state is None or state.code != settings.NICAT_HOME_STATE


def refuse_foreign_mission_on_permit(institution, case):
    """The temporary residence permit (offered, discussed, applied for, decided) is recorded by the home state's
    side and by the institution that owns the case: a foreign state's embassy or consulate that sees the case's
    "return" section as a partner is refused (403)."""
    if institution is not None and institution.pk != case.owner_institution_id and is_foreign_mission(institution):
        from nicat.access import policy

        raise policy.Refused(_("The temporary residence permit is decided by the state the person is in: the embassy "
                               "or consulate of another state does not record it. The institution that owns the case "
                               "records it."))


def institution_address_visible_to(user, institution):
    """May `user` read `institution`'s address?

    An ordinary institution's address is public. A confidential one (shelter, assistance centre)
    shows only to the institution's own staff and to identification officers, who bring victims there.
    """
    if not address_is_confidential(institution):
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    from nicat.access import policy

    for m in policy.memberships(user):
        if m.institution_id == institution.pk or m.role == Role.IDENTIFICATION_OFFICER:
            return True
    return False


def _with_services(qs):
    return qs.select_related("kind", "region", "country").prefetch_related(
        "languages", Prefetch("services", queryset=InstitutionService.objects.filter(active=True)))


def institution_search(*, q="", service="", region=None, language=None, kind=None, free_only=False):
    """Active institutions matching the filters, with their services, for staff choosing where to refer."""
    qs = Institution.objects.filter(active=True)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name_az__icontains=q) | Q(name_ru__icontains=q) | Q(name_en__icontains=q) |
                       Q(code__icontains=q))
    if service:
        qs = qs.filter(services__kind=service, services__active=True)
    if region:
        qs = qs.filter(region=region)
    if language:
        qs = qs.filter(languages=language)
    if kind:
        qs = qs.filter(kind=kind)
    return _with_services(qs.distinct()).order_by("name_az")


def institution_detail(*, uuid):
    return _with_services(Institution.objects.filter(active=True)).get(uuid=uuid)


def offers(institution, service):
    """Does `institution` offer `service` now (per the directory)?"""
    return InstitutionService.objects.filter(institution=institution, kind=service, active=True).exists()


def competent_authority():
    return Institution.objects.filter(is_competent_authority=True, active=True).order_by("pk").first()


def main_department_contacts():
    """The Main Department's name and contacts for the public page: the database first, the seed as fallback."""
    lang = _lang()
    inst = competent_authority()
    seed = SEED_MAIN_DEPARTMENT
    return {
        "name": (inst.name if inst else "") or seed["name"].get(lang, seed["name"]["en"]),
        "address": (inst.address if inst else "") or seed["address"].get(lang, seed["address"]["en"]),
        "phone": (inst.phone if inst else "") or seed["phone"],
        "fax": (inst.fax if inst else "") or seed["fax"],
        "email": inst.email if inst else "",
        "hours": inst.hours if inst else "",
        "institution": inst,
    }


def public_institutions():
    """Institutions that agreed to be listed, as the public may see them: confidential addresses removed."""
    rows = []
    qs = _with_services(Institution.objects.filter(active=True, listed_publicly=True)
                        .exclude(is_competent_authority=True)).order_by("kind__sort", "name_az")
    for inst in qs:
        rows.append({
            "institution": inst,
            "name": inst.name,
            "kind": inst.kind.label if inst.kind_id else "",
            "region": inst.region.label if inst.region_id else "",
            "address": "" if address_is_confidential(inst) else inst.address,
            "address_confidential": address_is_confidential(inst),
            "special": inst.is_special_institution,
            "phone": inst.phone, "email": inst.email, "hours": inst.hours,
            "languages": [t.label for t in inst.languages.all()],
            "services": [s.get_kind_display() for s in inst.services.all()],
        })
    return rows


def service_choices():
    return ServiceKind.choices
