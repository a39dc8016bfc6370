"""Directory models, split by kind."""

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
from .taxonomy import District, Language, ResidenceStatus, TargetGroup, Topic

__all__ = [
    "AgencyPage",
    "ContactPerson",
    "ContactPointPage",
    "District",
    "HomePage",
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
