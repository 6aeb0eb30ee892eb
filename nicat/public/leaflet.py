"""The public site as a one-page leaflet (PDF) per language, to print or to pass on.

fpdf2 with the DejaVu fonts (Azerbaijani Latin and Cyrillic), as the identification certificate.
The text is `data/leaflet.yaml`; the forms of exploitation are the vocabulary's labels, the figures
the legal parameters in force today, the Main Department's contacts the directory's.
"""
import functools
import logging
import pathlib

import yaml
from django.conf import settings
from fpdf import FPDF

from nicat.identification.certificate import _font_dir
from nicat.public import selectors
from nicat.public.templatetags.public_tags import tel_href

logging.getLogger("fontTools").setLevel(logging.WARNING)

DATA = pathlib.Path(__file__).parent / "data" / "leaflet.yaml"
DARK_RED = (92, 0, 17)
NAVY = (19, 41, 75)


@functools.cache
def texts():
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def _fill(t, figures):
    allowance = figures["allowance"]
    if allowance:
        allowance_text = t["allowance"].format(amount=allowance["value"],
                                               note="" if allowance["confirmed"] else t["unconfirmed"])
    else:
        allowance_text = t["allowance_none"]
    days, months = figures["reflection_days"], figures["permit_months"]
    foreigners = (t["foreigners"].format(days=days["value"], months=months["value"]) if days and months
                  else t["foreigners_none"])
    return allowance_text, foreigners


def render(lang):
    """The leaflet of `lang` (az, ru, en) as PDF bytes; call inside translation.override(lang)."""
    t = texts()[lang]
    figures = selectors.legal_figures()
    vocab = selectors.vocabularies()
    main = selectors.where_to_turn()["main"]
    allowance_text, foreigners_text = _fill(t, figures)

    fonts = _font_dir()
    pdf = FPDF(format="A4")
    pdf.set_title(t["title"])
    pdf.set_creator("Nicat")
    pdf.set_lang(lang)
    pdf.set_margins(12, 10, 12)
    pdf.set_auto_page_break(True, margin=10)
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(text):
        pdf.ln(1.2)
        pdf.set_font("DejaVu", "B", 11.5)
        pdf.set_text_color(*NAVY)
        pdf.multi_cell(width, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)

    def para(text, size=9.8):
        pdf.set_font("DejaVu", "", size)
        pdf.multi_cell(width, 4.6, text, align="L", new_x="LMARGIN", new_y="NEXT")

    def bullets(items):
        pdf.set_font("DejaVu", "", 9.8)
        for item in items:
            pdf.set_x(pdf.l_margin)
            pdf.cell(4, 4.6, "•")
            pdf.multi_cell(width - 4, 4.6, item, align="L", new_x="LMARGIN", new_y="NEXT")

    pdf.set_font("DejaVu", "B", 16)
    pdf.set_text_color(*NAVY)
    pdf.multi_cell(width, 7.5, t["title"], align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_fill_color(255, 244, 204)
    pdf.set_text_color(*DARK_RED)
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(width, 8, t["hotline"], fill=True, align="C", link=tel_href("152"),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)

    heading(t["what_h"])
    para(t["what"].format(child_age=figures["child_age"]["value"]))
    heading(t["forms_h"])
    para("; ".join(vocab["exploitation"]) + ".")
    heading(t["signs_h"])
    bullets(t["signs"])
    heading(t["checklist_h"])
    bullets(t["checklist"])
    heading(t["rights_h"])
    bullets(t["rights"] + [allowance_text, foreigners_text])
    heading(t["where_h"])
    bullets(t["where"])
    pdf.set_font("DejaVu", "B", 9.8)
    pdf.multi_cell(width, 4.6, t["main"].format(name=main["name"], address=main["address"], phone=main["phone"],
                                                fax=main["fax"]),
                   align="L", link=tel_href(main["phone"]), new_x="LMARGIN", new_y="NEXT")
    base = getattr(settings, "NICAT_BASE_URL", "")
    if base:
        pdf.ln(1)
        para(t["more"].format(url=base.rstrip("/") + "/public/"), size=8)
    return bytes(pdf.output())

