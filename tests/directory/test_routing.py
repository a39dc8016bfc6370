"""Routing of the home page's listings under a threaded server."""

from django.apps import apps
from wagtail.contrib.routable_page.models import RoutablePageMixin


def test_routable_pages_have_their_resolver_before_the_first_request():
    """Wagtail builds it on first use and stores it on the class while a second
    thread's first request reads the class (a 500 under load on a fresh gunicorn)."""
    routable = [
        model
        for model in apps.get_app_config("directory").get_models()
        if issubclass(model, RoutablePageMixin)
    ]
    assert routable
    for model in routable:
        assert "_routablepage_urlresolver" in model.__dict__, model
