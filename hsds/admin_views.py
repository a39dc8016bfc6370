"""Admin: coordinators import an HSDS file, see a dry-run preview, then confirm.

What the import creates or changes goes to the approval workflow unless the
coordinator ticks "publish directly" (and may publish). The uploaded file is
deleted once imported, refused or crashed; unconfirmed previews by
``manage.py hsds_cleanup``.
"""

import shutil
import uuid
import zipfile

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from directory.models import AgencyPage, HomePage

from .importer import Importer
from .reading import HsdsFileError, bundle_from_bytes, bundle_read
from .uploads import (
    UPLOADS,  # noqa: F401  (where the tests look for uploads)
    UploadError,
    UploadTooLarge,
    package_unzip,
    upload_delete,
    upload_path,
    upload_store,
)

PERMISSION = "directory.import_hsds"


def can_import(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm(PERMISSION))


def can_publish_directly(user) -> bool:
    """Publishing past the workflow needs the right to publish the whole tree."""
    home = HomePage.objects.first()
    return user.is_superuser or (
        home is not None and home.permissions_for_user(user).can_publish()
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("HSDS file"),
        required=False,
        help_text=_(
            "JSON (list of services, paged list or one object) or a ZIP file with a "
            "tabular data package (datapackage.json and CSV files)."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of the texts"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
    )
    agency: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Put everything under this agency"),
        queryset=AgencyPage.objects.order_by("title"),
        required=False,
        empty_label=_("— the organizations in the file —"),
    )
    publish = forms.BooleanField(
        label=_("Publish directly"),
        required=False,
        help_text=_(
            "Without this, new and changed pages wait as drafts for approval in "
            "the workflow."
        ),
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    file_name = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_token(self):
        token = self.cleaned_data.get("token") or ""
        if token:
            try:
                uuid.UUID(token)
            except ValueError:
                raise forms.ValidationError(_("Unknown upload.")) from None
        return token

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None and not cleaned.get("token"):
            self.add_error("file", _("Choose a file to import."))
        if upload is not None and upload.size > settings.HSDS_ADMIN_IMPORT_MAX_BYTES:
            self.add_error("file", too_large_message(upload.size))
        if cleaned.get("publish") and not can_publish_directly(self.user):
            self.add_error(
                "publish", _("You may not publish; the import goes to the workflow.")
            )
        return cleaned


def too_large_message(size: int) -> str:
    # The admin imports while the browser waits; big files belong to the command.
    return _(
        "The file is %(size)s MB; files up to %(limit)s MB can be imported here. "
        "Larger files are imported with the command python manage.py import_hsds."
    ) % {
        "size": f"{size / 1024 / 1024:.1f}",
        "limit": f"{settings.HSDS_ADMIN_IMPORT_MAX_BYTES / 1024 / 1024:.0f}",
    }


def _bundle(token: str, file_name: str):
    """Read a stored upload; raises HsdsFileError."""
    path = upload_path(token)
    if not path.exists():
        raise HsdsFileError(str(_("The uploaded file has expired; upload it again.")))
    if zipfile.is_zipfile(path):
        try:
            folder = package_unzip(path, max_bytes=settings.HSDS_ADMIN_IMPORT_MAX_BYTES)
        except UploadTooLarge as error:
            raise HsdsFileError(too_large_message(error.size)) from None
        except UploadError as error:
            raise HsdsFileError(f"{file_name}: {error}") from None
        try:
            return bundle_read(folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return bundle_from_bytes(path.read_bytes(), name=file_name or "upload")


class HsdsImportView(WagtailAdminTemplateMixin, TemplateView):
    """Upload → dry-run preview (nothing saved) → confirm → import and report."""

    template_name = "directory/admin/hsds_import.html"
    page_title = _("Import HSDS data")
    header_icon = "download"

    def dispatch(self, request, *args, **kwargs):
        if not can_import(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get(self, request, *args, **kwargs):
        return self.render_to_response(
            self.get_context_data(form=ImportForm(user=request.user))
        )

    def post(self, request, *args, **kwargs):
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        data = form.cleaned_data
        token, file_name = data["token"], data["file_name"]
        if data["file"] is not None:
            token, file_name = upload_store(data["file"]), data["file"].name
        confirm = request.POST.get("action") == "import" and data["file"] is None
        try:
            bundle = _bundle(token, file_name)
            importer = Importer(
                language=data["language"],
                agency=data["agency"],
                publish=data["publish"],
                user=request.user,
            )
            report = importer.run(bundle, dry_run=not confirm)
        except HsdsFileError as error:
            upload_delete(token)
            form.add_error("file", str(error))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        except BaseException:
            upload_delete(token)  # a crash leaves no file behind; the error is raised
            raise
        if confirm:
            upload_delete(token)
        confirm_form = ImportForm(
            initial={
                "token": token,
                "file_name": file_name,
                "language": data["language"],
                "agency": data["agency"],
                "publish": data["publish"],
            },
            user=request.user,
        )
        for name in ("language", "agency", "publish"):
            confirm_form.fields[name].widget = forms.HiddenInput()
        context = self.get_context_data(
            form=ImportForm(user=request.user),
            report=report,
            counts=report.counts(),
            confirm_form=confirm_form,
            file_name=file_name,
            imported=confirm,
            language_name=dict(settings.LANGUAGES)[data["language"]],
            agency=data["agency"],
            publish=data["publish"],
        )
        return self.render_to_response(context)
