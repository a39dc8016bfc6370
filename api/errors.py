"""One error format for every JSON API.

Every error answer is ``{"error": "<one sentence>", "errors": {"<parameter>":
["<message>", …]}}``, plus ``"parameter"`` naming the first parameter at fault when
there is one. Clients that show one message use ``error``; forms use ``errors``.
"""

from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class BadParameter(exceptions.ValidationError):
    """A query parameter the endpoint cannot use; the message names it."""

    def __init__(self, parameter: str, message: str):
        super().__init__({parameter: [message]})


def _messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _messages(value)]
    return [str(detail)]


def error_body(detail) -> dict:
    """The answer body for a DRF ``detail`` (a message, a list or a dict of them)."""
    if isinstance(detail, dict) and "detail" not in detail:
        errors = {str(name): _messages(value) for name, value in detail.items()}
        first = next(iter(errors), None)
        body = {
            "error": errors[first][0] if first and errors[first] else _("Bad request."),
            "errors": errors,
        }
        # Django forms file errors about several fields under "__all__", DRF under
        # "non_field_errors": no single parameter is at fault.
        if first and first not in ("non_field_errors", "__all__"):
            body["parameter"] = first
        return body
    if isinstance(detail, dict):
        detail = detail["detail"]
    messages = _messages(detail)
    return {"error": messages[0] if messages else _("Bad request."), "errors": {}}


def exception_handler(exc, context):
    """DRF's handler, with every error answer in the one format."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait) if exc.wait is not None else None
        message = (
            _("Too many requests; try again in %(seconds)d seconds.")
            % {"seconds": max(wait, 1)}
            if wait is not None
            else _("Too many requests; try again later.")
        )
        response.data = {"error": message, "errors": {}}
        return response
    response.data = error_body(response.data)
    return response


def not_found_response(message: str) -> Response:
    return Response({"error": message, "errors": {}}, status=status.HTTP_404_NOT_FOUND)
