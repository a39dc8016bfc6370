"""Backups of the whole site in one tar file (database dump and uploaded media), and
their restore into an empty database.

The archive holds ``database.pgdump`` (``pg_dump --format=custom``) or
``database.sqlite3`` (SQLite's online backup), the media folder under ``media/`` and,
written last, ``manifest.json``: an archive cut short (full disk, interrupted copy)
has no manifest and is refused as a whole.
"""

import glob
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

import django
import wagtail
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from wagtail.models import Page

from directory.models import OfferPage

FORMAT = "wegweiser-backup"
VERSION = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
ENGINE_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}

# Connection settings handed to pg_dump and pg_restore through libpq's environment
# variables, so the password never shows in the process list.
_LIBPQ_SETTINGS = {
    "HOST": "PGHOST",
    "PORT": "PGPORT",
    "USER": "PGUSER",
    "PASSWORD": "PGPASSWORD",
}
_LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    manifest: dict[str, Any]
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict[str, Any]
    counts: dict[str, int]
    media_restored: bool
    pending_migrations: list[str]


def backup_create(
    *, output: Path | None = None, using: str = "default"
) -> BackupResult:
    """Write the database and MEDIA_ROOT into one tar file at ``output`` (a folder
    gets the default name; default: ``VAR_DIR/backups/wegweiser-<time>.tar``).

    Safe while the site runs: PostgreSQL and SQLite dump a consistent snapshot, and
    the media folder is read after the dump, so every file the dump refers to is
    there. The file appears under its name only when complete (written beside it,
    then renamed), readable by its owner only. Raises ``BackupError``.
    """
    connection = connections[using]
    engine = _engine(connection)
    output = _output_path(output)
    media_root = Path(settings.MEDIA_ROOT)
    media_included = not settings.MEDIA_S3_BUCKET
    if media_included and output.resolve().is_relative_to(media_root.resolve()):
        raise BackupError(
            f"{output} is inside the media folder {media_root}, which the backup "
            "reads: write it somewhere else."
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    counts = _counts(using=using)
    migrations = _migrations_applied(connection)
    fd, partial_name = tempfile.mkstemp(
        dir=output.parent, prefix=f".{output.name}.", suffix=".partial"
    )
    partial = Path(partial_name)
    try:
        with (
            tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as work,
            os.fdopen(fd, "wb") as raw,
        ):
            dump = Path(work) / DATABASE_FILES[engine]
            if engine == "postgresql":
                _pg_dump(settings_dict=connection.settings_dict, target=dump)
            else:
                _sqlite_dump(settings_dict=connection.settings_dict, target=dump)
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                tar.add(dump, arcname=dump.name, recursive=False)
                media_files, media_bytes, skipped = (
                    _media_add(tar, root=media_root) if media_included else (0, 0, [])
                )
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "created": timezone.now().isoformat(timespec="seconds"),
                    "database": {
                        "engine": engine,
                        "file": dump.name,
                        "bytes": dump.stat().st_size,
                        "sha256": _sha256(dump),
                    },
                    "django": django.__version__,
                    "wagtail": wagtail.__version__,
                    "migrations": migrations,
                    "counts": {**counts, "media_files": media_files},
                    "media": {"included": media_included, "bytes": media_bytes},
                }
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
                tar.addfile(info, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _fsync_folder(output.parent)
    return BackupResult(
        path=output, size=output.stat().st_size, manifest=manifest, skipped=skipped
    )


def backup_restore(
    *, archive: Path, force: bool = False, using: str = "default"
) -> RestoreResult:
    """Restore ``archive`` into the database ``using`` and MEDIA_ROOT.

    Everything in the archive is checked before anything is written: the manifest,
    the database engine (must match the target's), migrations unknown to this code,
    paths of media members (no absolute paths, ``..``, links or special files), the
    number of media files. The target database must be empty (no tables) unless
    ``force``. PostgreSQL restores in one transaction, so a failed restore leaves the
    database as it was. Raises ``BackupError``.
    """
    connection = connections[using]
    engine = _engine(connection)
    try:
        tar = tarfile.open(archive, mode="r:*")
    except FileNotFoundError:
        raise BackupError(f"{archive}: no such file.") from None
    except IsADirectoryError:
        raise BackupError(f"{archive} is a folder, not a backup archive.") from None
    except tarfile.TarError:
        raise BackupError(
            f"{archive} is not a backup archive (not a tar file, or damaged)."
        ) from None
    with tar:
        try:
            manifest = _manifest_read(tar, archive=archive)
            _manifest_check(manifest, engine=engine)
            database_member = _member(tar, manifest["database"]["file"], archive)
            media_members = _media_members(tar, archive=archive)
        except (tarfile.TarError, EOFError, OSError) as error:
            raise BackupError(f"{archive} is damaged or cut short ({error}).") from None
        files = sum(1 for member in media_members if member.isfile())
        expected = manifest["counts"].get("media_files", 0)
        if files != expected:
            raise BackupError(
                f"{archive} is incomplete: it holds {files} of {expected} media files."
            )
        if not force:
            _target_empty_check(connection)
        if engine == "postgresql":
            with tempfile.TemporaryDirectory(prefix="wegweiser-restore-") as work:
                dump = Path(work) / database_member.name
                _member_extract(
                    tar,
                    database_member,
                    target=dump,
                    manifest=manifest,
                    archive=archive,
                )
                _pg_restore(
                    settings_dict=connection.settings_dict, dump=dump, clean=force
                )
        else:
            staged = _sqlite_staged(connection)
            _member_extract(
                tar, database_member, target=staged, manifest=manifest, archive=archive
            )
            _sqlite_swap(connection, staged=staged)
        media_restored = bool(media_members) and not settings.MEDIA_S3_BUCKET
        if media_restored:
            _media_extract(tar, media_members, archive=archive)
    call_command("createcachetable", database=using)
    return RestoreResult(
        manifest=manifest,
        counts={
            **_counts(using=using),
            "media_files": files if media_restored else 0,
        },
        media_restored=media_restored,
        pending_migrations=_migrations_pending(connection),
    )


# --- what a backup knows about the site


def _engine(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(
            f"Backups support PostgreSQL and SQLite, not {connection.display_name}."
        )
    return connection.vendor


def _counts(*, using: str) -> dict[str, int]:
    return {
        "pages": Page.objects.using(using).filter(depth__gt=1).count(),
        "offers": OfferPage.objects.using(using).count(),
    }


def _migrations_applied(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """The latest applied migration per app (the highest number: Django numbers them,
    and records a squashed migration after the later ones it stands beside)."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    latest: dict[str, str] = {}
    for app, name in recorder.migration_qs.values_list("app", "name"):
        latest[app] = max(latest.get(app, name), name)
    return dict(sorted(latest.items()))


def _migrations_pending(connection: BaseDatabaseWrapper) -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _back in plan]


def _output_path(output: Path | None) -> Path:
    name = f"wegweiser-{timezone.localtime():%Y%m%d-%H%M%S}.tar"
    if output is None:
        return Path(settings.VAR_DIR) / "backups" / name
    output = Path(output)
    return output / name if output.is_dir() else output


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _cache_tables() -> list[str]:
    """Tables of database caches: their rows are not worth keeping."""
    return [
        cache["LOCATION"]
        for cache in settings.CACHES.values()
        if cache["BACKEND"].endswith(".DatabaseCache")
    ]


# --- PostgreSQL


def _pg_tool(name: str) -> str:
    """The newest installed client tool (Debian keeps one per major version)."""
    installed = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    if installed:
        return max(installed, key=lambda path: _version_key(Path(path).parts[-3]))
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client tools "
            "(Debian package 'postgresql-client')."
        )
    return found


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text))


def _libpq_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, variable in _LIBPQ_SETTINGS.items():
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    for key, variable in _LIBPQ_OPTIONS.items():
        value = (settings_dict.get("OPTIONS") or {}).get(key)
        if value:
            env[variable] = str(value)
    return env


def _pg_run(command: list[str], *, settings_dict: dict[str, Any]) -> None:
    try:
        result = subprocess.run(  # noqa: S603 - our arguments, no shell
            command,
            env=_libpq_env(settings_dict),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
        )
    except OSError as error:
        raise BackupError(f"{command[0]} could not start: {error}") from error
    if result.returncode != 0:
        tool = Path(command[0]).name
        details = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise BackupError(
            f"{tool} failed (exit status {result.returncode}):\n{details}"
        )


def _pg_dump(*, settings_dict: dict[str, Any], target: Path) -> None:
    command = [
        _pg_tool("pg_dump"),
        "--format=custom",
        "--no-owner",
        "--no-acl",
        f"--file={target}",
        *(f"--exclude-table-data={table}" for table in _cache_tables()),
        f"--dbname={settings_dict['NAME']}",
    ]
    _pg_run(command, settings_dict=settings_dict)


def _pg_restore(*, settings_dict: dict[str, Any], dump: Path, clean: bool) -> None:
    command = [
        _pg_tool("pg_restore"),
        "--no-owner",
        "--no-acl",
        "--exit-on-error",
        "--single-transaction",
        *(["--clean", "--if-exists"] if clean else []),
        f"--dbname={settings_dict['NAME']}",
        str(dump),
    ]
    _pg_run(command, settings_dict=settings_dict)


# --- SQLite


def _sqlite_path(settings_dict: dict[str, Any]) -> Path:
    return Path(settings_dict["NAME"])


def _sqlite_dump(*, settings_dict: dict[str, Any], target: Path) -> None:
    source_path = _sqlite_path(settings_dict)
    if not source_path.is_file():
        raise BackupError(f"The database file {source_path} does not exist.")
    source = sqlite3.connect(source_path, timeout=20)
    copy = sqlite3.connect(target)
    try:
        # The backup API copies one consistent snapshot while others keep writing.
        source.backup(copy)
        for table in _cache_tables():
            exists = copy.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                (table,),
            ).fetchone()
            if exists:
                copy.execute(f'DELETE FROM "{table}"')  # noqa: S608 - a table name
        copy.commit()
        # One self-contained file, not a WAL database with its log beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as error:
        raise BackupError(f"SQLite backup of {source_path} failed: {error}") from error
    finally:
        copy.close()
        source.close()


def _sqlite_staged(connection: BaseDatabaseWrapper) -> Path:
    """Where the restored file is written first: beside the database file, so it can
    be swapped in at once."""
    target = _sqlite_path(connection.settings_dict)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target.with_name(f".{target.name}.restoring")


def _sqlite_swap(connection: BaseDatabaseWrapper, *, staged: Path) -> None:
    target = _sqlite_path(connection.settings_dict)
    # Our own connection lets go of the file first; the write-ahead log and shared
    # memory beside it belong to the old database and must not outlive it.
    connection.close()
    os.replace(staged, target)
    for suffix in ("-wal", "-shm", "-journal"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)


# --- the archive


def _manifest_read(tar: tarfile.TarFile, *, archive: Path) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise BackupError(
            f"{archive} is not a complete Wegweiser backup: {MANIFEST} is missing "
            "(it is written last, so the file may have been cut short)."
        ) from None
    source = tar.extractfile(member)
    if source is None:
        raise BackupError(f"{archive}: {MANIFEST} is not a file.")
    try:
        manifest = json.loads(source.read())
    except ValueError:
        raise BackupError(f"{archive}: {MANIFEST} is not valid JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a Wegweiser backup ({MANIFEST} differs).")
    return manifest


def _manifest_check(manifest: dict[str, Any], *, engine: str) -> None:
    version = manifest.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise BackupError(
            f"This backup has format version {version}; this code reads up to "
            f"{VERSION}. Restore it with the Wegweiser version that made it."
        )
    database = manifest.get("database")
    if not isinstance(database, dict) or database.get("file") not in (
        DATABASE_FILES.values()
    ):
        raise BackupError("The backup's manifest names no database file.")
    if not isinstance(manifest.get("counts"), dict):
        raise BackupError("The backup's manifest has no counts.")
    made = str(database.get("engine"))
    if made != engine:
        made = ENGINE_NAMES.get(made, made)
        raise BackupError(
            f"The backup holds a {made} database, but the target (DATABASE_URL) is "
            f"{ENGINE_NAMES[engine]}. Restore into a database of the same kind."
        )
    loader = MigrationLoader(None, ignore_no_migrations=True)
    unknown = [
        f"{app}.{name}"
        for app, name in (manifest.get("migrations") or {}).items()
        if app in loader.migrated_apps and (app, name) not in loader.disk_migrations
    ]
    if unknown:
        raise BackupError(
            "The backup was made by a newer version of Wegweiser (migrations unknown "
            f"here: {', '.join(sorted(unknown))}). Restore it with that version."
        )


def _member(tar: tarfile.TarFile, name: str, archive: Path) -> tarfile.TarInfo:
    try:
        member = tar.getmember(name)
    except KeyError:
        raise BackupError(f"{archive} is incomplete: {name} is missing.") from None
    if not member.isfile():
        raise BackupError(f"{archive}: {name} is not a file.")
    return member


def _media_members(tar: tarfile.TarFile, *, archive: Path) -> list[tarfile.TarInfo]:
    """The members under ``media/``, renamed relative to MEDIA_ROOT; refuses the whole
    archive if any member could write outside it."""
    media = []
    for member in tar.getmembers():
        path = PurePosixPath(member.name)
        if path.is_absolute() or ".." in path.parts:
            raise BackupError(
                f"{archive} is refused: {member.name!r} points outside its folder."
            )
        if path.parts[:1] != (MEDIA,):
            continue
        if not (member.isfile() or member.isdir()):
            raise BackupError(
                f"{archive} is refused: {member.name!r} is a link or special file; "
                "a backup holds only files and folders."
            )
        relative = PurePosixPath(*path.parts[1:])
        if relative.parts:
            media.append(member.replace(name=str(relative), deep=False))
    return media


def _member_extract(
    tar: tarfile.TarFile,
    member: tarfile.TarInfo,
    *,
    target: Path,
    manifest: dict[str, Any],
    archive: Path,
) -> None:
    """Copy ``member`` to ``target`` and check it against the manifest's checksum."""
    digest = hashlib.sha256()
    source = tar.extractfile(member)
    assert source is not None  # _member checked it is a file
    try:
        with target.open("wb") as copy:
            _copy(source, copy, digest)
        if digest.hexdigest() != manifest["database"].get("sha256"):
            raise BackupError(
                f"{archive} is damaged: {member.name} does not match its checksum."
            )
    except tarfile.ReadError:
        target.unlink(missing_ok=True)
        raise BackupError(f"{archive} is cut short inside {member.name}.") from None
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _copy(source: IO[bytes], target: IO[bytes], digest: Any) -> None:
    for block in iter(lambda: source.read(1 << 20), b""):
        digest.update(block)
        target.write(block)


def _media_extract(
    tar: tarfile.TarFile, members: list[tarfile.TarInfo], *, archive: Path
) -> None:
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    try:
        # The "data" filter refuses what _media_members already refused, once more.
        tar.extractall(media_root, members=members, filter="data")
    except (tarfile.TarError, OSError) as error:
        raise BackupError(
            f"The database is restored, but the media files of {archive} could not "
            f"be written to {media_root}: {error}"
        ) from error


def _media_add(tar: tarfile.TarFile, *, root: Path) -> tuple[int, int, list[str]]:
    """Add the files and folders below ``root`` as ``media/…``; links and special
    files are skipped (and named), files deleted meanwhile are left out."""
    if not root.is_dir():
        return 0, 0, []
    files, size, skipped = 0, 0, []
    tar.add(root, arcname=MEDIA, recursive=False)
    for folder, dirnames, filenames in os.walk(root):
        here = Path(folder)
        relative = PurePosixPath(MEDIA, *here.relative_to(root).parts)
        for name in sorted(dirnames):
            if (here / name).is_symlink():
                skipped.append(str(here / name))
                dirnames.remove(name)
            else:
                tar.add(here / name, arcname=str(relative / name), recursive=False)
        for name in sorted(filenames):
            path = here / name
            try:
                if not stat.S_ISREG(path.lstat().st_mode):
                    skipped.append(str(path))
                    continue
                source = path.open("rb")
            except FileNotFoundError:
                continue  # deleted since the folder was listed
            with source:
                info = tar.gettarinfo(arcname=str(relative / name), fileobj=source)
                try:
                    tar.addfile(info, source)
                except OSError as error:
                    raise BackupError(f"Could not add {path}: {error}") from error
            files += 1
            size += info.size
    return files, size, skipped


def _target_empty_check(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "sqlite":
        if not _sqlite_path(connection.settings_dict).exists():
            return  # a new file; connecting would fail if its folder is missing
    try:
        tables = connection.introspection.table_names()
    except DatabaseError as error:
        raise BackupError(f"Cannot read the target database: {error}") from error
    if tables:
        raise BackupError(
            f"The target database {connection.settings_dict['NAME']} is not empty "
            f"({len(tables)} tables, e.g. {tables[0]}). Restore into a new, empty "
            "database, or pass --force to replace its content."
        )
