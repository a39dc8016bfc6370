"""The HSDS import gets its own permission, granted to the coordinators' group."""

from django.db import migrations

CODENAME = "import_hsds"
NAME = "Can import HSDS data"
COORDINATORS_GROUP = "Koordination"


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    # Kept on the topics' content type: taxonomies and imports are the
    # coordinators' work, and a permission needs some model of the app.
    content_type, _created = ContentType.objects.get_or_create(
        app_label="directory", model="topic"
    )
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type, codename=CODENAME, defaults={"name": NAME}
    )
    for group in Group.objects.filter(name=COORDINATORS_GROUP):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="directory", codename=CODENAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0002_responsibility_updated_at"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
