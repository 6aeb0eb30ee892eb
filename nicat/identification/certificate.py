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


def _date(value, language="az"):
    """One date format per language (nicat/web/formats): 03.12.2026 in az/ru, 2026-12-03 in English."""
    if not value:
        return "—"
    from django.utils import formats, translation

    with translation.override(language):
        return formats.date_format(value, "SHORT_DATE_FORMAT")


CODE_PURPOSE = "nicat.identification.certificate"


def _code_text(digest):
    import base64

    text = base64.b32encode(digest).decode()[:16]
    return "-".join(text[i:i + 4] for i in range(0, 16, 4))


def verification_code(decision):
    """A code printed on the certificate that proves it came from Nicat: a keyed hash of the decision's
    random id (nothing about the person), 16 characters in four groups. Only the server can compute it.
    Under a subkey of the newest field key (nicat.privacy.crypto.keyed_digests), never SECRET_KEY, which
    docs/operations.md lets the operator regenerate: the certificates must keep checking."""
    from nicat.privacy.crypto import keyed_digests

    return _code_text(keyed_digests(str(decision.uuid), CODE_PURPOSE)[0])


def verification_codes(decision):
    """Every code a genuine certificate of `decision` may carry: one under each field key (a certificate printed
    before a rotation), and the keyed hash under SECRET_KEY that certificates printed before the codes moved to
    the field keys carry (they check while that SECRET_KEY is kept)."""
    from django.utils.crypto import salted_hmac

    from nicat.privacy.crypto import keyed_digests

    codes = [_code_text(d) for d in keyed_digests(str(decision.uuid), CODE_PURPOSE)]
    codes.append(_code_text(salted_hmac(CODE_PURPOSE, str(decision.uuid), algorithm="sha256").digest()))
    return codes


def verification_url():
    """Where anyone can check a certificate (answers only valid / not valid)."""
    from django.urls import reverse

    return (getattr(settings, "NICAT_BASE_URL", "") or "").rstrip("/") + reverse("identification:verify")


def official_name(decision):
    user = decision.decided_by
    return (user.get_full_name() or user.get_username()) if user else "—"


def _rows(pdf, rows, width, label_width=70, line=6):
    """Label and value side by side; the next row starts below the taller of the two (a label that wraps
    to two lines no longer runs into the next row). Returns each row's (top, bottom) for the tests."""
    boxes = []
    for label, value in rows:
        top = pdf.get_y()
        pdf.set_font("DejaVu", "B", 10)
        pdf.set_xy(pdf.l_margin, top)
        pdf.multi_cell(label_width - 3, line, label, new_x="LMARGIN", new_y="NEXT")
        label_bottom = pdf.get_y()
        pdf.set_xy(pdf.l_margin + label_width, top)
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(width - label_width, line, str(value), new_x="LMARGIN", new_y="NEXT")
        bottom = max(label_bottom, pdf.get_y())
        boxes.append((top, bottom))
        pdf.set_xy(pdf.l_margin, bottom + 1)
    return boxes


def render_certificate(*, case, person, decision, language, reflection_end=None, child=False):
    return bytes(build_certificate(case=case, person=person, decision=decision, language=language,
                                   reflection_end=reflection_end, child=child).output())


def build_certificate(*, case, person, decision, language, reflection_end=None, child=False):
    """The certificate as an FPDF document (its `row_boxes` let the tests check the layout)."""
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
        (texts["birth_date"], _date(person.birth_date, language)),
        (texts["case_reference"], case.reference),
        (texts["decided_by"], (getattr(decision.institution, f"name_{language}", "") or decision.institution.name_az)),
        (texts["decided_on"], _date(decision.decided_on, language)),
        (texts["official"], official_name(decision)),
        (texts["certificate_number"], decision.certificate_number),
        (texts["verification_code"], verification_code(decision)),
    ]
    pdf.row_boxes = _rows(pdf, rows, width)
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 10)
    paragraphs = [texts["legal_basis"], texts["rights"]]
    if decision.release_from_liability:
        paragraphs.append(texts["release"])
    if reflection_end:
        paragraphs.append(texts["foreigner"].format(date=_date(reflection_end, language)))
    if child:
        paragraphs.append(texts["child"])
    for paragraph in paragraphs:
        pdf.multi_cell(width, 5.5, " ".join(paragraph.split()), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.ln(10)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(width, 6, f"{texts['issued_on']}: {_date(baku_today(), language)}", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.ln(10)
    pdf.multi_cell(width, 6, f"{texts['official']}: {official_name(decision)}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.multi_cell(width, 6, f"{texts['signature']}: ______________________________", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("DejaVu", "", 8.5)
    pdf.multi_cell(width, 4.5, " ".join(texts["verify_hint"].split()), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 8.5)
    pdf.multi_cell(width, 4.5, f"{verification_url()} — {decision.certificate_number} / {verification_code(decision)}",
                   new_x="LMARGIN", new_y="NEXT")
    return pdf
