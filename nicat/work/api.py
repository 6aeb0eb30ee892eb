"""/api/v1/tasks/, /api/v1/approvals/ and /api/v1/cases/<uuid>/assignment/: tasks and follow-ups on cases — need-to-know as
the case (a task of a case one may not see does not exist) —, approvals, and the case's assigned worker and team. Changes go
through nicat.work.services, audited, with the version read."""
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from nicat.access import policy
from nicat.accounts.models import User
from nicat.cases.fields import VisibleCaseField
from nicat.cases.models import Case
from nicat.core.drf import RefuseUnknownFieldsMixin
from nicat.core.viewsets import AuditedViewSet, ListFilter, choice_param
from nicat.work import selectors, services
from nicat.work.models import Approval, ApprovalStatus, Task, TaskKind


class _UserRef(serializers.UUIDField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        user = User.objects.filter(uuid=value, is_active=True).first()
        if user is None:
            raise serializers.ValidationError(_("No staff member with this id."))
        return user

    def to_representation(self, value):
        return str(value.uuid if isinstance(value, User) else value)


class TaskSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    case = VisibleCaseField(help_text="The case (uuid); only a case visible to you.")
    assigned_to = _UserRef(required=False, allow_null=True,
                           help_text="The staff member (uuid) whose institution sees the case.")
    title = serializers.CharField(max_length=500)
    kind = serializers.ChoiceField(choices=TaskKind.choices, required=False)
    institution = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
    outcome = serializers.CharField(read_only=True)

    class Meta:
        model = Task
        fields = ["uuid", "case", "kind", "title", "due_on", "assigned_to", "institution", "done_at", "outcome",
                  "version"]
        read_only_fields = ["uuid", "done_at", "version"]


class CompleteSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    outcome = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField()


class TaskViewSet(mixins.CreateModelMixin, AuditedViewSet):
    """Tasks and follow-ups on the cases you may see. `?case=<uuid>` filters; `?open=1` leaves out done ones."""

    serializer_class = TaskSerializer
    reads = selectors.TASKS

    def get_queryset(self):
        qs = super().get_queryset()
        if self.request.query_params.get("open"):
            qs = qs.filter(done_at__isnull=True)
        return qs

    @extend_schema(parameters=[
        ListFilter("open", OpenApiTypes.STR, description="Any value: leave out the tasks already done.")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        if not policy.can_work_on_cases(request.user):
            raise NotFound
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        task = services.create_task(actor=request.user, case=d["case"], data=d)
        return Response(self.get_serializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CompleteSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"], serializer_class=CompleteSerializer)
    def complete(self, request, uuid=None):
        task = self.get_object()
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = services.complete_task(actor=request.user, task=task, outcome=body.validated_data.get("outcome", ""),
                                      version=body.validated_data["version"])
        return Response(TaskSerializer(task, context=self.get_serializer_context()).data)


class ApprovalSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    institution = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="uuid", read_only=True)

    class Meta:
        model = Approval
        fields = ["uuid", "case", "case_reference", "institution", "kind", "target", "status", "requested_by",
                  "requested_at", "decided_by", "decided_at", "version"]
        read_only_fields = fields


class DecideSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", "approve"), ("refuse", "refuse")])
    note = serializers.CharField(required=False, allow_blank=True,
                                 help_text="Required to refuse, and for a break-glass review.")
    version = serializers.IntegerField()


class ApprovalViewSet(AuditedViewSet):
    """Approvals of the cases you may see now (an access-restriction order that keeps you from a case keeps you
    from its approvals: 404). `decide` approves (and carries out the action) or refuses: a supervisor of the
    approving institution, never on their own request."""

    serializer_class = ApprovalSerializer
    reads = selectors.APPROVALS

    def get_queryset(self):
        qs = super().get_queryset()
        status_ = choice_param(self.request, "status", ApprovalStatus.values)
        if status_:
            qs = qs.filter(status=status_)
        return qs

    @extend_schema(parameters=[ListFilter("status", OpenApiTypes.STR, enum=ApprovalStatus.values,
                                          description="Only approvals in this state.")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=DecideSerializer, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"], serializer_class=DecideSerializer)
    def decide(self, request, uuid=None):
        approval = self.get_object()
        if not services.may_decide(request.user, approval):
            raise PermissionDenied(_("Only a supervisor of the approving institution decides, never on their own "
                                     "request."))
        body = DecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        approval = services.decide_approval(actor=request.user, approval=approval, approve=d["decision"] == "approve",
                                            note=d.get("note", ""), version=d["version"])
        return Response(ApprovalSerializer(approval, context=self.get_serializer_context()).data)


# --- the case's assigned worker and team -------------------------------------------------------------------------

class AssignmentSerializer(serializers.Serializer):
    """Who works on the case: the assigned worker and the team, with the version to send back."""

    case = serializers.UUIDField(source="case.uuid", read_only=True)
    worker = serializers.SerializerMethodField(help_text="The assigned worker (uuid), or null.")
    worker_name = serializers.SerializerMethodField(help_text="The assigned worker's name as staff see it.")
    members = serializers.SerializerMethodField(help_text="The team (uuids of staff of the owning institution).")
    version = serializers.IntegerField(read_only=True, help_text="Send it back to change the assignment; 0 while "
                                                                 "nobody was ever assigned.")
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    @extend_schema_field({"type": "string", "format": "uuid", "nullable": True})
    def get_worker(self, team) -> str | None:
        return str(team.worker.uuid) if team.worker else None

    def get_worker_name(self, team) -> str:
        return (team.worker.get_full_name() or team.worker.get_username()) if team.worker else ""

    @extend_schema_field({"type": "array", "items": {"type": "string", "format": "uuid"}})
    def get_members(self, team) -> list[str]:
        return sorted(str(u.uuid) for u in team.members.all()) if team.pk else []


class AssignSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    """Who works on the case: the worker, the team (a supervisor only) and the version read."""

    worker = _UserRef(allow_null=True, help_text="The staff member (uuid) who works on the case, or null to leave "
                                                 "it unassigned; someone who works on cases at the owning "
                                                 "institution.")
    members = serializers.ListField(child=_UserRef(), required=False, help_text=(
        "The team (uuids), all working on cases at the owning institution; replaces the team. Only a supervisor "
        "sets it; left out, the team stays as it is."))
    version = serializers.IntegerField(help_text="The version of the assignment you read (0 when nobody was ever "
                                                 "assigned).")


class _Unsaved:
    """The answer for a case nobody was ever assigned to (no team row yet): version 0."""

    pk = None
    worker = None
    version = 0
    updated_at = None

    def __init__(self, case):
        self.case = case


class CaseAssignmentView(APIView):
    """GET /api/v1/cases/<uuid>/assignment/ — who works on a case you may see; PUT sets the worker and team.

    Allowed exactly as on the page (nicat.work.services.assign_case): a supervisor of the institution that
    owns the case assigns anyone working on cases there; anyone else working on cases there may only take a
    case nobody is assigned to, for themselves (`worker` = their own uuid, no `members`). A case you may not
    see answers 404; one you see but may not assign, 403."""

    def _case(self, request, case_uuid):
        if not policy.can_work_on_cases(request.user):
            raise NotFound
        case = Case.objects.visible_to(request.user).select_related("owner_institution").filter(
            uuid=case_uuid).first()
        if case is None:
            raise NotFound
        return case

    @staticmethod
    def _answer(case, team):
        return Response(AssignmentSerializer(team if team is not None else _Unsaved(case)).data)

    @extend_schema(operation_id="cases_assignment_retrieve", responses=AssignmentSerializer)
    def get(self, request, case_uuid):
        case = self._case(request, case_uuid)
        return self._answer(case, selectors.assignment_shown(user=request.user, case=case, channel="api"))

    @extend_schema(operation_id="cases_assignment_update", request=AssignSerializer,
                   responses=AssignmentSerializer)
    def put(self, request, case_uuid):
        case = self._case(request, case_uuid)
        team = services.team_of(case)
        supervisor = services.may_assign(request.user, case)
        if not (supervisor or services.may_take(request.user, case, team)):
            raise PermissionDenied(_("Only a supervisor of the institution that owns the case assigns it; anyone "
                                     "working on cases there may take a case nobody is assigned to."))
        body = AssignSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        d = body.validated_data
        if not supervisor and "members" in d:
            raise PermissionDenied(_("Only a supervisor of the institution that owns the case sets the team."))
        if not supervisor and (d["worker"] is None or d["worker"].pk != request.user.pk):
            raise PermissionDenied(_("You may take a case nobody is assigned to only for yourself."))
        members = d["members"] if "members" in d else (list(team.members.all()) if team else [])
        team = services.assign_case(actor=request.user, case=case, worker=d["worker"], members=members,
                                    version=d["version"])
        return self._answer(case, services.team_of(case))
