"""The case file as a PDF: everything on the case page, for a reader who may see all of it.

Who: a reader who sees every section of the case a file holds — identity, contacts, what happened,
health and return (the criminal investigation is held by law enforcement and is never in this file).
In practice: the owner institution's case workers and supervisors. Everyone else prints the page
(the print stylesheet shows only what the page shows them).
Every download is audited (`case.file.print`). Every page carries the confidentiality notice.
fpdf2 with the DejaVu fonts (Azerbaijani and Cyrillic letters), as the status certificate.
"""
import logging

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from nicat.access import policy, sections
from nicat.vocab.models import label_of

logging.getLogger("fontTools").setLevel(logging.WARNING)  # it logs the glyphs kept: letters of names

# The sections whose content the file prints (sections added later — the investigation, safety — are not in it).
FILE_SECTIONS = frozenset({sections.IDENTITY, sections.CONTACTS, sections.NARRATIVE, sections.MEDICAL,
                           sections.RETURN})


def may_download(user, case):
    return FILE_SECTIONS <= policy.visible_sections(user, case)


def _d(value):
    if not value:
        return "—"
    if hasattr(value, "hour"):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _terms(qs):
    return ", ".join(str(t.label) for t in qs.all()) or "—"


class _File(FPDF):
    notice = ""
    reference = ""

    def header(self):
        self.set_font("DejaVu", "B", 8)
        self.set_text_color(122, 29, 29)
        self.cell(0, 5, self.notice, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 5, f"{self.reference} · {self.page_no()}/{{nb}}", align="C")


def render(*, user, case):
    from nicat.cases import selectors as case_selectors
    from nicat.identification.certificate import _font_dir
    from nicat.web.timeline import case_timeline

    fonts = _font_dir()
    pdf = _File(format="A4")
    pdf.notice = _("CONFIDENTIAL: information about a victim of trafficking. Disclosure is punishable by law.")
    pdf.reference = case.reference
    pdf.set_title(_("Case file %(ref)s") % {"ref": case.reference})
    pdf.set_creator("Nicat")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.alias_nb_pages()
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(text, size=12):
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(width, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9.5)

    def row(label, value):
        top = pdf.get_y()
        pdf.set_font("DejaVu", "B", 9.5)
        pdf.multi_cell(55, 5, str(label), new_x="LMARGIN", new_y="NEXT")
        bottom = pdf.get_y()
        pdf.set_xy(pdf.l_margin + 57, top)
        pdf.set_font("DejaVu", "", 9.5)
        pdf.multi_cell(width - 57, 5, str(value) if value not in (None, "") else "—", new_x="LMARGIN", new_y="NEXT")
        pdf.set_xy(pdf.l_margin, max(bottom, pdf.get_y()) + 0.5)

    def para(text):
        pdf.set_font("DejaVu", "", 9.5)
        pdf.multi_cell(width, 5, str(text), new_x="LMARGIN", new_y="NEXT")

    heading(_("Case file %(ref)s") % {"ref": case.reference}, 15)
    para(_("Printed on %(when)s by %(who)s.") % {
        "when": _d(timezone.now()), "who": user.get_full_name() or user.get_username()})

    person = case.person
    heading(_("The person"))
    row(_("Name"), person.full_name)
    if person.aliases:
        row(_("Other names and spellings"), ", ".join(person.aliases))
    row(_("Date of birth"), _d(person.birth_date) if person.birth_date else (
        _("about %(age)s years") % {"age": person.estimated_age} if person.estimated_age is not None else "—"))
    row(_("Gender"), person.gender.label if person.gender else "—")
    row(_("Citizenship"), _terms(person.citizenships))
    row(_("Languages"), _terms(person.languages))
    row(_("Identity documents"), "; ".join(
        " ".join(v for v in (label_of("document_type", d.get("type")), str(d.get("number") or ""),
                             label_of("country", d.get("country"))) if v)
        for d in (person.documents or [])) or "—")
    row(_("Phone"), person.phone)
    row(_("E-mail"), person.email)
    row(_("Address"), person.address)

    heading(_("The case"))
    row(_("Case status"), case.get_status_display())
    row(_("Trafficking status"), case.get_trafficking_status_display())
    row(_("Owner institution"), case.owner_institution.name)
    row(_("How the person came to notice"), case.get_came_to_notice_display())
    row(_("First contact"), _d(case.first_contact_at))
    row(_("Acts"), _terms(case.acts))
    row(_("Means"), _terms(case.means))
    row(_("Forms of exploitation"), _terms(case.exploitation_forms))
    row(_("Recruitment channels"), _terms(case.recruitment_channels))
    row(_("Risk factors"), _terms(case.risk_factors))
    row(_("Countries of origin"), _terms(case.countries_of_origin))
    row(_("Countries of exploitation"), _terms(case.countries_of_exploitation))
    row(_("Internal or transnational"), case.get_scope_display())
    if case.summary:
        heading(_("Summary"), 10.5)
        para(case.summary)

    heading(_("Route: trafficking events"))
    events = list(case_selectors.case_events(user=user, case=case))
    for event in events:
        row(f"{_d(event.date_from)} – {_d(event.date_to)}", " · ".join(x for x in (
            event.get_kind_display(), event.country.label if event.country else "", event.place,
            event.description) if x))
    if not events:
        para(_("No events recorded yet."))

    heading(_("Notes"))
    notes = list(case_selectors.case_notes(user=user, case=case))
    for note in notes:
        author = (note.author.get_full_name() or note.author.get_username()) if note.author else ""
        row(f"{_d(note.created_at)}\n{author}", note.text)
    if not notes:
        para(_("No notes yet."))

    heading(_("Timeline"))
    for entry in case_timeline(user=user, case=case):
        row(_d(entry["when"]), entry["title"] + (f" — {entry['detail']}" if entry["detail"] else ""))
    return bytes(pdf.output())


def case_file_pdf(*, actor, case):
    """The PDF bytes, audited; NotAllowed unless the actor sees the whole file."""
    from nicat.audit import services as audit
    from nicat.core.errors import NotAllowed

    if not may_download(actor, case):
        raise NotAllowed(_("The case file is for those who may see the whole case. Print the page instead."))
    content = render(user=actor, case=case)
    audit.record(actor=actor, action="case.file.print", obj=case, case=case,
                 institution=policy.acting_institution(actor, case=case), details={"channel": "web"})
    return content
