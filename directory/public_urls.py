"""Public addresses per language beside the pages: feeds and calendar files."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
