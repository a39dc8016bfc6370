"""Public addresses per language beside the pages: feeds and calendar files."""

from django.urls import URLPattern, path

from . import calendar_views, feeds

urlpatterns: list[URLPattern] = [
    path("feeds/offers.atom", feeds.NewOffersFeed(), name="feed-offers"),
    path("feeds/topics/<slug:slug>.atom", feeds.TopicOffersFeed(), name="feed-topic"),
    path(
        "calendar/offers/<int:pk>.ics",
        calendar_views.offer_calendar,
        name="calendar-offer",
    ),
    path(
        "calendar/places/<int:pk>.ics",
        calendar_views.contact_point_calendar,
        name="calendar-contact-point",
    ),
    path(
        "calendar/agencies/<int:pk>.ics",
        calendar_views.agency_calendar,
        name="calendar-agency",
    ),
]
