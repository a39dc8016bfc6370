"""Addresses outside the language prefix for search engines: sitemap.xml, robots.txt."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
