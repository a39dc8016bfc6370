"""The generated OpenAPI document: helpers for the views' ``extend_schema`` and the
drf-spectacular hook that adds the response-body schemas kept as data.

Paths, operations and parameters are generated from the views. The JSON documents
the APIs answer are described by JSON Schemas kept in ``api/schemas/*.json`` (each
file one object: component name → schema; ``$ref`` between them as
``#/components/schemas/<Name>``). A view points at one with ``component()``::

    @extend_schema(responses={200: component("HsdsService"), **error_responses(404)})

and ``components_add`` (a ``POSTPROCESSING_HOOKS`` entry) puts every file's schemas
into ``components.schemas``.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any, cast

from django import forms
from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"

_ERROR_DESCRIPTIONS = {
    400: "A parameter is invalid; `parameter` names the first one at fault.",
    404: "No such record or endpoint.",
    405: "Only GET, HEAD and OPTIONS are allowed.",
    429: "Too many requests from this client; wait `Retry-After` seconds.",
}


@cache
def component_schemas() -> dict[str, dict]:
    """Every component schema in ``api/schemas/``; a name twice is an error."""
    schemas: dict[str, dict] = {}
    for path in sorted(SCHEMAS_DIR.glob("*.json")):
        for name, schema in json.loads(path.read_text(encoding="utf-8")).items():
            if name in schemas:
                raise ValueError(f"Schema {name} is defined twice ({path.name}).")
            schemas[name] = schema
    return schemas


def component(name: str) -> dict:
    """A reference to the component schema ``name`` (for ``extend_schema``);
    raises ``KeyError`` when ``api/schemas/`` has no such schema.
    """
    if name not in component_schemas():
        raise KeyError(f"No schema {name} in {SCHEMAS_DIR}.")
    return {"$ref": f"#/components/schemas/{name}"}


def answer(name: str, description: str) -> OpenApiResponse:
    """A 200 answer whose body is the component schema ``name``."""
    return OpenApiResponse(component(name), description=description)


def error_responses(*status_codes: int) -> dict[int, OpenApiResponse]:
    """Responses in the one error format for ``status_codes`` (400, 404 …), for
    ``extend_schema(responses={200: …, **error_responses(400)})``. 429 is added to
    every operation by ``components_add``.
    """
    return {
        code: OpenApiResponse(
            component("ErrorResponse"), description=_ERROR_DESCRIPTIONS[code]
        )
        for code in status_codes
    }


ACCEPT_LANGUAGE = OpenApiParameter(
    "Accept-Language",
    type=str,
    location=OpenApiParameter.HEADER,
    description="The answer language when `lang` is not given (best supported match; "
    "else German).",
)


def language_parameter(description: str = "") -> OpenApiParameter:
    """The ``lang`` query parameter: one of the site's languages."""
    return OpenApiParameter(
        "lang",
        type={"type": "string", "enum": [code for code, _name in settings.LANGUAGES]},
        location=OpenApiParameter.QUERY,
        description=description
        or "Answer language. Missing: from `Accept-Language`, else German (`de`); "
        "another value is a `400`.",
    )


def field_schema(field: forms.Field) -> dict:
    """The JSON Schema of one query parameter that a form field validates."""
    if isinstance(field, forms.NullBooleanField | forms.BooleanField):
        return {"type": "boolean"}
    if isinstance(field, forms.IntegerField | forms.FloatField):
        schema: dict[str, Any] = {
            "type": "integer" if type(field) is forms.IntegerField else "number"
        }
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        if field.max_value is not None:
            schema["maximum"] = field.max_value
        return schema
    if isinstance(field, forms.ChoiceField) and not isinstance(
        field, forms.ModelChoiceField
    ):
        return {
            "type": "string",
            "enum": [
                str(value) for value, _label in cast(list, field.choices) if value != ""
            ],
        }
    schema = {"type": "string"}
    if max_length := getattr(field, "max_length", None):
        schema["maxLength"] = max_length
    return schema


def form_parameters(
    form_class: type[forms.Form],
    *,
    descriptions: dict[str, str],
    schemas: dict[str, dict] | None = None,
    defaults: dict[str, object] | None = None,
    required: tuple[str, ...] = (),
) -> list[OpenApiParameter]:
    """The query parameters a form validates, for ``extend_schema(parameters=…)``:
    one per field, typed from the field (enum from its choices, bounds from its
    limits); a field with a multiple-value widget is a repeated (array) parameter.
    ``schemas`` replaces the generated schema of a field (a pattern, say).
    """
    parameters = []
    for name, field in form_class.base_fields.items():
        schema = (schemas or {}).get(name) or field_schema(field)
        many = isinstance(field.widget, forms.MultipleHiddenInput)
        if many and schema.get("type") != "array":
            schema = {"type": "array", "items": schema}
        parameters.append(
            OpenApiParameter(
                name,
                type=schema,
                location=OpenApiParameter.QUERY,
                required=name in required,
                description=descriptions.get(name, ""),
                default=(defaults or {}).get(name),
                style="form" if many else None,
                explode=True if many else None,
            )
        )
    return parameters


def document() -> dict:
    """The OpenAPI document as ``/api/openapi.json`` serves it (for tests, tools)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


@cache
def document_cached() -> dict:
    """``document()``, generated once per process."""
    return document()


def public_endpoints(endpoints):
    """drf-spectacular preprocessing hook: only the public APIs under ``/api/``
    (not the Wagtail admin's internal API)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]


def components_add(result, generator, request, public):
    """drf-spectacular postprocessing hook: the data schemas into
    ``components.schemas``, and the answer every operation may give (429 with
    ``Retry-After``) into each operation.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(component_schemas())
    error = {"application/json": {"schema": component("ErrorResponse")}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in ("get", "head"):
                continue
            responses = operation.setdefault("responses", {})
            responses.setdefault(
                "429",
                {
                    "description": _ERROR_DESCRIPTIONS[429],
                    "headers": {
                        "Retry-After": {
                            "description": "Seconds until the client may ask again.",
                            "schema": {"type": "integer", "minimum": 0},
                        }
                    },
                    "content": error,
                },
            )
    return result
