"""The printable status certificate of an officially recognised victim, as a PDF.

Pure Python (fpdf2) with the DejaVu fonts of Debian's `fonts-dejavu-core` package, which cover
Azerbaijani Latin (ə, ğ, ı, ö, ş, ü, ç) and Cyrillic. The fixed text comes from
`data/certificate.yaml` in the person's language of choice (az / ru / en).
"""
import logging
import pathlib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from fpdf import FPDF

from nicat.core.calendar import baku_today
from nicat.identification.indicators import certificate_texts

# fontTools logs the glyphs it keeps at INFO: the letters of the person's name. Never log them.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts/dejavu")


def _font_dir():
    configured = getattr(settings, "NICAT_PDF_FONT_DIR", None)
    for candidate in ([configured] if configured else []) + list(FONT_DIRS):
        path = pathlib.Path(candidate)
        if (path / "DejaVuSans.ttf").exists() and (path / "DejaVuSans-Bold.ttf").exists():
            return path
    raise ImproperlyConfigured(
        "The DejaVu fonts are missing: install the Debian package fonts-dejavu-core or set NICAT_PDF_FONT_DIR.")


def _date(value):
    return value.strftime("%d.%m.%Y") if value else "—"


def render_certificate(*, case, person, decision, language, reflection_end=None, child=False):
    texts = certificate_texts()[language]
    fonts = _font_dir()
    pdf = FPDF(format="A4")
    pdf.set_title(texts["title"])
    pdf.set_creator("Nicat")
    pdf.set_margins(20, 20, 20)
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(width, 4, texts["confidential"], align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(width, 6, decision.institution.name_az if language == "az" else (
        getattr(decision.institution, f"name_{language}", "") or decision.institution.name_az),
        align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(width, 8, texts["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(width, 6, texts["intro"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    rows = [
        (texts["name"], person.full_name or "—"),
        (texts["birth_date"], _date(person.birth_date)),
        (texts["case_reference"], case.reference),
        (texts["decided_by"], (getattr(decision.institution, f"name_{language}", "") or decision.institution.name_az)),
        (texts["decided_on"], _date(decision.decided_on)),
        (texts["certificate_number"], decision.certificate_number),
    ]
    label_width = 70
    for label, value in rows:
        pdf.set_font("DejaVu", "B", 10)
        y = pdf.get_y()
        pdf.multi_cell(label_width, 6, label, new_x="RIGHT", new_y="TOP")
        pdf.set_xy(pdf.l_margin + label_width, y)
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(width - label_width, 6, str(value), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 10)
    paragraphs = [texts["legal_basis"], texts["rights"]]
    if decision.release_from_liability:
        paragraphs.append(texts["release"])
    if reflection_end:
        paragraphs.append(texts["foreigner"].format(date=_date(reflection_end)))
    if child:
        paragraphs.append(texts["child"])
    for paragraph in paragraphs:
        pdf.multi_cell(width, 5.5, " ".join(paragraph.split()), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.ln(10)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(width, 6, f"{texts['issued_on']}: {_date(baku_today())}", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.ln(14)
    pdf.multi_cell(width, 6, f"{texts['signature']}: ______________________________", new_x="LMARGIN",
                   new_y="NEXT")
    return bytes(pdf.output())
