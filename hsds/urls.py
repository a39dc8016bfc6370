"""URLs of the HSDS 3.0 read API, under /api/hsds/ (paths as the HSDS OpenAPI
document spells them; a trailing slash is accepted too).
"""

from django.urls import path, re_path

from . import views

# path segment, list view, item view, URL name of the list, URL name of an item
COLLECTIONS = [
    ("services", views.ServiceListView, views.ServiceView, "services", "service"),
    (
        "organizations",
        views.OrganizationListView,
        views.OrganizationView,
        "organizations",
        "organization",
    ),
    (
        "service_at_locations",
        views.ServiceAtLocationListView,
        views.ServiceAtLocationView,
        "service-at-locations",
        "service-at-location",
    ),
    (
        "taxonomies",
        views.TaxonomyListView,
        views.TaxonomyView,
        "taxonomies",
        "taxonomy",
    ),
    (
        "taxonomy_terms",
        views.TaxonomyTermListView,
        views.TaxonomyTermView,
        "taxonomy-terms",
        "taxonomy-term",
    ),
]

urlpatterns = [
    path("", views.ApiInfoView.as_view(), name="hsds"),
    *(
        pattern
        for segment, list_view, item_view, list_name, item_name in COLLECTIONS
        for pattern in (
            re_path(
                rf"^{segment}(?:/)?$", list_view.as_view(), name=f"hsds-{list_name}"
            ),
            re_path(
                rf"^{segment}/(?P<id>[^/]+)(?:/)?$",
                item_view.as_view(),
                name=f"hsds-{item_name}",
            ),
        )
    ),
    # Anything else below /api/hsds/ is a JSON 404, not the site's HTML page.
    re_path(r"", views.NoEndpointView.as_view()),
]
