"""URLs of the HSDS 3.0 read API, under /api/hsds/ (paths as the HSDS OpenAPI
document spells them; a trailing slash is accepted too).
"""

from django.urls import path, re_path

from . import api

urlpatterns = [
    path("", api.api_info, name="hsds"),
    re_path(r"^services/?$", api.services, name="hsds-services"),
    re_path(r"^services/(?P<id>[^/]+)/?$", api.service, name="hsds-service"),
    re_path(r"^organizations/?$", api.organizations, name="hsds-organizations"),
    re_path(
        r"^organizations/(?P<id>[^/]+)/?$", api.organization, name="hsds-organization"
    ),
    re_path(
        r"^service_at_locations/?$",
        api.service_at_locations,
        name="hsds-service-at-locations",
    ),
    re_path(
        r"^service_at_locations/(?P<id>[^/]+)/?$",
        api.service_at_location,
        name="hsds-service-at-location",
    ),
    re_path(r"^taxonomies/?$", api.taxonomies, name="hsds-taxonomies"),
    re_path(r"^taxonomies/(?P<id>[^/]+)/?$", api.taxonomy, name="hsds-taxonomy"),
    re_path(r"^taxonomy_terms/?$", api.taxonomy_terms, name="hsds-taxonomy-terms"),
    re_path(
        r"^taxonomy_terms/(?P<id>[^/]+)/?$",
        api.taxonomy_term,
        name="hsds-taxonomy-term",
    ),
    # Anything else below /api/hsds/ is a JSON 404, not the site's HTML page.
    re_path(r"", api.not_found),
]
