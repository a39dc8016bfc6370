"""The "Who is responsible?" finder: which rules answer a question, where they clash.

A rule (``Responsibility``) applies when each of its criteria is empty ("any") or equal
to the answer given. Among the rules that apply, a rule wins over another when it names
everything the other names and more (a rule for Duldung in Bergheim beats a rule for
Duldung anywhere). Rules that no other applying rule beats are the answer; when they
name different agencies, that is a tie the finder shows as such, never a guess.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from django.conf import settings
from django.db.models import Q, QuerySet

from .hours import OpeningState, opening_state
from .models import (
    AgencyPage,
    ContactPointPage,
    District,
    Language,
    OpeningSlot,
    ResidenceStatus,
    Responsibility,
    TargetGroup,
    Topic,
)
from .selectors import contact_points_with_hours, slots_by_day, visible_contact_points

# The criteria of a rule besides its topic, from most to least telling.
CRITERIA = ("district", "residence_status", "target_group")
# Rules of this topic that apply to everyone are the general counselling contacts
# offered when no rule answers a question.
DEFAULT_COUNSELLING_TOPIC = "beratung"


def counselling_topic_slug() -> str:
    return getattr(settings, "DIRECTORY_COUNSELLING_TOPIC", DEFAULT_COUNSELLING_TOPIC)


@dataclass(frozen=True)
class Question:
    """What a person told the finder; ``None`` means "not given / don't know"."""

    topic: Topic
    residence_status: ResidenceStatus | None = None
    target_group: TargetGroup | None = None
    district: District | None = None


@dataclass(frozen=True)
class Answer:
    """A rule with its visible contact point and the point's hours, ready to show."""

    rule: Responsibility
    contact_point: ContactPointPage | None = None
    state: OpeningState | None = None
    slots_by_day: list[tuple[str, list[OpeningSlot]]] = field(default_factory=list)
    languages: list[Language] = field(default_factory=list)

    @property
    def agency(self) -> AgencyPage:
        return self.rule.agency


@dataclass(frozen=True)
class FinderResult:
    question: Question
    answers: list[Answer]
    counselling: list[Answer] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return bool(self.answers)

    @property
    def tied(self) -> bool:
        """True when the best rules name more than one agency."""
        return len({answer.rule.agency_id for answer in self.answers}) > 1


@dataclass(frozen=True)
class Conflict:
    """Rules that would tie for one question, with different agencies.

    ``same_criteria``: the rules name exactly the same case (a duplicate to remove).
    Otherwise they overlap (e.g. "Duldung, anywhere" and "anyone, in Bergheim"): add a
    rule for exactly ``case`` to settle it.
    """

    topic: Topic
    case: dict[str, object]
    rules: list[Responsibility]
    same_criteria: bool


def _value_id(rule: Responsibility, name: str) -> int | None:
    return getattr(rule, f"{name}_id")


def rule_criteria(rule: Responsibility) -> frozenset[str]:
    """Names of the criteria the rule restricts (the others mean "any")."""
    return frozenset(name for name in CRITERIA if _value_id(rule, name) is not None)


def _specificity(rule: Responsibility) -> tuple[int, ...]:
    named = [_value_id(rule, name) is not None for name in CRITERIA]
    return (sum(named), *named)


def rules_most_specific(rules: Sequence[Responsibility]) -> list[Responsibility]:
    """The rules no other rule in ``rules`` beats (all must apply to one case)."""
    criteria = {rule.pk: rule_criteria(rule) for rule in rules}
    return [
        rule
        for rule in rules
        if not any(criteria[other.pk] > criteria[rule.pk] for other in rules)
    ]


def _applying(question: Question) -> QuerySet[Responsibility]:
    """Rules of the question's topic whose criteria are "any" or the given answer."""
    rules = Responsibility.objects.visible().filter(topic=question.topic)
    for name in CRITERIA:
        value = getattr(question, name)
        condition = Q(**{f"{name}__isnull": True})
        if value is not None:
            condition |= Q(**{name: value})
        rules = rules.filter(condition)
    return rules.select_related(
        "topic", "residence_status", "target_group", "district", "agency"
    ).order_by("title", "pk")


def _answers(rules: Iterable[Responsibility]) -> list[Answer]:
    """Attach each rule's contact point (if public) with its hours and languages."""
    rules = list(rules)
    point_ids = {rule.contact_point_id for rule in rules if rule.contact_point_id}
    points = {
        point.pk: point
        for point in contact_points_with_hours(
            visible_contact_points().filter(pk__in=point_ids)
        )
    }
    answers = []
    for rule in rules:
        point = points.get(rule.contact_point_id)
        if point is None:
            answers.append(Answer(rule=rule))
            continue
        slots = list(point.opening_slots.all())
        answers.append(
            Answer(
                rule=rule,
                contact_point=point,
                state=opening_state(
                    point, slots=slots, exceptions=list(point.opening_exceptions.all())
                ),
                slots_by_day=slots_by_day(slots),
                languages=list(point.languages.all()),
            )
        )
    return answers


def counselling_contacts_for(*, question: Question) -> list[Answer]:
    """Rules of the counselling topic that apply to the person, local ones first.

    Empty when the counselling topic does not exist or has no rules.
    """
    topic = Topic.objects.filter(slug=counselling_topic_slug()).first()
    if topic is None:
        return []
    rules = list(
        _applying(
            Question(
                topic=topic,
                residence_status=question.residence_status,
                target_group=question.target_group,
                district=question.district,
            )
        )
    )
    rules.sort(key=_specificity, reverse=True)
    return _answers(rules)


def responsibilities_for(*, question: Question) -> FinderResult:
    """The most specific public rules for ``question`` (several on a tie).

    When none applies, ``counselling`` holds the general counselling contacts instead.
    Unknown answers (``None``) only match rules that say "any" for that criterion.
    """
    best = rules_most_specific(list(_applying(question)))
    if best:
        return FinderResult(question=question, answers=_answers(best))
    return FinderResult(
        question=question,
        answers=[],
        counselling=counselling_contacts_for(question=question),
    )


def districts_for_postcode(*, postcode: str) -> list[District]:
    """Districts whose comma-separated ``postcodes`` contain ``postcode`` exactly."""
    candidates = District.objects.filter(postcodes__contains=postcode)
    return [
        district
        for district in candidates
        if postcode in {code.strip() for code in district.postcodes.split(",")}
    ]


def _compatible(first: Responsibility, second: Responsibility) -> bool:
    """True when some person could match both rules."""
    return all(
        a is None or b is None or a == b
        for a, b in (
            (_value_id(first, name), _value_id(second, name)) for name in CRITERIA
        )
    )


def responsibility_conflicts() -> list[Conflict]:
    """Every case in which the finder would show rules of different agencies side by
    side, once per case; rules of unpublished agencies count too.
    """
    rules = list(
        Responsibility.objects.select_related(
            "topic", "residence_status", "target_group", "district", "agency"
        ).order_by("topic__sort_order", "topic_id", "pk")
    )
    by_topic: dict[int, list[Responsibility]] = {}
    for rule in rules:
        by_topic.setdefault(rule.topic_id, []).append(rule)

    conflicts = []
    for topic_rules in by_topic.values():
        seen: set[tuple] = set()
        for first, second in combinations(topic_rules, 2):
            if first.agency_id == second.agency_id or not _compatible(first, second):
                continue
            # The narrowest case both rules apply to.
            case = {
                name: getattr(first, name)
                if _value_id(first, name) is not None
                else getattr(second, name)
                for name in CRITERIA
            }
            key = tuple(None if value is None else value.pk for value in case.values())
            if key in seen:
                continue
            seen.add(key)
            applying = [
                rule
                for rule in topic_rules
                if all(
                    _value_id(rule, name) is None
                    or _value_id(rule, name) == (case[name].pk if case[name] else None)
                    for name in CRITERIA
                )
            ]
            best = rules_most_specific(applying)
            if len({rule.agency_id for rule in best}) < 2:
                continue
            conflicts.append(
                Conflict(
                    topic=first.topic,
                    case=case,
                    rules=best,
                    same_criteria=len({rule_criteria(rule) for rule in best}) == 1,
                )
            )
    return conflicts


def conflicts_involving(*, rule: Responsibility) -> list[Conflict]:
    return [
        conflict
        for conflict in responsibility_conflicts()
        if any(other.pk == rule.pk for other in conflict.rules)
    ]
