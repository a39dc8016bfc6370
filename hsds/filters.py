"""The query parameters of the HSDS read API: how each is checked and what it keeps.

Every parameter's message names it (clients show it as it is). The filter sets apply
to both kinds of service, offers and finder rules, and to the offer–place pairs of
``service_at_locations``: each filter knows what it means for each.
"""

import math
import re
import uuid
from datetime import UTC, datetime, time

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from api.errors import BadParameter
from api.text import clean_query
from directory.finder import districts_for_postcode
from directory.models import (
    ContactPointPage,
    District,
    OfferPage,
    ResidenceStatus,
    Responsibility,
    TargetGroup,
    Topic,
)

from .vocabulary import PROPERTY_BY_ID, TAXONOMY_BY_ID, Property, term_by_hsds_id

MAX_SEARCH_WORDS = 10
# Larger than the region; keeps the arithmetic finite.
MAX_PROXIMITY_M = 1_000_000
EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = 111_195
NOTHING = Q(pk__in=[])
EVERYTHING = Q()
POSTCODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z -]{0,11}")
DIGITS = re.compile(r"[0-9]{1,9}")
# "+01:00" arrives as " 01:00" when a client forgets to encode the plus sign.
UNENCODED_OFFSET = re.compile(r"(?<=\d) (\d{2}(?::?\d{2})?)$")
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
OfferPlace = OfferPage.contact_points.through


# --- one value each ----------------------------------------------------------------


def uuid_parse(name: str, value: str) -> str:
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise ValidationError(_("%(name)s must be a UUID.") % {"name": name}) from None


def flag_parse(name: str, value: str) -> bool:
    if value.strip().lower() in TRUE:
        return True
    if value.strip().lower() in FALSE:
        return False
    raise ValidationError(_("%(name)s must be true or false.") % {"name": name})


def whole_number_parse(name: str, value: str, maximum: int) -> int:
    number = int(value.strip()) if DIGITS.fullmatch(value.strip()) else 0
    if not 1 <= number <= maximum:
        raise ValidationError(
            _("%(name)s must be a whole number from 1 to %(maximum)d.")
            % {"name": name, "maximum": maximum}
        )
    return number


def datetime_parse(name: str, value: str) -> datetime:
    """ISO 8601 date or date-time; without a time zone it is UTC."""
    text = UNENCODED_OFFSET.sub(r"+\1", value.strip())
    try:
        parsed = parse_datetime(text)
        if parsed is None and (day := parse_date(text)) is not None:
            parsed = datetime.combine(day, time.min)
        if parsed is not None:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        pass
    raise ValidationError(
        _("%(name)s must be an ISO 8601 date or date-time, e.g. %(example)s.")
        % {"name": name, "example": "2025-01-31T12:00:00Z"}
    )


def proximity_parse(name: str, value: str) -> float:
    try:
        meters = float(value.strip())
    except ValueError:
        meters = math.nan
    if not 0 <= meters <= MAX_PROXIMITY_M:  # also false for nan
        raise ValidationError(
            _("%(name)s must be a distance in metres from 0 to %(maximum)d.")
            % {"name": name, "maximum": MAX_PROXIMITY_M}
        )
    return meters


def postcode_parse(name: str, value: str) -> str:
    if not POSTCODE.fullmatch(value.strip()):
        raise ValidationError(_("%(name)s is not a postcode.") % {"name": name})
    return value.strip()


def words_parse(name: str, value: str) -> tuple[str, ...]:
    return tuple(clean_query(value).split()[:MAX_SEARCH_WORDS])


class ParameterField(forms.Field):
    """A form field checked by ``parse(name, value)``; the filter set gives each
    field its parameter's name as label, so messages name the parameter.
    """

    parse = staticmethod(lambda name, value: value)

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value is None or not str(value).strip():
            return None
        return type(self).parse(str(self.label), str(value))


def _filter(parse):
    field = type("Field", (ParameterField,), {"parse": staticmethod(parse)})
    return type("Filter", (django_filters.Filter,), {"field_class": field})


UUIDFilter = _filter(uuid_parse)
FlagFilter = _filter(flag_parse)
DateTimeFilter = _filter(datetime_parse)
ProximityFilter = _filter(proximity_parse)
PostcodeFilter = _filter(postcode_parse)
WordsFilter = _filter(words_parse)


# --- what matches ---------------------------------------------------------------


def text_match(
    words, language: str, translated: tuple[str, ...], plain: tuple[str, ...] = ()
) -> Q:
    """Every word in one of the fields, in ``language`` or German."""
    match = Q()
    for word in words:
        any_field = Q()
        for code in {language, settings.LANGUAGE_CODE}:
            for field in translated:
                any_field |= Q(**{f"{field}_{code}__icontains": word})
        for field in plain:
            any_field |= Q(**{f"{field}__icontains": word})
        match &= any_field
    return match


def visible_points() -> QuerySet[ContactPointPage]:
    """Pks of the contact points the public may see (a subquery where used)."""
    return ContactPointPage.objects.visible().values("pk")


def _property_filters(prop: Property, language: str) -> tuple[Q, Q]:
    """Offers and rules whose service document carries the property somewhere."""
    points = visible_points()
    at_point = {
        "wheelchair": points,
        "lift": points.filter(has_lift=True),
        "hearing-loop": points.filter(has_hearing_loop=True),
        "temporarily-closed": points.filter(temporarily_closed=True),
        "appointment-url": points.exclude(appointment_url=""),
        "closed-day": points.filter(opening_exceptions__closed=True),
    }
    if prop.code in at_point:
        return (
            Q(contact_points__in=at_point[prop.code]),
            Q(contact_point__in=at_point[prop.code]),
        )
    if prop.code == "summary":
        has_summary = Q()
        for code in {language, settings.LANGUAGE_CODE}:
            has_summary |= ~Q(**{f"summary_{code}": ""}) & Q(
                **{f"summary_{code}__isnull": False}
            )
        return has_summary, NOTHING
    if prop.code == "format":
        return Q(), NOTHING
    if prop.code == "responsibility":
        return NOTHING, Q()
    return Q(), Q()  # agency-type: every organization has one


def _term_filters(term_id: str, language: str) -> tuple[Q, Q]:
    """Offers and rules whose service document refers to the term."""
    if term_id in PROPERTY_BY_ID:
        return _property_filters(PROPERTY_BY_ID[term_id], language)
    term = term_by_hsds_id(term_id)
    if term is None:
        return NOTHING, NOTHING
    if isinstance(term, Topic):
        return Q(topics=term), Q(topic=term)
    if isinstance(term, TargetGroup):
        return Q(target_groups=term), Q(target_group=term)
    if isinstance(term, ResidenceStatus):
        return Q(residence_statuses=term), Q(residence_status=term)
    in_district = visible_points().filter(district=term)
    return (
        Q(contact_points__in=in_district),
        Q(district=term) | Q(contact_point__in=in_district),
    )


def _taxonomy_filters(taxonomy_id: str) -> tuple[Q, Q]:
    """Offers and rules that use any term of the taxonomy."""
    taxonomy = TAXONOMY_BY_ID.get(taxonomy_id)
    if taxonomy is None:
        return NOTHING, NOTHING
    if taxonomy.model is Topic:
        return Q(topics__isnull=False), Q()
    if taxonomy.model is TargetGroup:
        return Q(target_groups__isnull=False), Q(target_group__isnull=False)
    if taxonomy.model is ResidenceStatus:
        return Q(residence_statuses__isnull=False), Q(residence_status__isnull=False)
    if taxonomy.model is District:
        with_district = visible_points().filter(district__isnull=False)
        return (
            Q(contact_points__in=with_district),
            Q(district__isnull=False) | Q(contact_point__in=with_district),
        )
    return Q(), Q()  # properties: format or responsibility, always


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = (
        math.sin(d_phi / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def postcode_centroid(postcode: str) -> tuple[float, float] | None:
    """Mean position of the districts that list the postcode, else of the public
    contact points that have it; None when neither has coordinates.
    """
    places = [
        (district.latitude, district.longitude)
        for district in districts_for_postcode(postcode=postcode)
        if district.latitude is not None and district.longitude is not None
    ] or list(
        ContactPointPage.objects.visible()
        .filter(postcode=postcode, latitude__isnull=False, longitude__isnull=False)
        .values_list("latitude", "longitude")
    )
    if not places:
        return None
    return (
        sum(lat for lat, _lon in places) / len(places),
        sum(lon for _lat, lon in places) / len(places),
    )


def _points_near(centre: tuple[float, float], metres: float) -> list[int]:
    """Visible contact points within ``metres`` of ``centre``; the database keeps
    only those inside the enclosing box, Python measures the rest.
    """
    lat, lon = centre
    d_lat = metres / METRES_PER_DEGREE
    d_lon = d_lat / max(math.cos(math.radians(lat)), 0.01)
    box = ContactPointPage.objects.visible().filter(
        latitude__range=(lat - d_lat, lat + d_lat),
        longitude__range=(lon - d_lon, lon + d_lon),
    )
    return [
        pk
        for pk, p_lat, p_lon in box.values_list("pk", "latitude", "longitude")
        if distance_m(lat, lon, p_lat, p_lon) <= metres
    ]


def place_filters(postcode: str | None, proximity: float | None) -> tuple[Q, Q]:
    """Offer–place pairs and rules that pass ``postcode`` / ``proximity``.

    With ``proximity`` a contact point counts when it lies within that many metres of
    the postcode's centroid. Without, a place counts when it has the postcode or lies
    in a district that lists it; a rule with a district (its service area) counts when
    the district lists the postcode, a rule for the whole region for any postcode of
    the region. Raises ``BadParameter`` for a postcode with no known position.
    """
    if postcode is None:
        return Q(), Q()
    if proximity is not None:
        centre = postcode_centroid(postcode)
        if centre is None:
            raise BadParameter(
                "postcode",
                _("postcode %(postcode)s has no known position to measure from.")
                % {"postcode": postcode},
            )
        near = _points_near(centre, proximity)
        return Q(contactpointpage__in=near), Q(contact_point__in=near)
    covering = [d.pk for d in districts_for_postcode(postcode=postcode)]
    at_place = visible_points().filter(Q(postcode=postcode) | Q(district__in=covering))
    rules = Q(district__in=covering) | Q(
        district__isnull=True, contact_point__in=at_place
    )
    if covering:
        rules |= Q(district__isnull=True)
    return Q(contactpointpage__in=at_place), rules


# --- filter sets -----------------------------------------------------------------


class HsdsFilterSet(django_filters.FilterSet):
    """Filters in the answer ``language``; each form field is labelled with its
    parameter, so the messages name it.
    """

    def __init__(self, data=None, queryset=None, *, language: str, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.language = language

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            for name, field in form.fields.items():
                field.label = name
        return self._form

    def _by_kind(self, queryset, offers: Q, rules: Q, pairs: Q = EVERYTHING):
        """``queryset`` (offers, rules or offer–place pairs) narrowed by the
        condition for its kind; one subquery per filter, so joins through
        many-to-many never repeat a row.
        """
        condition = {
            OfferPage: offers,
            Responsibility: rules,
            OfferPlace: pairs,
        }[queryset.model]
        if condition == NOTHING:
            return queryset.none()
        if condition == Q():
            return queryset
        if queryset.model is OfferPlace:
            return queryset.filter(condition)
        matching = queryset.model.objects.filter(condition).values("pk")
        return queryset.filter(pk__in=matching)


class ServiceFilter(HsdsFilterSet):
    """The filters of ``/services``: for offers, finder rules and their pairs with
    places (which these leave alone: the offers they pair are filtered).
    """

    search = WordsFilter(method="search_filter")
    taxonomy_term_id = UUIDFilter(method="term_filter")
    taxonomy_id = UUIDFilter(method="taxonomy_filter")
    organization_id = UUIDFilter(method="organization_filter")
    modified_after = DateTimeFilter(method="modified_after_filter")

    def search_filter(self, queryset, name, words):
        return self._by_kind(
            queryset,
            text_match(words, self.language, ("title", "summary", "description")),
            text_match(words, self.language, ("title", "explanation")),
        )

    def term_filter(self, queryset, name, term_id):
        return self._by_kind(queryset, *_term_filters(term_id, self.language))

    def taxonomy_filter(self, queryset, name, taxonomy_id):
        return self._by_kind(queryset, *_taxonomy_filters(taxonomy_id))

    def organization_filter(self, queryset, name, organization_id):
        by_agency = Q(agency__hsds_id=organization_id)
        return self._by_kind(queryset, by_agency, by_agency)

    def modified_after_filter(self, queryset, name, moment):
        return self._by_kind(
            queryset,
            Q(last_published_at__gte=moment),
            Q(updated_at__gte=moment),
        )


class PlaceForm(forms.Form):
    def clean(self):
        data = super().clean()
        if data.get("proximity") is not None and not data.get("postcode"):
            self.add_error(
                "proximity", _("proximity needs a postcode to measure from.")
            )
        return data


class ServiceAtLocationFilter(ServiceFilter):
    """The service filters, and where: ``postcode`` (with ``proximity``)."""

    postcode = PostcodeFilter(method="place_filter")
    proximity = ProximityFilter(method="proximity_filter")

    class Meta:
        form = PlaceForm

    def place_filter(self, queryset, name, postcode):
        pairs, rules = place_filters(postcode, self.form.cleaned_data.get("proximity"))
        return self._by_kind(queryset, Q(), rules, pairs)

    def proximity_filter(self, queryset, name, metres):
        return queryset  # measured by ``place_filter``, from the postcode


class OrganizationFilter(HsdsFilterSet):
    search = WordsFilter(method="search_filter")

    def search_filter(self, queryset, name, words):
        return queryset.filter(
            text_match(words, self.language, ("title", "description"))
        )


class TaxonomyFilter(HsdsFilterSet):
    """Taxonomies are fixed; ``search`` is matched against their documents."""

    search = WordsFilter(method="search_filter")

    def search_filter(self, queryset, name, words):
        return queryset


class TaxonomyTermFilter(HsdsFilterSet):
    """Filters for the terms of one taxonomy model at a time. Our terms are flat:
    all are top-level and none has a parent.
    """

    search = WordsFilter(method="search_filter")
    taxonomy_id = UUIDFilter(method="taxonomy_filter")
    top_only = FlagFilter(method="top_only_filter")
    parent_id = UUIDFilter(method="parent_filter")

    def search_filter(self, queryset, name, words):
        return queryset.filter(text_match(words, self.language, ("name",), ("slug",)))

    def taxonomy_filter(self, queryset, name, taxonomy_id):
        taxonomy = TAXONOMY_BY_ID.get(taxonomy_id)
        if taxonomy is None or taxonomy.model is not queryset.model:
            return queryset.none()
        return queryset

    def top_only_filter(self, queryset, name, top_only):
        return queryset

    def parent_filter(self, queryset, name, parent_id):
        return queryset.none()
