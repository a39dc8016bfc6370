"""Each agency's images and documents in a collection of its own: its editors' group
gets its media rights there instead of on the root collection (everyone's uploads),
and what its members uploaded to the root moves there. Mirrors
``services.agency_editors_group_ensure`` for agencies that exist already.
"""

from django.db import migrations

EDITORS_GROUP_PREFIX = "Redaktion "
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEPLEN = 4  # treebeard's materialised path: four base-36 digits per level


def _base36(number: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = ALPHABET[rest] + digits
    return digits.rjust(STEPLEN, "0")


def _collection_add(Collection, root, name):
    last = (
        Collection.objects.filter(depth=root.depth + 1, path__startswith=root.path)
        .order_by("-path")
        .first()
    )
    number = int(last.path[-STEPLEN:], 36) + 1 if last else 1
    child = Collection.objects.create(
        name=name, path=root.path + _base36(number), depth=root.depth + 1, numchild=0
    )
    Collection.objects.filter(pk=root.pk).update(numchild=root.numchild + 1)
    root.numchild += 1
    return child


def forwards(apps, schema_editor):
    AgencyPage = apps.get_model("directory", "AgencyPage")
    Group = apps.get_model("auth", "Group")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model(
        "wagtailcore", "GroupCollectionPermission"
    )
    Image = apps.get_model("wagtailimages", "Image")
    Document = apps.get_model("wagtaildocs", "Document")
    root = Collection.objects.filter(depth=1).first()
    if root is None:
        return
    for agency in AgencyPage.objects.order_by("path"):
        group = Group.objects.filter(
            name=f"{EDITORS_GROUP_PREFIX}{agency.slug}"
        ).first()
        if group is None:
            continue
        rights = GroupCollectionPermission.objects.filter(group=group)
        collection = (
            Collection.objects.filter(
                pk__in=rights.exclude(collection=root).values("collection")
            )
            .order_by("path")
            .first()
        ) or _collection_add(Collection, root, agency.title)
        for right in rights.filter(collection=root):
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=collection, permission=right.permission
            )
        rights.exclude(collection=collection).delete()
        for model in (Image, Document):
            model.objects.filter(
                collection=root, uploaded_by_user__groups=group
            ).update(collection=collection)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0003_import_hsds_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
    ]

    # Not reversed: rights and files stay where they are.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
