"""Forms of the protection and rehabilitation pages. They parse input; the services decide."""
from django import forms
from django.utils.translation import gettext_lazy as _

from nicat.assistance.models import (
    SERVICE_KINDS,
    ActionStatus,
    AllowanceKind,
    Area,
    CompensationSource,
    DocumentsStatus,
    EndKind,
    FacilityKind,
    GoalStatus,
    Group,
    PaymentSource,
    PermitStatus,
    ReturnDirection,
    ReunificationStatus,
    RiskLevel,
)
from nicat.cases.models import CaseStatus, ClosureReason
from nicat.directory.models import AUTHORISED_ONLY_SERVICES, Institution
from nicat.vocab.forms import TermChoiceField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXTAREA = forms.Textarea(attrs={"rows": 3})


class InstitutionField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Institution.objects.filter(active=True).order_by("name_az"))
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        return obj.name


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


# --- shelters ---------------------------------------------------------------------------------------


class AdmitForm(forms.Form):
    case_reference = forms.CharField(label=_("Case reference"), max_length=32,
                                     help_text=_("The reference of the referred person's case, e.g. NCT-2026-000123."))
    group = forms.ChoiceField(label=_("Group"), choices=Group.choices)
    admitted_at = forms.DateTimeField(label=_("Arrived"), required=False, widget=DATETIME,
                                      help_text=_("Leave empty for now."))


class WaitingForm(forms.Form):
    case_reference = forms.CharField(label=_("Case reference"), max_length=32)
    group = forms.ChoiceField(label=_("Group"), choices=Group.choices)
    urgent = forms.BooleanField(label=_("Urgent"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=TEXTAREA)


class CapacityForm(forms.Form):
    women = forms.IntegerField(label=_("Beds for women"), min_value=0, max_value=10000)
    men = forms.IntegerField(label=_("Beds for men"), min_value=0, max_value=10000)
    children = forms.IntegerField(label=_("Beds for children"), min_value=0, max_value=10000)
    # The version of each group's beds the user read (0 for a group with none): a stale page is refused.
    women_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    men_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    children_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class ContactForm(VersionForm):
    address = forms.CharField(label=_("Address (confidential)"), required=False, widget=TEXTAREA)
    phone = forms.CharField(label=_("Phone (confidential)"), max_length=100, required=False)


class DischargeForm(VersionForm):
    end_kind = forms.ChoiceField(label=_("How the stay ended"),
                                 choices=[c for c in EndKind.choices if c[0] != EndKind.TRANSFERRED])
    ended_at = forms.DateTimeField(label=_("Left"), required=False, widget=DATETIME,
                                   help_text=_("Leave empty for now."))
    note = forms.CharField(label=_("Note"), required=False, widget=TEXTAREA)


class TransferForm(VersionForm):
    to_facility = forms.ChoiceField(label=_("Move to"))
    group = forms.ChoiceField(label=_("Group there"), choices=Group.choices)
    note = forms.CharField(label=_("Reason"), required=False, widget=TEXTAREA)

    def __init__(self, *args, facilities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.facilities = {str(f.uuid): f for f in facilities}
        self.fields["to_facility"].choices = [("", "—")] + [(k, str(f)) for k, f in self.facilities.items()]

    def clean_to_facility(self):
        return self.facilities[self.cleaned_data["to_facility"]]


class ExtendForm(VersionForm):
    reason = forms.CharField(label=_("Reason for the extension"), widget=TEXTAREA)


# --- plan -----------------------------------------------------------------------------------------------


class GoalForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), choices=Area.choices)
    description = forms.CharField(label=_("Goal"), widget=TEXTAREA)
    responsible_institution = InstitutionField(label=_("Responsible institution"))
    due_on = forms.DateField(label=_("Due"), required=False, widget=DATE)


class GoalEditForm(VersionForm):
    status = forms.ChoiceField(label=_("Status"), choices=[c for c in GoalStatus.choices
                                                           if c[0] != GoalStatus.DECLINED])
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=TEXTAREA)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DATE)
    responsible_institution = InstitutionField(label=_("Responsible institution"))


class DeclineForm(VersionForm):
    note = forms.CharField(label=_("What the person said"), required=False, widget=TEXTAREA)


class ActionForm(forms.Form):
    description = forms.CharField(label=_("Action"), widget=TEXTAREA)
    responsible_institution = InstitutionField(label=_("Responsible institution"))
    due_on = forms.DateField(label=_("Due"), required=False, widget=DATE)


class ActionEditForm(VersionForm):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=TEXTAREA)


class AgreementForm(VersionForm):
    declined_goals = forms.MultipleChoiceField(label=_("Goals the person declines"), required=False,
                                               widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("What the person said"), required=False, widget=TEXTAREA)

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = {str(g.uuid): g for g in goals}
        self.fields["declined_goals"].choices = [
            (k, f"{g.get_area_display()}: {'—' if getattr(g, 'restricted', False) else g.description}")
            for k, g in self.goals.items()]

    def clean_declined_goals(self):
        return [self.goals[k] for k in self.cleaned_data["declined_goals"]]


class ReviewForm(forms.Form):
    reviewed_on = forms.DateField(label=_("Reviewed on"), required=False, widget=DATE,
                                  help_text=_("Leave empty for today."))
    summary = forms.CharField(label=_("Summary of the review"), widget=TEXTAREA)
    is_final = forms.BooleanField(label=_("This is the final review (closes the plan)"), required=False)
    next_review_on = forms.DateField(label=_("Next review"), required=False, widget=DATE)


class ServiceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Service"), choices=SERVICE_KINDS)
    provider = InstitutionField(label=_("Provided by"))
    delivered_at = forms.DateTimeField(label=_("When"), widget=DATETIME)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1, max_value=1440)
    staff_name = forms.CharField(label=_("Staff member who provided it"), max_length=200, required=False)
    description = forms.CharField(label=_("What was done"), required=False, widget=TEXTAREA)
    goal = forms.ChoiceField(label=_("Plan goal"), required=False)

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = {str(g.uuid): g for g in goals if not g.is_declined}
        self.fields["goal"].choices = [("", "—")] + [(k, g.get_area_display()) for k, g in self.goals.items()]

    def clean_goal(self):
        return self.goals.get(self.cleaned_data["goal"])


class CloseForm(VersionForm):
    status = forms.ChoiceField(label=_("Case status"), choices=[(CaseStatus.CLOSED, CaseStatus.CLOSED.label),
                                                                (CaseStatus.CLOSED_REFERRED,
                                                                 CaseStatus.CLOSED_REFERRED.label)])
    closure_reason = forms.ChoiceField(label=_("Reason for closure"), choices=[("", "—")] + ClosureReason.choices,
                                       required=False)


# --- money ---------------------------------------------------------------------------------------------


class AllowanceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Allowance"), choices=AllowanceKind.choices)
    period = forms.CharField(label=_("Month (monthly allowance only)"), max_length=7, required=False,
                             help_text=_("YYYY-MM"))
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    source = forms.ChoiceField(label=_("Paid from"), choices=PaymentSource.choices)
    payment_reference = forms.CharField(label=_("Payment order number"), max_length=100, required=False)


class ClaimForm(forms.Form):
    claimed_amount = forms.CharField(label=_("Amount claimed (AZN)"), max_length=20)
    claimed_on = forms.DateField(label=_("Claimed on"), widget=DATE)
    proceedings_reference = forms.CharField(label=_("Criminal case or court file number"), max_length=200,
                                            required=False)
    court = forms.CharField(label=_("Court"), max_length=255, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=TEXTAREA)


class ReversalForm(VersionForm):
    reason = forms.CharField(label=_("Why is the payment reversed?"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=2000)


class AwardForm(VersionForm):
    awarded_amount = forms.CharField(label=_("Amount awarded (AZN; 0 if dismissed)"), max_length=20)
    awarded_on = forms.DateField(label=_("Date of the decision"), widget=DATE)


class CompensationPaymentForm(VersionForm):
    amount = forms.CharField(label=_("Amount paid (AZN)"), max_length=20)
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    paid_from = forms.ChoiceField(label=_("Paid by"), choices=CompensationSource.choices)


# --- foreigners, return --------------------------------------------------------------------------------


class PermitForm(VersionForm):
    status = forms.ChoiceField(label=_("Status"), choices=PermitStatus.choices)
    applied_on = forms.DateField(label=_("Applied on"), required=False, widget=DATE)
    decided_on = forms.DateField(label=_("Decided on"), required=False, widget=DATE)
    expires_on = forms.DateField(label=_("Valid until"), required=False, widget=DATE,
                                 help_text=_("Leave empty to use the standard validity."))
    permit_number = forms.CharField(label=_("Permit number"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=TEXTAREA)


class InterpreterForm(forms.Form):
    language = TermChoiceField("language", label=_("Language"))
    same_gender_preferred = forms.BooleanField(label=_("An interpreter of the same gender is preferred"),
                                               required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=TEXTAREA)


class ReturnForm(forms.Form):
    direction = forms.ChoiceField(label=_("Kind"), choices=ReturnDirection.choices)
    country = TermChoiceField("country", label=_("Country (to or from)"))
    receiving_organisation = InstitutionField(label=_("Receiving organisation (in the directory)"), required=False)
    receiving_organisation_name = forms.CharField(label=_("Receiving organisation (if not in the directory)"),
                                                  max_length=255, required=False)
    consulate = InstitutionField(label=_("Embassy or consulate assisting"), required=False)


class ReturnEditForm(VersionForm):
    risk_level = forms.ChoiceField(label=_("Risk on return"), choices=RiskLevel.choices)
    risk_notes = forms.CharField(label=_("Risk assessment"), required=False, widget=TEXTAREA)
    documents_status = forms.ChoiceField(label=_("Travel documents"), choices=DocumentsStatus.choices)
    documents_notes = forms.CharField(label=_("Documents: what is needed, who obtains them"), required=False,
                                      widget=TEXTAREA)
    travel_date = forms.DateField(label=_("Travel date"), required=False, widget=DATE)
    travel_notes = forms.CharField(label=_("Travel arrangements"), required=False, widget=TEXTAREA)
    receiving_organisation = InstitutionField(label=_("Receiving organisation (in the directory)"), required=False)
    receiving_organisation_name = forms.CharField(label=_("Receiving organisation (if not in the directory)"),
                                                  max_length=255, required=False)


class CompleteReturnForm(VersionForm):
    completed_on = forms.DateField(label=_("Returned (or arrived) on"), widget=DATE)


class ReunificationForm(forms.Form):
    family_member = forms.CharField(label=_("Family member (name and relation)"), max_length=255)
    country = TermChoiceField("country", label=_("Country"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=TEXTAREA)


class ReunificationEditForm(VersionForm):
    status = forms.ChoiceField(label=_("Status"), choices=ReunificationStatus.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=TEXTAREA)


class FollowUpForm(forms.Form):
    due_on = forms.DateField(label=_("Due"), widget=DATE)


class FollowUpRecordForm(forms.Form):
    done_on = forms.DateField(label=_("Done on"), widget=DATE)
    outcome = forms.CharField(label=_("How the person is doing, what was agreed"), widget=TEXTAREA)


# --- administrators ------------------------------------------------------------------------------------


class FacilityRegisterForm(forms.Form):
    institution = InstitutionField(label=_("Special institution"), queryset=Institution.objects.filter(
        active=True, is_special_institution=True, facility__isnull=True).order_by("name_az"))
    kind = forms.ChoiceField(label=_("Kind"), choices=FacilityKind.choices)
    women = forms.IntegerField(label=_("Beds for women"), min_value=0, max_value=10000, initial=0)
    men = forms.IntegerField(label=_("Beds for men"), min_value=0, max_value=10000, initial=0)
    children = forms.IntegerField(label=_("Beds for children"), min_value=0, max_value=10000, initial=0)


class StateBodyForm(forms.Form):
    institution = InstitutionField(label=_("State body"), queryset=Institution.objects.filter(
        active=True, is_special_institution=False, is_nonprofit=False).order_by("name_az"))
    service_kinds = forms.MultipleChoiceField(
        label=_("Services within its functions"), widget=forms.CheckboxSelectMultiple,
        choices=[c for c in SERVICE_KINDS if c[0] not in AUTHORISED_ONLY_SERVICES])
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=500, required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
