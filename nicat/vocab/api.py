"""Read-only vocabularies for API clients: the valid codes and their labels."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from nicat.vocab.models import Term, Vocabulary


class TermSerializer(serializers.ModelSerializer):
    class Meta:
        model = Term
        fields = ["code", "label_az", "label_ru", "label_en", "htcds_code", "ctdc_code"]


class VocabularyViewSet(viewsets.ViewSet):
    lookup_field = "vocabulary"
    lookup_value_regex = "[a-z_]+"
    serializer_class = TermSerializer

    @extend_schema(responses=inline_serializer("Vocabulary", {"vocabulary": serializers.CharField(),
                                                              "label": serializers.CharField()}, many=True))
    def list(self, request):
        return Response([{"vocabulary": v.value, "label": str(v.label)} for v in Vocabulary])

    @extend_schema(operation_id="vocabularies_retrieve", responses=TermSerializer(many=True))
    def retrieve(self, request, vocabulary=None):
        if vocabulary not in Vocabulary.values:
            from rest_framework.exceptions import NotFound

            raise NotFound()
        return Response(TermSerializer(Term.objects.of(vocabulary), many=True).data)
