"""Translated fields of the newsletter (django-modeltranslation)."""

from modeltranslation.decorators import register
from modeltranslation.translator import TranslationOptions

from .models import Issue, NewsItem


@register(Issue)
class IssueTR(TranslationOptions):
    fields = ("subject", "intro")


@register(NewsItem)
class NewsItemTR(TranslationOptions):
    fields = ("title", "body")
