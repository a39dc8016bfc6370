"""URLs of the HSDS 3.0 read API, under /api/hsds/ (paths as the HSDS OpenAPI
document spells them; a trailing slash is accepted too).
"""

from django.urls import path, re_path

from . import views

ID = r"(?P<id>[^/]+)"

urlpatterns = [
    path("", views.ApiInfoView.as_view(), name="hsds"),
    re_path(r"^services(?:/)?$", views.ServiceListView.as_view(), name="hsds-services"),
    re_path(
        rf"^services/{ID}(?:/)?$", views.ServiceView.as_view(), name="hsds-service"
    ),
    re_path(
        r"^organizations(?:/)?$",
        views.OrganizationListView.as_view(),
        name="hsds-organizations",
    ),
    re_path(
        rf"^organizations/{ID}(?:/)?$",
        views.OrganizationView.as_view(),
        name="hsds-organization",
    ),
    re_path(
        r"^service_at_locations(?:/)?$",
        views.ServiceAtLocationListView.as_view(),
        name="hsds-service-at-locations",
    ),
    re_path(
        rf"^service_at_locations/{ID}(?:/)?$",
        views.ServiceAtLocationView.as_view(),
        name="hsds-service-at-location",
    ),
    re_path(
        r"^taxonomies(?:/)?$", views.TaxonomyListView.as_view(), name="hsds-taxonomies"
    ),
    re_path(
        rf"^taxonomies/{ID}(?:/)?$", views.TaxonomyView.as_view(), name="hsds-taxonomy"
    ),
    re_path(
        r"^taxonomy_terms(?:/)?$",
        views.TaxonomyTermListView.as_view(),
        name="hsds-taxonomy-terms",
    ),
    re_path(
        rf"^taxonomy_terms/{ID}(?:/)?$",
        views.TaxonomyTermView.as_view(),
        name="hsds-taxonomy-term",
    ),
    # Anything else below /api/hsds/ is a JSON 404, not the site's HTML page.
    re_path(r"", views.NoEndpointView.as_view()),
]
