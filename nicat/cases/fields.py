"""The API's reference to a case: a case given by its uuid, resolved among the cases the user may see."""
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from nicat.cases.models import Case


class VisibleCaseField(serializers.UUIDField):
    """A case given by its uuid, resolved among the cases the request's user may see — else a 400 saying
    so, the same for a case of another institution as for one that does not exist (existence does not
    leak). The case comes with its person and owner institution, which the services check."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        case = (Case.objects.visible_to(self.context["request"].user)
                .select_related("person", "owner_institution").filter(uuid=value).first())
        if case is None:
            raise serializers.ValidationError(_("No case with this id is visible to you."))
        return case

    def to_representation(self, value):
        return str(value.uuid if isinstance(value, Case) else value)
