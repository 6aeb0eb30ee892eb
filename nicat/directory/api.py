"""REST API of the directory: /api/v1/institutions/ — where to refer, with services; confidential addresses hidden."""
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError

from nicat.directory import selectors
from nicat.directory.models import Institution, ServiceKind
from nicat.vocab.models import Term


class InstitutionSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="kind.code", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True, allow_null=True, default=None)
    country = serializers.CharField(source="country.code", read_only=True, allow_null=True, default=None)
    languages = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    services = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()

    class Meta:
        model = Institution
        fields = ["uuid", "code", "name_az", "name_ru", "name_en", "kind", "region", "country", "address", "phone",
                  "fax", "email", "hours", "languages", "services", "is_special_institution", "is_nonprofit",
                  "is_competent_authority", "listed_publicly"]
        read_only_fields = fields

    def get_services(self, obj) -> list[str]:
        return [s.kind for s in obj.services.all()]

    def get_address(self, obj) -> str | None:
        request = self.context.get("request")
        user = request.user if request is not None else None
        return obj.address if selectors.institution_address_visible_to(user, obj) else None


class InstitutionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Active institutions. Filters: `?q=`, `?service=` (a service code), `?kind=`, `?region=`, `?language=` (codes)."""

    serializer_class = InstitutionSerializer
    lookup_field = "uuid"

    def get_queryset(self):
        p = self.request.query_params
        filters, errors = {"q": p.get("q", "")}, {}
        for key, vocab in (("kind", "institution_kind"), ("region", "region"), ("language", "language")):
            if p.get(key):
                filters[key] = Term.objects.filter(vocabulary=vocab, code=p[key]).first()
                if filters[key] is None:
                    errors[key] = [_("Unknown code. The valid codes are listed at /api/v1/vocabularies/%(v)s/.")
                                   % {"v": vocab}]
        if p.get("service"):
            if p["service"] not in ServiceKind.values:
                errors["service"] = [_("Unknown service. Valid: %(codes)s.") % {"codes": ", ".join(ServiceKind.values)}]
            filters["service"] = p["service"]
        if errors:
            raise ValidationError(errors)
        return selectors.institution_search(**filters)
