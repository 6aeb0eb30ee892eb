"""The national annual report: the tables that GRETA's questionnaire and the US TIP report ask for
(victims identified by sex, age, form of exploitation and citizenship; referrals; assistance;
allowances; returns), as a PDF (fpdf2, DejaVu fonts) and an XLSX workbook (openpyxl).

The internal edition shows exact counts; the public edition withholds small cells as the
statistics pages do (nicat/statistics/suppression.py). Both are built by `build_report` and
audited by the service that hands them out.
"""
import datetime
import io
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count, Sum
from django.utils import translation
from django.utils.translation import gettext as _

from nicat.persons.age import child_age
from nicat.statistics import suppression
from nicat.statistics.whole import whole_table

BAKU = ZoneInfo("Asia/Baku")
EDITIONS = ("internal", "public")


@dataclass
class Table:
    title: str
    dimension: str  # header of the first column
    columns: list  # headers of the count columns
    rows: list  # [(label, [count or None (withheld)])]
    note: str = ""
    totals: list = field(default_factory=list)  # [count or None] per column, or [] when not additive


def _age_group(person, day):
    """Counted by the age known on `day` (no presumption: an unknown age is its own row), under the age of
    majority in force that day (nicat.persons.age.child_age)."""
    age = person.age_on(day)
    if age is None:
        return _("age unknown")
    return _("child") if age < child_age(day) else _("adult")


def _one_way(title, dimension, counts, labels, public, k, additive=True, note=""):
    cells = {(key,): n for key, n in counts.items()}
    # With the secondary suppression even where the table shows no sum (a victim can count in two rows): the
    # first table states how many victims were recognised, and most have one form, citizenship or country of
    # exploitation, so a single withheld figure would be that number minus the others.
    withheld = suppression.suppress(cells, k, margins=True)[0] if public else set()
    rows = [(labels.get(key, str(key)), [None if (key,) in withheld else n])
            for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(labels.get(kv[0], kv[0]))))]
    total = sum(counts.values())
    totals = ([None if public and 0 < total < k else total] if additive else [])
    return Table(title=title, dimension=dimension, columns=[_("Cases")], rows=rows, totals=totals, note=note)


def _two_way(title, dimension, counts, row_labels, col_keys, col_labels, public, k):
    withheld, hidden_rows, hidden_cols = suppression.suppress(counts, k, margins=True) if public else (set(), set(),
                                                                                                        set())
    row_keys = sorted({a for a, _b in counts}, key=lambda a: str(row_labels.get(a, a)))
    rows = []
    for a in row_keys:
        values = [None if (a, b) in withheld else counts.get((a, b), 0) for b in col_keys]
        row_total = sum(counts.get((a, b), 0) for b in col_keys)
        values.append(None if a in hidden_rows else row_total)
        rows.append((row_labels.get(a, str(a)), values))
    totals = [None if b in hidden_cols else sum(n for (_a, y), n in counts.items() if y == b) for b in col_keys]
    grand = sum(counts.values())
    totals.append(None if public and 0 < grand < k else grand)
    return Table(title=title, dimension=dimension, columns=[col_labels[b] for b in col_keys] + [_("Total")],
                 rows=rows, totals=totals)


def build_report(*, year, language, edition, k=suppression.DEFAULT_K):
    """{"title", "year", "edition", "tables": [Table], "institutions": [...], "definition": str} for
    the calendar year `year` (Baku), in `language`. Reads the whole registry as counts only."""
    from nicat.assistance.models import AllowancePayment, ServiceDelivery, Stay
    from nicat.assistance.models.foreigners import ReturnPlan
    from nicat.cases.models import Case, TraffickingStatus
    from nicat.directory.models import Institution
    from nicat.referrals.models import Referral
    from nicat.vocab.models import Term

    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}")
    public = edition == "public"
    start = datetime.datetime(year, 1, 1, tzinfo=BAKU)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=BAKU)
    with translation.override(language):
        terms = {(t.vocabulary, t.code): t.label for t in Term.objects.all()}
        base = whole_table(Case).select_related("person", "person__gender").prefetch_related(
            "person__citizenships", "exploitation_forms", "countries_of_exploitation")
        recognised = [c for c in base.filter(trafficking_status=TraffickingStatus.ACTUAL,
                                             status_decided_on__gte=start.date(), status_decided_on__lt=end.date())]
        presumed = list(base.filter(first_contact_at__gte=start, first_contact_at__lt=end))

        def gender(case):
            g = case.person.gender
            return g.code if g else "unknown"

        gender_labels = {code: label for (voc, code), label in terms.items() if voc == "gender"}
        gender_labels["unknown"] = _("not recorded")
        tables = []
        # 1. Recognised victims by sex and age group (at first contact).
        counts = Counter((gender(c), _age_group(c.person, c.first_contact_at.astimezone(BAKU).date()))
                         for c in recognised)
        # a child: under the age of majority in force on the day of first contact (nicat.persons.age)
        age_keys = [_("child"), _("adult"), _("age unknown")]
        tables.append(_two_way(_("Victims officially recognised in %(year)s, by sex and age") % {"year": year},
                               _("Sex"), counts, gender_labels, age_keys, {a: a for a in age_keys}, public, k))
        # 2.–4. Recognised victims by form of exploitation, citizenship, country of exploitation.
        for title, attr, vocabulary in [
            (_("Victims officially recognised in %(year)s, by form of exploitation"), "exploitation_forms",
             "exploitation"),
            (_("Victims officially recognised in %(year)s, by citizenship"), "person__citizenships", "country"),
            (_("Victims officially recognised in %(year)s, by country of exploitation"), "countries_of_exploitation",
             "country"),
        ]:
            counts = Counter()
            for c in recognised:
                owner = c.person if attr.startswith("person__") else c
                related = getattr(owner, attr.split("__")[-1]).all()
                codes = {t.code for t in related} or {"unknown"}
                counts.update(codes)
            labels = {code: label for (voc, code), label in terms.items() if voc == vocabulary}
            labels["unknown"] = _("not recorded")
            tables.append(_one_way(title % {"year": year}, "", counts, labels, public, k, additive=False,
                                   note=_("A victim can count in more than one row.")))
        # 5. Presumed victims (first contact in the year) by trafficking status and age group.
        counts = Counter((c.trafficking_status, _age_group(c.person, c.first_contact_at.astimezone(BAKU).date()))
                         for c in presumed)
        status_labels = {s.value: str(s.label) for s in TraffickingStatus}
        tables.append(_two_way(_("Persons first contacted in %(year)s, by trafficking status and age") % {"year": year},
                               _("Trafficking status"), counts, status_labels, age_keys, {a: a for a in age_keys},
                               public, k))
        # 6. Referrals sent in the year, by outcome.
        from nicat.referrals.models import Status as ReferralStatus
        counts = Counter(dict(whole_table(Referral).filter(created_at__gte=start, created_at__lt=end)
                              .values_list("status").annotate(n=Count("pk")).values_list("status", "n")))
        tables.append(_one_way(_("Referrals sent in %(year)s, by outcome") % {"year": year}, "", counts,
                               {s.value: str(s.label) for s in ReferralStatus}, public, k))
        # 7. Shelter and centre stays begun in the year, by facility kind.
        from nicat.assistance.models.shelters import FacilityKind
        counts = Counter(dict(whole_table(Stay).filter(admitted_at__gte=start, admitted_at__lt=end)
                              .values_list("facility__kind").annotate(n=Count("pk"))
                              .values_list("facility__kind", "n")))
        tables.append(_one_way(_("Stays in shelters and assistance centres begun in %(year)s") % {"year": year}, "",
                               counts, {s.value: str(s.label) for s in FacilityKind}, public, k))
        # 8. Services delivered in the year, by kind (free of charge, always).
        from nicat.directory.models import ServiceKind
        counts = Counter(dict(whole_table(ServiceDelivery).filter(delivered_at__gte=start, delivered_at__lt=end)
                              .values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")))
        tables.append(_one_way(_("Services delivered free of charge in %(year)s") % {"year": year}, "", counts,
                               {kind.value: str(kind.label) for kind in ServiceKind}, public, k))
        # 9. Allowances paid in the year: payments and amount, by kind (a reversed payment was not paid).
        from nicat.assistance.models.payments import AllowanceKind, PaymentStatus
        paid = (whole_table(AllowancePayment).filter(paid_on__gte=start.date(), paid_on__lt=end.date(),
                                                     status=PaymentStatus.PAID)
                .values("kind").annotate(n=Count("pk"), amount=Sum("amount")))
        rows = []
        for row in paid:
            small = public and 0 < row["n"] < k
            rows.append((str(AllowanceKind(row["kind"]).label),
                         [None if small else row["n"], None if small else f"{row['amount']:.2f} AZN"]))
        tables.append(Table(title=_("State allowances paid in %(year)s") % {"year": year}, dimension="",
                            columns=[_("Payments"), _("Amount")], rows=rows))
        # 10. Returns in the year, by direction and status.
        from nicat.assistance.models.foreigners import ReturnDirection, ReturnStatus
        counts = Counter()
        for direction, status, n in (whole_table(ReturnPlan)
                                     .filter(travel_date__gte=start.date(), travel_date__lt=end.date())
                                     .values_list("direction", "status").annotate(n=Count("pk"))
                                     .values_list("direction", "status", "n")):
            counts[(direction, status)] += n
        tables.append(_two_way(_("Returns with a travel date in %(year)s") % {"year": year}, _("Direction"), counts,
                               {d.value: str(d.label) for d in ReturnDirection},
                               [s.value for s in ReturnStatus], {s.value: str(s.label) for s in ReturnStatus},
                               public, k))
        institutions = sorted({i.name for i in Institution.objects.all()})
        return {
            "title": _("Combating trafficking in human beings: national annual report %(year)s") % {"year": year},
            "edition": _("Public edition: figures of fewer than %(k)s cases are withheld.") % {"k": k} if public
            else _("Internal edition: exact figures. Confidential."),
            "definition": _(
                "Trafficking in human beings is the recruitment, obtaining, keeping, harbouring, transporting, giving "
                "or receipt of a person, by threat or use of force, intimidation or other coercion, abduction, "
                "fraud, deception, abuse of power or of a position of vulnerability, or by giving or receiving "
                "payments or benefits to obtain the consent of a person having control over another, for the "
                "purpose of exploitation. For a child the means are not required. (Law of the Republic of "
                "Azerbaijan No. 958-IIQ of 28 June 2005 on Combating Trafficking in Human Beings, Art. 1; Palermo "
                "Protocol, Art. 3.)"),
            "institutions": institutions, "tables": tables, "year": year, "language": language,
            "public": public, "k": k if public else None,
            "generated": datetime.datetime.now(BAKU).strftime("%d.%m.%Y %H:%M"),
            "source_note": _("Source: Nicat, the national referral system. Counts of cases; a person with two "
                             "cases is counted twice."),
        }


def _cell(value):
    return "—" if value is None else str(value)


def render_pdf(report):
    from fpdf import FPDF

    from nicat.identification.certificate import _font_dir

    fonts = _font_dir()
    pdf = FPDF(format="A4")
    pdf.set_title(report["title"])
    pdf.set_creator("Nicat")
    pdf.set_margins(18, 18, 18)
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, 18)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(width, 8, report["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(width, 5, report["edition"] + " " + report["generated"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(width, 5, report["definition"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 10)
    with translation.override(report["language"]):
        pdf.multi_cell(width, 5, _("Institutions of the national referral mechanism"), new_x="LMARGIN",
                       new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(width, 4.5, "; ".join(report["institutions"]), new_x="LMARGIN", new_y="NEXT")
    for table in report["tables"]:
        _pdf_table(pdf, width, table)
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(width, 4, report["source_note"], new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _pdf_table(pdf, width, table):
    pdf.ln(4)
    if pdf.get_y() > pdf.h - 70:
        pdf.add_page()
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(width, 6, table.title, new_x="LMARGIN", new_y="NEXT")
    if table.note:
        pdf.set_font("DejaVu", "", 8)
        pdf.multi_cell(width, 4, table.note, new_x="LMARGIN", new_y="NEXT")
    if not table.rows:
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(width, 5, "—", new_x="LMARGIN", new_y="NEXT")
        return
    count_w = 24
    label_w = width - count_w * len(table.columns)
    pdf.set_font("DejaVu", "B", 8)
    pdf.cell(label_w, 6, table.dimension, border=1)
    for col in table.columns:
        pdf.cell(count_w, 6, str(col)[:18], border=1, align="R")
    pdf.ln()
    pdf.set_font("DejaVu", "", 8)
    numeric = [v for _label, values in table.rows for v in values[:1] if isinstance(v, int)]
    top = max(numeric) if numeric else 0
    for label, values in table.rows:
        y = pdf.get_y()
        pdf.cell(label_w, 5.5, str(label)[:70], border=1)
        # A bar under the label: the first column's value against the largest in the table.
        first = values[0] if values else None
        if isinstance(first, int) and top:
            pdf.set_fill_color(31, 95, 168)
            pdf.rect(pdf.l_margin + 0.5, y + 4.6, max(0.3, (label_w - 1) * first / top), 0.7, style="F")
        for v in values:
            pdf.cell(count_w, 5.5, _cell(v), border=1, align="R")
        pdf.ln()
    if table.totals:
        pdf.set_font("DejaVu", "B", 8)
        pdf.cell(label_w, 5.5, "Σ", border=1)
        for v in table.totals:
            pdf.cell(count_w, 5.5, _cell(v), border=1, align="R")
        pdf.ln()


def render_xlsx(report):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from nicat.core.spreadsheet import safe_cell

    wb = Workbook()
    summary = wb.active
    summary.title = "Report"
    summary.append([report["title"]])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([report["edition"], report["generated"]])
    summary.append([report["definition"]])
    summary.append([])
    for i, table in enumerate(report["tables"], start=1):
        summary.append([f"{i}. {table.title}"])
        sheet = wb.create_sheet(title=f"Table {i}")
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True)
        if table.note:
            sheet.append([table.note])
        sheet.append([safe_cell(str(table.dimension), csv=False), *[safe_cell(str(c), csv=False) for c in table.columns]])
        for label, values in table.rows:
            # a label may be a vocabulary term an administrator typed: never a live formula
            sheet.append([safe_cell(str(label), csv=False), *[("—" if v is None else safe_cell(v, csv=False))
                                                               for v in values]])
        if table.totals:
            sheet.append(["Σ", *[("—" if v is None else v) for v in table.totals]])
        sheet.column_dimensions["A"].width = 60
    summary.append([])
    summary.append([report["source_note"]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
