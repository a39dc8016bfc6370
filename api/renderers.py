"""JSON in UTF-8, non-ASCII text as it is (Arabic, Ukrainian … stay readable)."""

from rest_framework.renderers import JSONRenderer


class Utf8JSONRenderer(JSONRenderer):
    charset = "utf-8"
