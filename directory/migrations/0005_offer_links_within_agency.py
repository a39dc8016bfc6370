"""Links between an offer and another agency's contact point, made before the rule
existed (issue 9), are removed: such an offer showed on the other agency's public
page and in its HSDS locations."""

from django.db import migrations
from django.db.models import F


def links_across_agencies_drop(apps, schema_editor):
    OfferPage = apps.get_model("directory", "OfferPage")
    links = OfferPage.contact_points.through.objects
    links.exclude(offerpage__agency=F("contactpointpage__agency")).delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0004_agency_media_collections")]

    operations = [
        migrations.RunPython(links_across_agencies_drop, migrations.RunPython.noop)
    ]
