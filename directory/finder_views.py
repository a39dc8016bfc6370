"""The "Who is responsible?" finder: a step-by-step GET form, its JSON API and the
coordinators' report of conflicting rules.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy, override
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from wagtail.admin.views.generic import (
    PermissionCheckedMixin,
    WagtailAdminTemplateMixin,
)
from wagtail.permission_policies import ModelPermissionPolicy

from api.errors import BadParameter
from api.openapi import ACCEPT_LANGUAGE, answer, error_responses, form_parameters
from api.views import PublicApiView

from .finder import (
    Answer,
    FinderResult,
    Question,
    counselling_topic_slug,
    districts_for_postcode,
    responsibilities_for,
    responsibility_conflicts,
)
from .forms import POSTCODE_ECHO_LENGTH, FinderApiForm, FinderForm
from .models import District, ResidenceStatus, Responsibility, TargetGroup, Topic

STEPS = ("topic", "situation", "place")
# The query parameters each step answers.
STEP_FIELDS = {
    "topic": ("topic",),
    "situation": ("status", "group"),
    "place": ("district", "postcode"),
}


def _fallback_used(rule: Responsibility, language: str) -> bool:
    return any(
        rule.is_fallback(name, language)
        for name in ("title", "explanation", "what_to_bring")
    )


class _Flow:
    """Works out, from the query string, which step to show and what went wrong."""

    def __init__(self, data):
        self.data = data
        self.form = FinderForm(data)
        self.form.is_valid()
        self.cleaned = {
            name: value
            for name, value in self.form.cleaned_data.items()
            if name not in self.form.errors
        }
        self.errors: list[str] = []
        self.place_choices: list[District] | None = None
        self.district: District | None = self.cleaned.get("district")

    def _given(self, name: str) -> bool:
        return name in self.data

    def _field_errors(self, step: str) -> list[str]:
        return [
            str(message)
            for name in STEP_FIELDS[step]
            for message in self.form.errors.get(name, [])
        ]

    def step(self) -> str | None:
        """The step to show, or ``None`` for the answer."""
        submitted = self.data.get("step")
        change = self.data.get("change")

        if not self.cleaned.get("topic") or change == "topic":
            self.errors = self._field_errors("topic")
            missing = not self.cleaned.get("topic")
            if not self.errors and submitted == "topic" and missing:
                self.errors = [_("Please choose a topic.")]
            return "topic"

        if (
            not self._given("status")
            or self._field_errors("situation")
            or change == "situation"
        ):
            self.errors = self._field_errors("situation")
            if not self.errors and submitted == "situation" and change != "situation":
                self.errors = [_("Please choose the answer that fits you best.")]
            return "situation"

        if change == "place" or self._field_errors("place"):
            self.errors = self._field_errors("place")
            return "place"
        if self.district is not None:
            return None
        postcode = self.cleaned.get("postcode")
        if not postcode:
            if submitted == "place":
                self.errors = [_("Please choose your town or enter your postcode.")]
            return "place"
        districts = districts_for_postcode(postcode=postcode)
        if len(districts) == 1:
            self.district = districts[0]
            return None
        if not districts:
            self.errors = [
                _(
                    "We do not know the postcode %(postcode)s in this region. "
                    "Please choose your town or quarter from the list."
                )
                % {"postcode": postcode}
            ]
        else:
            self.place_choices = districts
            self.errors = [
                _(
                    "Several places share the postcode %(postcode)s. "
                    "Please choose yours."
                )
                % {"postcode": postcode}
            ]
        return "place"

    def query(self, **extra: str) -> str:
        """The valid answers as a query string, plus ``extra``."""
        pairs = [
            (name, self.data[name])
            for step in STEPS
            for name in STEP_FIELDS[step]
            if name in self.data and name not in self.form.errors
        ]
        return urlencode([*pairs, *extra.items()])

    def hidden_fields(self, step: str) -> list[tuple[str, str]]:
        """The other answers a step's form carries along.

        A new topic asks about the situation again (its groups depend on the topic).
        """
        carried = [
            other
            for other in STEPS
            if other != step and not (step == "topic" and other == "situation")
        ]
        return [
            (name, self.data[name])
            for other in carried
            for name in STEP_FIELDS[other]
            if name in self.data and name not in self.form.errors
        ]


def _step_context(flow: _Flow, step: str) -> dict:
    topic = flow.cleaned.get("topic")
    number = STEPS.index(step) + 1
    context = {
        "step": step,
        "step_number": number,
        "step_count": len(STEPS),
        "errors": flow.errors,
        "hidden_fields": flow.hidden_fields(step),
        "back_query": flow.query(change=STEPS[number - 2]) if number > 1 else None,
    }
    if step == "topic":
        context["choices"] = list(Topic.objects.all())
        context["selected"] = topic.slug if topic else ""
    elif step == "situation":
        status = flow.cleaned.get("status")
        group = flow.cleaned.get("group")
        context["statuses"] = list(ResidenceStatus.objects.all())
        context["selected_status"] = (
            status.slug if status else ("" if "status" in flow.data else None)
        )
        # Only ask about groups some rule of this topic tells apart.
        context["groups"] = list(
            TargetGroup.objects.filter(responsibilities__topic=topic).distinct()
        )
        context["selected_group"] = group.slug if group else ""
    else:
        context["districts"] = flow.place_choices or list(District.objects.all())
        context["selected_district"] = flow.district.slug if flow.district else ""
        context["postcode"] = flow.data.get("postcode", "")[:POSTCODE_ECHO_LENGTH]
    return context


def finder_page(request):
    """One question per screen, no JavaScript needed: topic, situation, place, answer.

    Every answer so far travels in the query string; bad values come back as a
    message on the step they belong to.
    """
    flow = _Flow(request.GET)
    step = flow.step()
    language = get_language() or settings.LANGUAGE_CODE
    if step is not None:
        return render(request, "directory/finder_step.html", _step_context(flow, step))

    question = Question(
        topic=flow.cleaned["topic"],
        residence_status=flow.cleaned.get("status"),
        target_group=flow.cleaned.get("group"),
        district=flow.district,
    )
    result = responsibilities_for(question=question)
    shown = result.answers or result.counselling
    return render(
        request,
        "directory/finder_answer.html",
        {
            "question": question,
            "result": result,
            "has_fallback_text": any(
                _fallback_used(answer.rule, language) for answer in shown
            ),
            "change_links": [(step, flow.query(change=step)) for step in STEPS],
            "back_query": flow.query(change="place"),
        },
    )


# --- JSON API ---------------------------------------------------------------------


def _absolute(request, page) -> str | None:
    url = page.get_url(request)
    return request.build_absolute_uri(url) if url else None


def _answer_json(request, answer: Answer) -> dict:
    rule = answer.rule
    agency = rule.agency
    data: dict = {
        "id": str(rule.hsds_id),
        "title": rule.title,
        "explanation": rule.explanation,
        "what_to_bring": rule.what_to_bring,
        "criteria": {
            "topic": rule.topic.slug,
            "status": rule.residence_status.slug if rule.residence_status else None,
            "group": rule.target_group.slug if rule.target_group else None,
            "district": rule.district.slug if rule.district else None,
        },
        "agency": {
            "id": str(agency.hsds_id),
            "name": agency.title,
            "url": _absolute(request, agency),
            "phone": agency.phone,
            "email": agency.email,
            "website": agency.website,
        },
        "contact_point": None,
    }
    point = answer.contact_point
    if point is not None:
        state = answer.state
        data["contact_point"] = {
            "id": str(point.hsds_id),
            "name": point.title,
            "url": _absolute(request, point),
            "address": {
                "street": point.street,
                "postcode": point.postcode,
                "city": point.city,
                "district": point.district.slug if point.district else None,
            },
            "phone": point.phone,
            "email": point.email,
            "appointment_url": point.appointment_url or None,
            "languages": [language.code for language in answer.languages],
            "temporarily_closed": point.temporarily_closed,
            "open_now": bool(state and state.is_open),
            "opening_hours": [
                {
                    "weekday": slot.weekday,
                    "opens": slot.opens.strftime("%H:%M"),
                    "closes": slot.closes.strftime("%H:%M"),
                    "appointment_only": slot.appointment_only,
                }
                for _day, slots in answer.slots_by_day
                for slot in slots
            ],
            "wheelchair": point.wheelchair,
        }
    return data


def _result_json(request, result: FinderResult, *, language: str) -> dict:
    question = result.question
    return {
        "language": language,
        "question": {
            "topic": question.topic.slug,
            "status": question.residence_status.slug
            if question.residence_status
            else None,
            "group": question.target_group.slug if question.target_group else None,
            "district": question.district.slug if question.district else None,
        },
        "matched": result.matched,
        "tied": result.tied,
        "answers": [_answer_json(request, answer) for answer in result.answers],
        "general_counselling": [
            _answer_json(request, answer) for answer in result.counselling
        ],
    }


FINDER_PARAMETERS = {
    "topic": "Topic slug (required).",
    "status": "Residence status slug; missing: only rules for any status.",
    "group": "Target group slug; missing: only rules for any group.",
    "district": "District slug; wins over `postcode`.",
    "postcode": "German postcode (five digits) when no `district` is given; one "
    "shared by several districts is a `400` naming them.",
    "lang": "Answer language. Missing: from `Accept-Language`, else German (`de`); "
    "another value is a `400`.",
}
_SLUG = {"type": "string", "pattern": "^[-a-zA-Z0-9_]{1,80}$"}


class FinderApiView(PublicApiView):
    """``GET /api/finder/?topic=&status=&group=&district=&postcode=&lang=``.

    ``topic`` is required; a missing status, group or place only matches rules that
    say "any" for it. Unknown values answer 400 naming the parameter.
    """

    @extend_schema(
        operation_id="findResponsible",
        tags=["finder"],
        summary="Who is responsible? The most specific rules for a question",
        description="Answers the questions of the finder page "
        "(/<lang>/who-is-responsible/): topic, situation and place. The most "
        "specific matching rules win; when rules of different agencies are equally "
        "specific all of them are returned (`tied`). When nothing matches, `matched` "
        "is false and `general_counselling` lists the general counselling contacts.",
        parameters=[
            *form_parameters(
                FinderApiForm,
                descriptions=FINDER_PARAMETERS,
                schemas={
                    name: _SLUG for name in ("topic", "status", "group", "district")
                }
                | {"postcode": {"type": "string", "pattern": "^[0-9]{5}$"}},
                required=("topic",),
            ),
            ACCEPT_LANGUAGE,
        ],
        responses={
            200: answer("FinderResult", "The rules that answer the question."),
            **error_responses(400),
        },
    )
    def get(self, request):
        language = self.language()
        with override(language):
            data = request.GET.dict()
            data.pop("lang", None)
            form = FinderApiForm(data)
            if not form.is_valid():
                raise ValidationError(
                    {
                        name: [str(message) for message in messages]
                        for name, messages in form.errors.items()
                    }
                )
            cleaned = form.cleaned_data
            if cleaned.get("topic") is None:
                raise BadParameter("topic", _("Please choose a topic."))
            district = cleaned.get("district")
            postcode = cleaned.get("postcode")
            if district is None and postcode:
                district = _district_for_postcode(postcode)
            result = responsibilities_for(
                question=Question(
                    topic=cleaned["topic"],
                    residence_status=cleaned.get("status"),
                    target_group=cleaned.get("group"),
                    district=district,
                )
            )
            return Response(_result_json(request, result, language=language))


def _district_for_postcode(postcode: str) -> District:
    """The one district with ``postcode``; raises ``BadParameter`` otherwise."""
    districts = districts_for_postcode(postcode=postcode)
    if len(districts) == 1:
        return districts[0]
    message = (
        _("We do not know the postcode %(postcode)s in this region.")
        if not districts
        else _(
            "Several places share the postcode %(postcode)s: "
            "give one of them as district (%(districts)s)."
        )
    )
    raise BadParameter(
        "postcode",
        message
        % {"postcode": postcode, "districts": ", ".join(d.slug for d in districts)},
    )


# --- Admin report -------------------------------------------------------------------


class ResponsibilityConflictsView(
    PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView
):
    """Cases where rules of different agencies would tie in the finder."""

    permission_policy = ModelPermissionPolicy(Responsibility)
    permission_required = "change"
    template_name = "directory/finder_conflicts.html"
    page_title = gettext_lazy("Conflicting responsibilities")
    header_icon = "warning"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": "", "label": gettext_lazy("Reports")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["conflicts"] = responsibility_conflicts()
        context["rule_count"] = Responsibility.objects.count()
        context["finder_url"] = reverse("finder")
        context["counselling_slug"] = counselling_topic_slug()
        return context
