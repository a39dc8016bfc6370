"""URL configuration: admin and health outside, public pages per language
(/de/, /ar/…).
"""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from api import views as api_views
from directory import coordination_views, finder_views
from newsletter import urls as newsletter_urls
from search import views as search_views

urlpatterns = [
    # Before the admin, whose views all need a signed-in user: the invited have none.
    path(
        "admin/invitation/<str:token>/",
        coordination_views.InvitationView.as_view(),
        name="directory_invitation",
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/search/", search_views.SearchApiView.as_view(), name="search-api"),
    path(
        "api/search/suggest/",
        search_views.SuggestApiView.as_view(),
        name="search-suggest",
    ),
    path("api/openapi.json", api_views.OpenApiDocumentView.as_view(), name="openapi"),
    path("api/docs/", api_views.ApiReferenceView.as_view(), name="api-docs"),
    path("api/hsds/", include("hsds.urls")),
    path("api/finder/", finder_views.FinderApiView.as_view(), name="finder-api"),
    *newsletter_urls.plain,
    path("", include("directory.seo_urls")),
]

if settings.SERVE_MEDIA:
    import posixpath

    from django.http import Http404
    from django.urls import re_path
    from django.views.static import serve

    def _media(request, path):
        # Documents go through /documents/<id>/<name> (privacy checks), never as files.
        if posixpath.normpath(path).lstrip("/").split("/")[0] == "documents":
            raise Http404
        return serve(request, path, document_root=settings.MEDIA_ROOT)

    urlpatterns.append(
        re_path(r"^{}(?P<path>.*)$".format(settings.MEDIA_URL.lstrip("/")), _media)
    )

urlpatterns += i18n_patterns(
    path("search/", search_views.search_page, name="search"),
    path("who-is-responsible/", finder_views.finder_page, name="finder"),
    *newsletter_urls.public,
    path("", include("directory.public_urls")),
    path("", include(wagtail_urls)),
)
