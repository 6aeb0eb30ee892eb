"""Forms of the consent pages. Validation that matters lives in nicat.consent.services."""
from django import forms
from django.utils.translation import gettext_lazy as _

from nicat.consent import legal_bases
from nicat.consent.models import Decision, GivenBy, Method, recordable_purposes
from nicat.consent.services import MAX_FORM_BYTES
from nicat.directory.models import Institution, ServiceKind
from nicat.vocab.forms import TermChoiceField

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class InstitutionChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Institution.objects.filter(active=True).select_related("kind").order_by("name_az"),
                         to_field_name="uuid", **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.kind.label})"


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=recordable_purposes)
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect,
                                 initial=Decision.GIVEN)
    institution = InstitutionChoiceField(label=_("For the institution"), required=False,
                                         help_text=_("Required for a referral and for notifying an embassy."))
    service = forms.ChoiceField(label=_("Service"), required=False, choices=[("", "—"), *ServiceKind.choices])
    given_by = forms.ChoiceField(label=_("Given by"), choices=GivenBy.choices, initial=GivenBy.PERSON)
    representative_name = forms.CharField(label=_("Name of the legal representative"), max_length=200,
                                          required=False)
    representative_relation = forms.CharField(label=_("Relation to the person"), max_length=200, required=False,
                                              help_text=_("Parent, guardian, guardianship authority …"))
    child_view = forms.CharField(label=_("The child's own view"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}),
                                 help_text=_("Required for a child: what the child said, in their words."))
    method = forms.ChoiceField(label=_("How it was given"), choices=Method.choices)
    interpreter_language = TermChoiceField("language", label=_("Language of the interpretation"), required=False)
    given_at = forms.DateTimeField(label=_("Given on"), widget=DATETIME, input_formats=DT_FORMATS)
    expires_at = forms.DateTimeField(label=_("Valid until (optional)"), widget=DATETIME, input_formats=DT_FORMATS,
                                     required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=5000)
    signed_form = forms.FileField(label=_("Signed form (PDF, JPEG or PNG, at most 2 MB)"), required=False)

    def clean_signed_form(self):
        upload = self.cleaned_data.get("signed_form")
        if upload and upload.size > MAX_FORM_BYTES:
            raise forms.ValidationError(_("The signed form is larger than 2 MB. Scan it at a lower resolution or "
                                          "as a PDF."))
        return upload

    def to_service_data(self):
        data = dict(self.cleaned_data)
        data.pop("signed_form", None)
        return data

    def form_bytes(self):
        upload = self.cleaned_data.get("signed_form")
        return upload.read() if upload else None


class WithdrawForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=5000, help_text=_("How and when the person withdrew the consent."))
    expressed_by_person = forms.BooleanField(
        label=_("The person told us they withdraw this consent"), required=False,
        help_text=_("Required outside the institution that owns the case: you record only a withdrawal the "
                    "person expressed to you. It takes effect at once and the owner institution is notified."))


class WithdrawAllForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=5000, help_text=_("How and when the person said they withdraw every consent."))
    expressed_by_person = forms.BooleanField(
        label=_("The person told us they withdraw every consent"), required=False,
        help_text=_("Required outside the institution that owns the case: you record only a withdrawal the "
                    "person expressed to you. It takes effect at once and the owner institution is notified."))


class WithdrawalWishForm(forms.Form):
    note = forms.CharField(label=_("What the person said"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Which consent she withdraws, as she named it (given to whom, for what), and "
                                       "how and when she told you. Sealed; read only by your institution and the "
                                       "institution that owns the case."))


class ResolveWishForm(forms.Form):
    note = forms.CharField(label=_("What you did"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Which consent you withdrew, or why none was."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RejectOrderForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejecting"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class LegalBasisFieldsMixin(forms.Form):
    """The fields of a legal basis used instead of consent (a referral, a referral for identification).
    The form needs enctype="multipart/form-data" for the copy of the decision."""

    legal_basis = forms.ChoiceField(label=_("Legal basis (only when a law requires this without consent)"),
                                    required=False)
    legal_basis_issuing_body = forms.CharField(label=_("Issued by (court or prosecutor's office)"), required=False,
                                               max_length=300)
    legal_basis_order_number = forms.CharField(label=_("Number of the decision"), required=False, max_length=100)
    legal_basis_order_date = forms.DateField(label=_("Date of the decision"), required=False,
                                             widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    legal_basis_copy = forms.FileField(label=_("Copy of the decision (PDF, JPEG or PNG)"), required=False)
    legal_basis_sections = forms.MultipleChoiceField(label=_("Sections the decision names"), required=False,
                                                     widget=forms.CheckboxSelectMultiple, choices=())
    legal_basis_reason = forms.CharField(label=_("Why the law requires it"), required=False, max_length=2000,
                                         widget=forms.Textarea(attrs={"rows": 2}))

    LEGAL_BASIS_PURPOSE = None

    def __init__(self, *args, section_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_basis"].choices = [("", _("None: the person's consent is the basis")),
                                              *legal_bases.choices(self.LEGAL_BASIS_PURPOSE)]
        self.fields["legal_basis_sections"].choices = section_choices

    def legal_basis_data(self):
        """The legal-basis part of cleaned_data for the services (the copy as bytes)."""
        data = {k: v for k, v in self.cleaned_data.items() if k.startswith("legal_basis")}
        upload = data.get("legal_basis_copy")
        data["legal_basis_copy"] = upload.read() if upload else None
        return data


class ConversationForm(forms.Form):
    """The consent conversation: who answers and how (once), then one answer per purpose
    (nicat.consent.conversation.TOPICS), with the institution concerned where the purpose names one."""

    given_by = forms.ChoiceField(label=_("Given by"), choices=GivenBy.choices, initial=GivenBy.PERSON)
    method = forms.ChoiceField(label=_("How it was given"), choices=Method.choices, initial=Method.WRITTEN)
    representative_name = forms.CharField(label=_("Name of the legal representative"), max_length=200,
                                          required=False)
    representative_relation = forms.CharField(label=_("Relation to the person"), max_length=200, required=False,
                                              help_text=_("Parent, guardian, guardianship authority …"))
    child_view = forms.CharField(label=_("The child's own view"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}),
                                 help_text=_("Required for a child: what the child said, in their words."))
    interpreter_language = TermChoiceField("language", label=_("Language of the interpretation"), required=False)
    given_at = forms.DateTimeField(label=_("Given on"), widget=DATETIME, input_formats=DT_FORMATS)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=5000)

    COMMON = ("given_by", "method", "representative_name", "representative_relation", "child_view",
              "interpreter_language", "given_at", "note")

    def __init__(self, *args, rows=(), **kwargs):
        from nicat.consent.conversation import ANSWERS, NOT_ASKED

        super().__init__(*args, **kwargs)
        self.rows = []
        for topic, institution, state, consent in rows:
            answer = forms.ChoiceField(label=topic.label, choices=ANSWERS, initial=NOT_ASKED,
                                       widget=forms.RadioSelect)
            self.fields[f"{topic.key}-answer"] = answer
            names = topic.names_institution or topic.may_name_institution
            if names:
                field = InstitutionChoiceField(
                    label=_("Institution concerned"), required=False,
                    empty_label=("—" if topic.names_institution else _("Any authorised provider")))
                if topic.kinds:
                    field.queryset = field.queryset.filter(kind__code__in=topic.kinds)
                self.fields[f"{topic.key}-institution"] = field
                if institution is not None:
                    self.initial.setdefault(f"{topic.key}-institution", institution.uuid)
            self.rows.append({"topic": topic, "state": state, "consent": consent,
                              "answer": f"{topic.key}-answer", "institution": f"{topic.key}-institution" if names
                              else None})

    def bound_rows(self):
        for row in self.rows:
            yield {**row, "answer_field": self[row["answer"]],
                   "institution_field": self[row["institution"]] if row["institution"] else None}

    def common(self):
        return {f: self.cleaned_data.get(f) for f in self.COMMON}

    def answers(self):
        return {row["topic"].key: {"answer": self.cleaned_data.get(row["answer"]),
                                   "institution": self.cleaned_data.get(row["institution"]) if row["institution"]
                                   else None} for row in self.rows}
