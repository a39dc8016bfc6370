"""Admin: coordinators import an HSDS file, see a dry-run preview, then confirm."""

import shutil
import tempfile
import uuid
import zipfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..models import AgencyPage
from .importer import Importer
from .reading import HsdsFileError, bundle_from_bytes, bundle_read

UPLOADS = Path(settings.VAR_DIR) / "hsds-imports"
PERMISSION = "directory.add_topic"  # coordinators run the taxonomies and imports


def can_import(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm(PERMISSION))


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
    agency = forms.ModelChoiceField(
        label=_("Put everything under this agency"),
        queryset=AgencyPage.objects.order_by("title"),
        required=False,
        empty_label=_("— the organizations in the file —"),
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    file_name = forms.CharField(widget=forms.HiddenInput, required=False)

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


def _store(upload) -> str:
    token = str(uuid.uuid4())
    UPLOADS.mkdir(parents=True, exist_ok=True)
    with (UPLOADS / token).open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return token


def _bundle(token: str, file_name: str):
    """Read a stored upload; raises HsdsFileError."""
    path = UPLOADS / token
    if not path.exists():
        raise HsdsFileError(str(_("The uploaded file has expired; upload it again.")))
    if zipfile.is_zipfile(path):
        folder = Path(tempfile.mkdtemp(prefix="hsds-"))
        try:
            with zipfile.ZipFile(path) as archive:
                unpacked = sum(member.file_size for member in archive.infolist())
                if unpacked > settings.HSDS_ADMIN_IMPORT_MAX_BYTES:
                    raise HsdsFileError(too_large_message(unpacked))
                for member in archive.infolist():
                    name = Path(member.filename).name
                    if member.is_dir() or not name:
                        continue
                    (folder / name).write_bytes(archive.read(member))
            return bundle_read(folder)
        except zipfile.BadZipFile as error:
            raise HsdsFileError(f"{file_name}: {error}") from None
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
        return self.render_to_response(self.get_context_data(form=ImportForm()))

    def post(self, request, *args, **kwargs):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        data = form.cleaned_data
        token, file_name = data["token"], data["file_name"]
        if data["file"] is not None:
            token, file_name = _store(data["file"]), data["file"].name
        confirm = request.POST.get("action") == "import" and data["file"] is None
        try:
            bundle = _bundle(token, file_name)
        except HsdsFileError as error:
            (UPLOADS / token).unlink(missing_ok=True)
            form.add_error("file", str(error))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        importer = Importer(language=data["language"], agency=data["agency"])
        report = importer.run(bundle, dry_run=not confirm)
        if confirm:
            (UPLOADS / token).unlink(missing_ok=True)
        confirm_form = ImportForm(
            initial={
                "token": token,
                "file_name": file_name,
                "language": data["language"],
                "agency": data["agency"],
            }
        )
        for name in ("language", "agency"):
            confirm_form.fields[name].widget = forms.HiddenInput()
        context = self.get_context_data(
            form=ImportForm(),
            report=report,
            counts=report.counts(),
            confirm_form=confirm_form,
            file_name=file_name,
            imported=confirm,
            language_name=dict(settings.LANGUAGES)[data["language"]],
            agency=data["agency"],
        )
        return self.render_to_response(context)
