"""HTCDS 2.0 exchange through the API (docs/exchange.md): the same services as `nicat htcds`, for the
supervisors of the competent authority only (`services.may_exchange`); everybody else gets 403.

    GET  /api/v1/exchange/htcds/?format=json|csv&purpose=…   the cases the user may see, as a file
    POST /api/v1/exchange/htcds/   multipart: file (.json or .csv), skip_invalid   an import
"""
import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from nicat.core.viewsets import IdempotentPosts
from nicat.exchange import services

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "csv": "text/csv; charset=utf-8"}


class _FormatIsOurs(DefaultContentNegotiation):
    """`?format=` names the file's format here, not the API's renderer: answers (and errors) are JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ExportQuery(serializers.Serializer):
    format = serializers.ChoiceField(choices=["json", "csv"], default="json")
    purpose = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ImportForm(serializers.Serializer):
    file = serializers.FileField(help_text="an HTCDS 2.0 file: name.json (with its organisations) or name.csv")
    format = serializers.ChoiceField(choices=["json", "csv"], required=False,
                                     help_text="the file's format when its name does not end in .json or .csv")
    skip_invalid = serializers.BooleanField(required=False, default=False,
                                            help_text="write the valid records and list the others")


class ProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="1-based position of the case in the file (0: the file itself or "
                                             "its organisations)")
    field = serializers.CharField(help_text="the HTCDS field, e.g. prs_Birthdate or nct_Events[0].hte_Type")
    message = serializers.CharField()

IMPORTED = inline_serializer("HtcdsImportResult", {
    "cases": serializers.IntegerField(), "persons": serializers.IntegerField(),
    "organisations": serializers.IntegerField(),
    "skipped": ProblemSerializer(many=True, help_text="with skip_invalid: the problems of the records "
                                                             "left out"),
})
INVALID = inline_serializer("HtcdsInvalidFile", {
    "detail": serializers.CharField(), "code": serializers.CharField(),
    "problems": ProblemSerializer(many=True),
})


def _problem(p):
    return {"row": p.row, "field": p.field, "message": p.message}


class HtcdsExchangeView(IdempotentPosts, APIView):
    """Export and import of HTCDS 2.0 files. Only the supervisors of the competent authority.

    An import retried with the same `Idempotency-Key` (a lost answer, a timeout on a large file) writes no
    second batch of persons and cases: it is answered with the counts of the first, read again from its
    `htcds.import` event (the skipped records' problems are given the first time only: they are not kept)."""

    content_negotiation_class = _FormatIsOurs
    parser_classes = [MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not services.may_exchange(request.user):
            raise PermissionDenied(_("Only the supervisors of the competent authority exchange HTCDS files."))

    @extend_schema(operation_id="exchange_htcds_export", parameters=[
        OpenApiParameter("format", str, enum=["json", "csv"], required=False, description="the file's format"),
        OpenApiParameter("purpose", str, required=True,
                         description="why the file is needed (at least 10 characters): it names people, and the "
                                     "export is recorded with this purpose"),
    ], responses={
        (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="HTCDS 2.0 JSON: "
                                                   "standard, organisations, cases"),
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="HTCDS 2.0 CSV: the cases"),
        400: OpenApiResponse(OpenApiTypes.OBJECT, description="a missing purpose or an unknown format"),
        403: OpenApiResponse(OpenApiTypes.OBJECT, description="not a supervisor of the competent authority"),
    })
    def get(self, request):
        query = ExportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        fmt = query.validated_data["format"]
        text, _count = services.export_for(user=request.user, fmt=fmt, purpose=query.validated_data["purpose"])
        response = HttpResponse(text.encode("utf-8"), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="nicat-htcds-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"'
        return response

    @extend_schema(operation_id="exchange_htcds_import", request={"multipart/form-data": ImportForm}, responses={
        201: IMPORTED,
        400: OpenApiResponse(INVALID, description="a record is invalid: every problem with its row and field; "
                                                  "nothing was written"),
        403: OpenApiResponse(OpenApiTypes.OBJECT, description="not a supervisor of the competent authority"),
    })
    def post(self, request):
        form = ImportForm(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        fmt = form.validated_data.get("format") or os.path.splitext(upload.name or "")[1].lower().lstrip(".")
        if fmt not in ("json", "csv"):
            raise serializers.ValidationError({"file": [_("Send a .json or .csv file, or name its format.")]})
        if upload.size > settings.NICAT_HTCDS_IMPORT_MAX_BYTES:
            raise serializers.ValidationError({"file": [_("The file is larger than %(max)d MB: import it with the "
                                                          "command.") % {"max": settings.NICAT_HTCDS_IMPORT_MAX_BYTES // (1024 * 1024)}]})
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise serializers.ValidationError({"file": [_("The file is not UTF-8 text.")]}) from None
        try:
            result = services.import_for(user=request.user, text=text, fmt=fmt,
                                         skip_invalid=form.validated_data["skip_invalid"])
        except services.InvalidFile as exc:
            return Response({"detail": _("The file has invalid records: nothing was imported."),
                             "code": "invalid_file", "problems": [_problem(p) for p in exc.problems]},
                            status=status.HTTP_400_BAD_REQUEST)
        except ValidationError as exc:
            raise serializers.ValidationError({"file": list(exc.messages)}) from None
        response = Response({**{k: result[k] for k in ("cases", "persons", "organisations")},
                             "skipped": [_problem(p) for p in result["skipped"]]}, status=status.HTTP_201_CREATED)
        response.import_event = result["event"]
        return response

    def remember_answer(self, row, response):
        """The first answer is the import's `htcds.import` event (its counts): nothing of the file is kept."""
        event = getattr(response, "import_event", None)
        if response.status_code != status.HTTP_201_CREATED or event is None:
            return False
        row.status, row.object_type, row.object_ids = response.status_code, event._meta.label_lower, str(event.pk)
        row.save(update_fields=["status", "object_type", "object_ids"])
        return True

    def repeated_answer(self, row):
        event = services.import_event(user=self.request.user, pk=row.object_ids)
        if event is None:
            raise Http404
        details = event.details
        return Response({**{k: details.get(k, 0) for k in ("cases", "persons", "organisations")}, "skipped": []},
                        status=row.status, headers={"Idempotent-Replayed": "true"})
