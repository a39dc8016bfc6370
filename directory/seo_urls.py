"""Addresses outside the language prefix for search engines and link previews:
sitemap.xml, robots.txt, share images.
"""

from django.urls import URLPattern, path, re_path

from . import seo_views

urlpatterns: list[URLPattern] = [
    path("sitemap.xml", seo_views.sitemap_index, name="sitemap"),
    re_path(
        r"^sitemap-(?P<section>[a-z-]{1,30})\.xml$",
        seo_views.sitemap_section,
        name="sitemap-section",
    ),
    path("robots.txt", seo_views.robots_txt, name="robots"),
    re_path(
        r"^share-image/(?P<page_id>[0-9]{1,12})-(?P<language>[a-z]{2,3})\.png$",
        seo_views.share_image,
        name="share-image",
    ),
]
