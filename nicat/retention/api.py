"""REST API of a person's requests to erase or correct their data (/api/v1/data-requests/).

Staff of the institution that owns the case record a request (`POST`); a supervisor of that institution,
other than the one who recorded it, decides it (`POST …/decide/`): an approved erasure destroys the
person's data key (crypto-shredding, docs/operations.md), an approved correction changes the person's
record. Reads go through the one read path (nicat.retention.selectors: the owner institution only) and
are audited; every change goes through nicat.retention.services (validation, the version check, the audit).
"""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied

from nicat.access import policy
from nicat.cases.fields import VisibleCaseField
from nicat.core.drf import RefuseUnknownFieldsMixin
from nicat.core.services import expected_version
from nicat.core.viewsets import AuditedViewSet
from nicat.retention import selectors, services
from nicat.retention.models import DECISIONS, DataRequest, Requester, RequestKind


class CorrectionsField(serializers.DictField):
    """The corrected values: {field: new value} for the fields a person may have corrected."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(allow_blank=False, max_length=1000), **kwargs)

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(services.CORRECTABLE)) if isinstance(data, dict) else []
        if unknown:
            raise serializers.ValidationError(
                _("These fields cannot be corrected through a request: %(fields)s. Use: %(allowed)s.")
                % {"fields": ", ".join(unknown), "allowed": ", ".join(services.CORRECTABLE)})
        return super().to_internal_value(data)


class DataRequestSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    case = VisibleCaseField(help_text=_("The person's case (its uuid)."))
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    requested_by = serializers.ChoiceField(choices=Requester.choices, required=False, default=Requester.PERSON)
    details = serializers.CharField(max_length=4000, help_text=_("What was asked, in the person's words."))
    corrections = CorrectionsField(required=False, help_text=_(
        "For a correction: the corrected values, e.g. {\"family_name\": \"…\", \"birth_date\": \"1990-05-01\"}."))
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = DataRequest
        fields = ["uuid", "case", "kind", "requested_by", "requested_on", "details", "corrections", "status",
                  "recorded_by", "recorded_at", "decided_by", "decided_at", "decision_reason", "version"]
        read_only_fields = ["uuid", "status", "recorded_at", "decided_at", "decision_reason", "version"]


class DataRequestDecisionSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    decision = serializers.ChoiceField(choices=DECISIONS)
    reason = serializers.CharField(max_length=2000, help_text=_("Why the request is approved or refused."))
    version = serializers.IntegerField(help_text=_("The version of the request you read."))


class DataRequestViewSet(mixins.CreateModelMixin, AuditedViewSet):
    """Requests of the cases your institution owns, newest first (`?case=<uuid>` for one case)."""

    serializer_class = DataRequestSerializer
    reads = selectors.DATA_REQUESTS
    http_method_names = ["get", "post", "head", "options"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not policy.can_work_on_cases(request.user):
            raise PermissionDenied(_("Only staff who work on cases read and record these requests."))

    def create(self, request, *args, **kwargs):
        data = self.validated()
        case = data["case"]
        if not services.may_record(request.user, case):
            raise PermissionDenied(_("Only the institution that owns the case records the person's request."))
        data_request = services.record_request(
            actor=request.user, case=case, kind=data["kind"], requested_by=data["requested_by"],
            requested_on=data["requested_on"], details=data["details"], corrections=data.get("corrections"))
        return self.answer(data_request, status.HTTP_201_CREATED)

    @extend_schema(request=DataRequestDecisionSerializer, responses=DataRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, uuid=None):
        """Approve or refuse the request (a supervisor of the owner institution who did not record it)."""
        data_request = self.get_object()
        if not services.is_owner_supervisor(request.user, data_request):
            raise PermissionDenied(_("A supervisor of the institution that owns the case decides the request."))
        body = self.validated(serializer_class=DataRequestDecisionSerializer)
        services.decide_request(actor=request.user, data_request=data_request,
                                approve=body["decision"] == "approve", reason=body["reason"],
                                expected_version=expected_version(body["version"]))
        data_request.refresh_from_db()
        return self.answer(data_request)
