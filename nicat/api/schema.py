"""The OpenAPI schema tells the truth about errors too.

`NicatAutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) adds to every operation the error
answers it can really give, in the shapes nicat.api.errors.exception_handler returns them:

- 400 field errors ({"field": ["message"], "non_field_errors": [...]}, nested for nested objects)
  on every operation that takes a body or query parameters; a body that is not JSON gives
  {"detail": "..."};
- 401 without a valid token or session, 403 when the role may not do this;
- 404 for what one may not see (or that does not exist — the API never says which), on every
  operation with a path parameter, every paginated list (a page past the end) and every
  change (a service that finds the record out of reach answers 404, never 403);
- 409 {"detail", "code": "concurrent_edit"} on every change: someone else changed the record
  after you read it (optimistic locking) — read it again and retry;
- 413 and 415 on every operation that takes a body (too large; not JSON or form data);
- 429 where the view throttles;
- 422 {"detail", "code": "idempotency_key_reused"} on every POST that takes an `Idempotency-Key` header
  (the reusable parameter `IdempotencyKey`, nicat.core.submissions): the key was sent before with another
  request.

Serializers whose answer leaves out what the caller may not see (access sections) list those
fields in `schema_optional_fields`, so the response schema does not call them required; those
that answer null in their place list them in `schema_nullable_fields`.
"""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class ErrorSerializer(serializers.Serializer):
    """One sentence that says what went wrong (401, 403, 404, 413, 415, 429)."""

    detail = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    """Someone else changed the record after you read it: read it again, then repeat your change."""

    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["concurrent_edit"])


def _field_errors_schema():
    return {
        "type": "object",
        "description": ("For each field sent wrongly, a list of sentences that say what to fix "
                        "(`non_field_errors` for what concerns several fields); a nested object or list of "
                        "objects answers in the same shape, nested. A body that cannot be read answers "
                        "{\"detail\": \"...\"}."),
        "properties": {
            "non_field_errors": {"type": "array", "items": {"type": "string"}},
            "detail": {"type": "string"},
        },
        "additionalProperties": {
            "oneOf": [
                {"type": "array", "items": {}},
                {"type": "object", "additionalProperties": {}},
                {"type": "string"},
            ],
        },
        "example": {"birth_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
    }


def _idempotent(view, method):
    return method == "POST" and getattr(view, "idempotent_posts", False)


class NicatAutoSchema(AutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if _idempotent(self.view, self.method.upper()):
            from nicat.core.viewsets import IDEMPOTENCY_KEY_PARAMETER

            parameters = [*parameters, IDEMPOTENCY_KEY_PARAMETER]
        if getattr(self.view, "action", None) == "list" and getattr(self.view, "case_filter", False):
            from nicat.core.viewsets import CASE_PARAMETER

            parameters = [*parameters, CASE_PARAMETER]  # the audited lists' `?case=` (core.viewsets.case_param)
        return parameters

    def _process_override_parameters(self):
        parameters = super()._process_override_parameters()
        from nicat.core.viewsets import ListFilter

        for parameter in self.get_override_parameters():
            built = parameters.get((getattr(parameter, "name", None), getattr(parameter, "location", None)))
            if isinstance(parameter, ListFilter) and built is not None:
                built["allowEmptyValue"] = True
        return parameters

    def _get_filter_parameters(self):
        """django-filter's parameters, each allowed empty: an empty filter is no filter."""
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            if parameter.get("in") == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in self._error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses

    def _error_responses(self):
        method = self.method.upper()
        has_body = method in {"POST", "PUT", "PATCH"}
        has_query = method == "GET" and bool(
            self._get_filter_parameters() or self._get_pagination_parameters() or self.get_override_parameters())
        has_path = "{" in self.path
        paginated = method == "GET" and self._is_list_view() and self._get_paginator() is not None
        errors = {}
        if has_body or has_query or method in UNSAFE:
            errors["400"] = OpenApiResponse(
                self._field_errors_component(), description=_("Bad input: what to fix, field by field."))
        if self._requires_auth():
            errors["401"] = OpenApiResponse(ErrorSerializer, description=_("No valid token or session."))
            errors["403"] = OpenApiResponse(ErrorSerializer, description=_("Your role may not do this."))
        if has_path or paginated or method in UNSAFE:
            errors["404"] = OpenApiResponse(ErrorSerializer, description=_(
                "Not found, or not yours to see (the answer does not say which)."))
        if method in UNSAFE:
            errors["409"] = OpenApiResponse(ConflictSerializer, description=_(
                "Someone else changed the record after you read it: read it again and retry."))
        if has_body:
            errors["413"] = OpenApiResponse(ErrorSerializer, description=_("The request body is too large."))
            errors["415"] = OpenApiResponse(ErrorSerializer, description=_("Send JSON (or form data)."))
        if _idempotent(self.view, method):
            from nicat.core.viewsets import IdempotencyKeyReused

            errors["422"] = OpenApiResponse(IdempotencyKeyReused, description=_(
                "This Idempotency-Key was already used with another request: use a new key for a new request."))
        if self.view.get_throttles():
            errors["429"] = OpenApiResponse(ErrorSerializer, description=_("Too many requests: wait, then retry."))
        return errors

    def _requires_auth(self):
        from rest_framework.permissions import AllowAny

        return not all(isinstance(p, AllowAny) for p in self.view.get_permissions())

    def _field_errors_component(self):
        component = ResolvedComponent(name="FieldErrors", type=ResolvedComponent.SCHEMA, object="FieldErrors",
                                      schema=_field_errors_schema())
        self.registry.register_on_missing(component)
        return component.ref

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        for name, field in serializer.fields.items():
            # A read-only e-mail address or link is shown as stored: "" when none was given (the
            # model's blank=True does not reach a read-only field; a writable one already says so).
            prop = schema.get("properties", {}).get(name)
            if (isinstance(field, (serializers.EmailField, serializers.URLField)) and field.read_only
                    and prop and prop.get("format") in ("email", "uri")):
                prop["anyOf"] = [{"format": prop.pop("format")}, {"maxLength": 0}]
        if direction == "response":
            for name in getattr(serializer, "schema_nullable_fields", ()):
                prop = schema.get("properties", {}).get(name)
                if prop is None:
                    continue
                if "$ref" in prop:
                    schema["properties"][name] = {"allOf": [prop], "nullable": True}
                else:
                    prop["nullable"] = True
        optional = set(getattr(serializer, "schema_optional_fields", ()))
        if direction == "response" and optional and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in optional]
            if not schema["required"]:
                del schema["required"]
        return schema


def idempotency_key_component(result, generator, request, public):
    """A postprocessing hook: the `Idempotency-Key` header is one reusable parameter
    (`#/components/parameters/IdempotencyKey`) that every POST operation refers to."""
    from nicat.core.submissions import HEADER

    found = None
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            parameters = operation.get("parameters", [])
            for i, parameter in enumerate(parameters):
                if parameter.get("in") == "header" and parameter.get("name") == HEADER:
                    found = parameter
                    parameters[i] = {"$ref": "#/components/parameters/IdempotencyKey"}
    if found is not None:
        result.setdefault("components", {}).setdefault("parameters", {})["IdempotencyKey"] = found
    return result
