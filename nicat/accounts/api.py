"""/api/v1/tokens/: a staff member lists and revokes their own API tokens. The token text is never
returned (only its first characters); new tokens are created on the account page or with
`nicat token USERNAME`, which show them once."""
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from nicat.accounts import services
from nicat.accounts.models import ApiToken


class ApiTokenSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["uuid", "name", "prefix", "created_at", "last_used_at", "revoked_at", "active"]
        read_only_fields = fields


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                      viewsets.GenericViewSet):
    """Your own API tokens. DELETE revokes one (it stays listed, with the time it was revoked)."""

    serializer_class = ApiTokenSerializer
    lookup_field = "uuid"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return ApiToken.objects.none()
        return services.tokens_of(self.request.user)

    def destroy(self, request, *args, **kwargs):
        token = self.get_object()
        services.revoke_token(actor=request.user, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
