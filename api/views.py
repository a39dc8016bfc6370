"""The base of every public JSON endpoint (GET only, no session, throttled per
client, answers in UTF-8 JSON that vary with the answer language), the OpenAPI
document and its browsable reference.
"""

from django.utils.cache import patch_vary_headers
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiJsonRenderer2
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .language import answer_language
from .openapi import document_cached
from .renderers import Utf8JSONRenderer
from .throttling import PublicApiThrottle


class PublicApiView(APIView):
    """GET (and HEAD, OPTIONS) for anyone. Subclasses call ``self.language()``
    for the answer language; ``cache_control`` sets how long shared caches keep
    an answer (``None``: no header).
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicApiThrottle]
    renderer_classes = [Utf8JSONRenderer]
    http_method_names = ["get", "head", "options"]
    cache_control: str | None = None

    def language(self) -> str:
        return answer_language(self.request)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Accept-Language"])
        if self.cache_control and response.status_code == 200:
            response.setdefault("Cache-Control", self.cache_control)
        return response


class OpenApiDocumentView(SpectacularJSONAPIView):
    """``GET /api/openapi.json``: the OpenAPI 3.1 document, generated from the views
    (and ``api/schemas/``), for anyone, throttled like the APIs.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicApiThrottle]
    # application/json unless the client asks for application/vnd.oai.openapi+json.
    renderer_classes = [OpenApiJsonRenderer2, OpenApiJsonRenderer]
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        operation_id="getOpenApiDocument",
        tags=["meta"],
        summary="This OpenAPI document",
        responses={
            200: OpenApiResponse(
                {"type": "object", "required": ["openapi", "info", "paths"]},
                description="The OpenAPI 3.1 description of the JSON APIs.",
            )
        },
    )
    def get(self, request, *args, **kwargs):
        # Generating takes ~0.1 s and the views do not change while the app runs.
        return Response(document_cached())


class ApiReferenceView(SpectacularSwaggerSplitView):
    """``GET /api/docs/``: Swagger UI over the document, from our own static files;
    its start script is a separate file (``?script``), so the page needs no inline
    script or style under the site's Content-Security-Policy.
    """

    template_name = "api/swagger_ui.html"
    url_name = "openapi"
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicApiThrottle]
    http_method_names = ["get", "head"]
