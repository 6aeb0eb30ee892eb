"""Counts of the cases for API clients: the same table as /statistics/ (analysts: aggregates with
small cells withheld and the other figures perturbed; supervisors: exact counts within their scope)."""
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from nicat.statistics.dimensions import DIMENSIONS
from nicat.statistics.selectors import StatisticsNotAllowed, case_table


class CaseTableQuery(serializers.Serializer):
    by = serializers.CharField(max_length=100, help_text="One dimension, or two separated by a comma: "
                                                         + ", ".join(DIMENSIONS))
    date_from = serializers.DateField(required=False, help_text="first contact on or after (YYYY-MM-DD)")
    date_to = serializers.DateField(required=False, help_text="first contact on or before (YYYY-MM-DD)")

    def validate_by(self, value):
        codes = [c.strip() for c in value.split(",") if c.strip()]
        unknown = [c for c in codes if c not in DIMENSIONS]
        if unknown or not 1 <= len(codes) <= 2 or len(set(codes)) != len(codes):
            raise serializers.ValidationError(
                _("Name one dimension, or two different ones, from: %(dimensions)s.")
                % {"dimensions": ", ".join(DIMENSIONS)})
        return codes


TABLE = inline_serializer("StatisticsTable", {
    "dimensions": serializers.ListField(child=serializers.CharField()),
    "k": serializers.IntegerField(allow_null=True, help_text="cells under k are withheld; null: exact counts"),
    "additive": serializers.BooleanField(help_text="false when a case can count in more than one cell"),
    "perturbed": serializers.BooleanField(help_text="true: every figure shown is its count plus a small "
                                                    "noise (-2 to +2, the same for the same cases) that "
                                                    "keeps two queries from singling out a case; cells "
                                                    "need not add up to the totals. false: exact counts"),
    "total": serializers.IntegerField(allow_null=True, help_text="distinct cases counted (null: withheld)"),
    "cells": serializers.ListField(child=inline_serializer("StatisticsCellItem", {
        "values": serializers.ListField(child=serializers.CharField()),
        "count": serializers.IntegerField(allow_null=True)})),
})


class StatisticsViewSet(viewsets.ViewSet):
    """GET /api/v1/statistics/cases/?by=year,gender&date_from=…&date_to=…"""

    @extend_schema(operation_id="statistics_cases", parameters=[
        OpenApiParameter("by", str, required=True, description="dimension[,dimension]: " + ", ".join(DIMENSIONS)),
        OpenApiParameter("date_from", str, required=False, description="YYYY-MM-DD"),
        OpenApiParameter("date_to", str, required=False, description="YYYY-MM-DD"),
    ], responses=TABLE)
    def list(self, request):
        query = CaseTableQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        try:
            table = case_table(user=request.user, by=data["by"], date_from=data.get("date_from"),
                               date_to=data.get("date_to"))
        except StatisticsNotAllowed:
            raise PermissionDenied(_("Your role sees no statistics.")) from None
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict if hasattr(error, "error_dict")
                                              else {"non_field_errors": error.messages}) from None
        cells = [{"values": [str(v) for v in key], "count": None if key in table["withheld"] else n}
                 for key, n in sorted(table["counts"].items(), key=lambda kv: tuple(str(v) for v in kv[0]))]
        total_withheld = table.get("total_withheld", False)
        return Response({"dimensions": table["dimensions"], "k": table["k"], "additive": table["additive"],
                         "perturbed": table["perturbed"], "total": None if total_withheld else table["total"], "cells": cells})


class ProceedingsQuery(serializers.Serializer):
    by = serializers.ChoiceField(choices=["year", "year,exploitation"], required=False, default="year")
    year_from = serializers.IntegerField(required=False, min_value=1900, max_value=2200)
    year_to = serializers.IntegerField(required=False, min_value=1900, max_value=2200)


PROCEEDINGS_TABLE = inline_serializer("ProceedingsStatisticsTable", {
    "by": serializers.ListField(child=serializers.CharField()),
    "k": serializers.IntegerField(allow_null=True, help_text="cells under k are withheld; null: exact counts"),
    "measures": serializers.ListField(child=inline_serializer("ProceedingsMeasure", {
        "code": serializers.ChoiceField(choices=["investigations", "prosecutions", "convictions"]),
        "label": serializers.CharField(),
        "total": serializers.IntegerField(allow_null=True, help_text="distinct criminal cases (null: withheld)"),
        "cells": serializers.ListField(child=inline_serializer("ProceedingsCell", {
            "year": serializers.IntegerField(),
            "exploitation": serializers.CharField(required=False, help_text="with by=year,exploitation: the code of "
                                                                            "the form of exploitation"),
            "count": serializers.IntegerField(allow_null=True)})),
    })),
})


class ProceedingsStatisticsView(APIView):
    """GET /api/v1/statistics/proceedings/?by=year|year,exploitation&year_from=…&year_to=… — investigations,
    prosecutions and convictions (distinct criminal cases), small cells withheld for analysts. A plain view,
    not a viewset's list: the answer is one object, not a list."""

    @extend_schema(operation_id="statistics_proceedings", parameters=[
        OpenApiParameter("by", str, required=False, enum=["year", "year,exploitation"]),
        OpenApiParameter("year_from", int, required=False), OpenApiParameter("year_to", int, required=False),
    ], responses=PROCEEDINGS_TABLE)
    def get(self, request):
        from nicat.statistics.proceedings import proceedings_table

        query = ProceedingsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        try:
            table = proceedings_table(user=request.user, by=tuple(data["by"].split(",")),
                                      year_from=data.get("year_from"), year_to=data.get("year_to"))
        except StatisticsNotAllowed:
            raise PermissionDenied(_("Your role sees no statistics.")) from None
        except ValidationError as error:
            raise serializers.ValidationError({"non_field_errors": error.messages}) from None
        return Response(table)
