"""Files uploaded for an HSDS import in the admin, kept between preview and import.

An upload lives until its import is confirmed or refused, the import crashes, or
``HSDS_IMPORT_UPLOAD_HOURS`` pass (``manage.py hsds_cleanup``).
"""

import shutil
import tempfile
import time
import uuid
import zipfile
import zlib
from pathlib import Path

from django.conf import settings

UPLOADS = Path(settings.VAR_DIR) / "hsds-imports"
# Only these files of a zipped package are unpacked; no folders, no hidden files.
_PACKAGE_FILE = ".csv", ".json"


class UploadError(ValueError):
    """The upload cannot be unpacked; the message says why."""


class UploadTooLarge(UploadError):
    def __init__(self, size: int):
        super().__init__(f"unpacked it is {size} bytes")
        self.size = size


def upload_store(upload) -> str:
    """Keep an uploaded file; returns the token that names it."""
    token = str(uuid.uuid4())
    UPLOADS.mkdir(parents=True, exist_ok=True)
    with (UPLOADS / token).open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return token


def upload_path(token: str) -> Path:
    """Where the upload ``token`` is kept; ``token`` must be a UUID (checked here
    too, so no name can reach outside the folder).
    """
    return UPLOADS / str(uuid.UUID(token))


def upload_delete(token: str) -> None:
    if token:
        upload_path(token).unlink(missing_ok=True)


def uploads_expired_delete(*, hours: float | None = None) -> int:
    """Delete uploads older than ``hours`` (default HSDS_IMPORT_UPLOAD_HOURS):
    previews nobody confirmed. Returns how many went.
    """
    hours = settings.HSDS_IMPORT_UPLOAD_HOURS if hours is None else hours
    if not UPLOADS.is_dir():
        return 0
    before = time.time() - hours * 3600
    deleted = 0
    for path in UPLOADS.iterdir():
        if path.is_file() and path.stat().st_mtime < before:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def package_unzip(path: Path, *, max_bytes: int) -> Path:
    """Unpack the CSV and JSON files of a zipped tabular package into a new
    temporary folder (the caller deletes it), each under its own base name.

    Raises ``UploadError`` for archives that are broken, encrypted, too big
    unpacked, or hold two files of the same name.
    """
    folder = Path(tempfile.mkdtemp(prefix="hsds-"))
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                member
                for member in archive.infolist()
                if not member.is_dir() and _package_file_name(member.filename)
            ]
            unpacked = sum(member.file_size for member in members)
            if unpacked > max_bytes:
                raise UploadTooLarge(unpacked)
            for member in members:
                target = folder / _package_file_name(member.filename)
                if target.exists():
                    raise UploadError(
                        f"it holds {target.name} twice; zip one package at a time"
                    )
                target.write_bytes(archive.read(member))
    except UploadError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise UploadError(f"not a readable ZIP file ({error})") from None
    except RuntimeError as error:  # encrypted entries
        shutil.rmtree(folder, ignore_errors=True)
        raise UploadError(f"cannot be unpacked ({error})") from None
    return folder


def _package_file_name(name: str) -> str:
    """The base name of a zip entry if it is a file a package may hold, else "".

    Entries are named by whoever made the archive: "..", "../x", "/etc/x",
    "C:\\x" or "__MACOSX/._x" must not become paths.
    """
    parts = name.replace("\\", "/").split("/")
    base = parts[-1]
    if not parts[0] or ".." in parts or ":" in name or "\0" in name:
        return ""  # absolute, climbing out, or a drive letter: not ours to read
    if base.startswith(".") or not base.lower().endswith(_PACKAGE_FILE):
        return ""
    return base
