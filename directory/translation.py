"""Translated fields (django-modeltranslation / wagtail-modeltranslation)."""

from modeltranslation.decorators import register
from modeltranslation.translator import TranslationOptions

from .models import (
    AccessibilityStatementPage,
    AgencyPage,
    ContactPerson,
    ContactPointPage,
    District,
    HomePage,
    InformationPage,
    OfferPage,
    OpeningException,
    ResidenceStatus,
    Responsibility,
    TargetGroup,
    Topic,
)


@register(HomePage)
class HomePageTR(TranslationOptions):
    fields = ("intro",)


@register(AgencyPage)
class AgencyPageTR(TranslationOptions):
    fields = ("description",)


@register(ContactPointPage)
class ContactPointPageTR(TranslationOptions):
    fields = ("transport_hint", "accessibility_note", "closed_note")


@register(OfferPage)
class OfferPageTR(TranslationOptions):
    fields = (
        "summary",
        "description",
        "fee_description",
        "how_to_apply",
        "required_documents",
    )


@register(OpeningException)
class OpeningExceptionTR(TranslationOptions):
    fields = ("note",)


@register(ContactPerson)
class ContactPersonTR(TranslationOptions):
    fields = ("role",)


@register(Topic)
class TopicTR(TranslationOptions):
    fields = ("name", "description")


@register(TargetGroup)
class TargetGroupTR(TranslationOptions):
    fields = ("name",)


@register(ResidenceStatus)
class ResidenceStatusTR(TranslationOptions):
    fields = ("name", "description")


@register(District)
class DistrictTR(TranslationOptions):
    fields = ("name",)


@register(Responsibility)
class ResponsibilityTR(TranslationOptions):
    fields = ("title", "explanation", "what_to_bring")


@register(InformationPage)
class InformationPageTR(TranslationOptions):
    fields = ("intro", "body")


@register(AccessibilityStatementPage)
class AccessibilityStatementPageTR(TranslationOptions):
    fields = (
        "scope",
        "known_barriers",
        "method",
        "feedback_contact",
        "enforcement_text",
    )
