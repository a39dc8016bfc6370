"""Directory models, split by kind."""

from .coordination import DuplicateCandidate, DuplicateDismissal, DuplicateScan
from .pages import (
    AgencyPage,
    ContactPerson,
    ContactPointPage,
    HomePage,
    OfferPage,
    OpeningException,
    OpeningSlot,
    Weekday,
)
from .responsibility import Responsibility
from .site import AccessibilityFeedback, AccessibilityStatementPage, InformationPage
from .taxonomy import District, Language, ResidenceStatus, TargetGroup, Topic

__all__ = [
    "AccessibilityFeedback",
    "AccessibilityStatementPage",
    "AgencyPage",
    "ContactPerson",
    "ContactPointPage",
    "District",
    "DuplicateCandidate",
    "DuplicateDismissal",
    "DuplicateScan",
    "HomePage",
    "InformationPage",
    "Language",
    "OfferPage",
    "OpeningException",
    "OpeningSlot",
    "ResidenceStatus",
    "Responsibility",
    "TargetGroup",
    "Topic",
    "Weekday",
]
