"""Stable HSDS ids and the Wegweiser taxonomies that carry what HSDS has no field for.

Our own records keep their UUID in ``hsds_id``. Objects HSDS needs but we store inside a
record (address, phone, schedule, attribute …) get a name-based UUID derived from the
owner's id, so every export of the same data has the same ids.
"""

import uuid
from dataclasses import dataclass

from directory.models import District, ResidenceStatus, TargetGroup, Topic

NAMESPACE = uuid.UUID("6f1c2a4e-51a7-4b0e-9d3a-2f0c8e7b9a10")


def derived_id(owner, *parts) -> str:
    """Name-based UUID for an object that belongs to ``owner`` (a UUID or string)."""
    name = ":".join(str(part) for part in parts)
    return str(uuid.uuid5(uuid.UUID(str(owner)), name))


def fixed_id(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))


@dataclass(frozen=True)
class Taxonomy:
    key: str
    name: str
    description: str
    model: type | None = None

    @property
    def id(self) -> str:
        return fixed_id(f"taxonomy:{self.key}")


TAXONOMIES = {
    "topics": Taxonomy("topics", "Wegweiser topics", "Fields of action", Topic),
    "target-groups": Taxonomy(
        "target-groups", "Wegweiser target groups", "Who an offer is for", TargetGroup
    ),
    "residence-statuses": Taxonomy(
        "residence-statuses",
        "Wegweiser residence statuses",
        "Residence statuses an offer is open to",
        ResidenceStatus,
    ),
    "districts": Taxonomy(
        "districts", "Wegweiser districts", "Municipalities and quarters", District
    ),
    "properties": Taxonomy(
        "properties",
        "Wegweiser properties",
        "Properties of offers and contact points that HSDS has no field for",
    ),
}
TAXONOMY_BY_MODEL = {t.model: t for t in TAXONOMIES.values() if t.model}
TERM_MODELS = (Topic, TargetGroup, ResidenceStatus, District)
Term = Topic | TargetGroup | ResidenceStatus | District


def term_by_hsds_id(term_id) -> Term | None:
    """The term of any of our taxonomies with this HSDS id, or None."""
    for model in TERM_MODELS:
        term = model.objects.filter(hsds_id=term_id).first()
        if term is not None:
            return term
    return None


TAXONOMY_BY_ID = {t.id: t for t in TAXONOMIES.values()}


@dataclass(frozen=True)
class Property:
    """A term of the "properties" taxonomy; attributes carry its value."""

    code: str
    name: str

    @property
    def id(self) -> str:
        return fixed_id(f"property:{self.code}")


PROPERTIES = {
    p.code: p
    for p in (
        Property("summary", "Short summary"),
        Property("format", "Format (in_person, online, hybrid)"),
        Property("responsibility", 'Rule of the "Who is responsible?" finder'),
        Property("agency-type", "Type of agency"),
        Property("wheelchair", "Wheelchair access (yes, partial, no, unknown)"),
        Property("lift", "Lift"),
        Property("hearing-loop", "Hearing loop"),
        Property("temporarily-closed", "Temporarily closed (value: note)"),
        Property("appointment-url", "Appointment booking link"),
        Property("closed-day", "Closed all day"),
    )
}
PROPERTY_BY_ID = {p.id: p for p in PROPERTIES.values()}

# HSDS service status ↔ our offer status.
STATUS_TO_HSDS = {
    "active": "active",
    "temporarily_closed": "temporarily closed",
    "ended": "defunct",
}
STATUS_FROM_HSDS = {
    "active": "active",
    "temporarily closed": "temporarily_closed",
    "inactive": "temporarily_closed",
    "defunct": "ended",
}
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
