"""Newsletter URLs: `public` behind the language prefix, `plain` without one."""

from django.urls import path

from . import views

public = [
    path("newsletter/", views.signup, name="newsletter-signup"),
    path("newsletter/thanks/", views.thanks, name="newsletter-thanks"),
    path("newsletter/confirm/<str:token>/", views.confirm, name="newsletter-confirm"),
    path(
        "newsletter/preferences/<str:token>/",
        views.preferences,
        name="newsletter-preferences",
    ),
    path("newsletter/archive/", views.archive, name="newsletter-archive"),
    path(
        "newsletter/archive/<int:pk>/",
        views.archive_issue,
        name="newsletter-archive-issue",
    ),
]

# RFC 8058: mail providers POST to the List-Unsubscribe URL and follow no redirect,
# so it must not depend on a language prefix.
plain = [
    path(
        "newsletter/unsubscribe/<str:token>/",
        views.unsubscribe,
        name="newsletter-unsubscribe",
    ),
    path("api/newsletter/bounces", views.bounces_api, name="newsletter-bounces"),
]
