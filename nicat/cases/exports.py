"""Exports of the case list, within the user's scope: CSV or XLSX, marked confidential with who
exported it and when. Identifying columns only when the user asks for them, states a purpose, and
may see each case's identity section; every export is audited with its purpose and row count."""
import csv
import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nicat.access import policy
from nicat.audit import services as audit
from nicat.cases.selectors import case_list
from nicat.core.spreadsheet import safe_cell, workbook_bytes

MAX_ROWS = 10000
MIN_PURPOSE = 10
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _columns(identities):
    columns = [("reference", _("Case reference")), ("status", _("Case status")),
               ("trafficking_status", _("Trafficking status")), ("first_contact", _("First contact")),
               ("owner", _("Owner institution")), ("exploitation", _("Forms of exploitation")),
               ("scope", _("Internal or transnational"))]
    if identities:
        columns += [("family_name", _("Family name")), ("given_name", _("Given name")),
                    ("patronymic", _("Patronymic")), ("birth_date", _("Date of birth"))]
    return columns


def export_cases(*, actor, filters, fmt, identities=False, purpose=""):
    """Returns (content bytes, filename, content type). Refuses with a ValidationError that says
    what to fix: an unknown format, identities without a stated purpose, too many rows."""
    if fmt not in FORMATS:
        raise ValidationError({"format": _("Choose CSV or XLSX.")})
    purpose = (purpose or "").strip()
    if identities and len(purpose) < MIN_PURPOSE:
        raise ValidationError({"purpose": _("State why the names are needed (at least %(n)d characters): the "
                                            "export is recorded with this purpose.") % {"n": MIN_PURPOSE}})
    if not policy.can_work_on_cases(actor):
        raise ValidationError(_("Your role does not work with cases."))
    cases = case_list(user=actor, **filters).select_related("person")
    total = cases.count()
    if total > MAX_ROWS:
        raise ValidationError(_("%(count)d cases match: narrow the filters to at most %(max)d rows.")
                              % {"count": total, "max": MAX_ROWS})
    columns = _columns(identities)
    rows, exported, identified = [], [], []
    for case in cases:
        row = {
            "reference": case.reference, "status": case.get_status_display(),
            "trafficking_status": case.get_trafficking_status_display(),
            "first_contact": timezone.localtime(case.first_contact_at).strftime("%Y-%m-%d"),
            "owner": case.owner_institution.name,
            "exploitation": "; ".join(str(t.label) for t in case.exploitation_forms.all()),
            "scope": case.get_scope_display(),
        }
        if identities:
            if policy.can_see_section(actor, case, "identity"):
                person = case.person
                row.update(family_name=person.family_name, given_name=person.given_name,
                           patronymic=person.patronymic,
                           birth_date=person.birth_date.isoformat() if person.birth_date else "")
                identified.append(str(case.uuid))
            else:
                row.update(family_name=_("(not shared with your institution)"), given_name="", patronymic="",
                           birth_date="")
        rows.append(row)
        exported.append(str(case.uuid))
    now = timezone.localtime()
    marking = _("CONFIDENTIAL: information about victims of trafficking. Exported by %(user)s on %(when)s. "
                "Disclosure is punishable by law.") % {"user": actor.get_username(),
                                                        "when": now.strftime("%Y-%m-%d %H:%M")}
    content = _csv(marking, columns, rows) if fmt == "csv" else _xlsx(marking, columns, rows)
    with transaction.atomic():
        audit.record(actor=actor, action="cases.export", reason=audit.seal_reason(purpose), details={
            "format": fmt, "rows": len(rows), "identities": bool(identities),
            "filters": {k: str(v) for k, v in filters.items()}, "cases": exported, "identified": identified})
    filename = f"nicat-cases-{now:%Y%m%d-%H%M}.{fmt}"
    return content, filename, FORMATS[fmt]


def _csv(marking, columns, rows):
    out = io.StringIO()
    out.write(f"# {marking}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([label for _key, label in columns])
    for row in rows:
        writer.writerow([_safe(row.get(key, "")) for key, _label in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: spreadsheet programs read UTF-8 right


def _xlsx(marking, columns, rows):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Cases"
    ws.append([marking])
    ws["A1"].font = Font(bold=True, color="9C0006")
    ws.oddHeader.center.text = marking
    ws.oddFooter.center.text = marking
    ws.append([str(label) for _key, label in columns])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_safe(row.get(key, ""), csv=False) for key, _label in columns])
    return workbook_bytes(wb)  # never openpyxl's save: it spools every sheet to a plain temporary file


def _safe(value, csv=True):
    """A cell a spreadsheet will not run as a formula (CSV injection): nicat.core.spreadsheet."""
    return safe_cell(str(value), csv=csv)
