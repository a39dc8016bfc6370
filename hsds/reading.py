"""Reading HSDS files: a JSON document (list, paged list, one object) or a tabular
data package (a folder with CSV files and ``datapackage.json``).

File-level trouble (too big, not JSON, unknown shape) raises ``HsdsFileError``;
trouble in one row or object becomes a ``Problem`` for that record, and the rest is
still read.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from . import tabular

# HSDS objects nest a few levels (service → service_at_locations → location →
# addresses); deeper input is no HSDS and would exhaust Python's recursion.
MAX_DEPTH = 32


class HsdsFileError(ValueError):
    """The file as a whole cannot be imported; the message says why and what to do."""


@dataclass
class Problem:
    record: str  # "service 1f0c…" or "services.csv line 4"
    message: str

    def __str__(self) -> str:
        return f"{self.record}: {self.message}"


@dataclass
class Bundle:
    """What a file holds, by kind; each item is one record of the import."""

    services: list[dict] = field(default_factory=list)
    organizations: list[dict] = field(default_factory=list)
    locations: list[dict] = field(default_factory=list)
    terms: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def __len__(self) -> int:
        return (
            len(self.services)
            + len(self.organizations)
            + len(self.locations)
            + len(self.terms)
        )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


def _check_size(size: int, name: str) -> None:
    limit = settings.HSDS_IMPORT_MAX_BYTES
    if size > limit:
        raise HsdsFileError(
            f"{name} is {_megabytes(size)}; files up to {_megabytes(limit)} can be "
            "imported (HSDS_IMPORT_MAX_BYTES). Split it, e.g. one file per "
            "organization."
        )


def bundle_read(path: Path) -> Bundle:
    """Read ``path`` (a JSON file or a tabular package folder).

    Raises ``HsdsFileError`` when the file as a whole is unusable.
    """
    path = Path(path)
    if not path.exists():
        raise HsdsFileError(f"{path} does not exist.")
    try:
        if path.is_dir():
            return _package_read(path)
        _check_size(path.stat().st_size, path.name)
        if path.name == "datapackage.json":
            return _package_read(path.parent)
        if path.suffix.lower() == ".csv":
            raise HsdsFileError(
                f"{path.name} is one table of a tabular package: give the folder "
                "that holds datapackage.json and all the CSV files."
            )
        return bundle_from_bytes(path.read_bytes(), name=path.name)
    except OSError as error:
        raise HsdsFileError(f"{path} cannot be read: {error.strerror}") from None


def bundle_from_bytes(data: bytes, *, name: str) -> Bundle:
    """Read one JSON document from ``data`` (an upload or a file's contents)."""
    _check_size(len(data), name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise HsdsFileError(
            f"{name} line {line}: not UTF-8 text (byte 0x{data[error.start]:02x}). "
            "Save the file as UTF-8 and try again."
        ) from None
    document = _json_parse(text, name=name)
    _check_depth(document, name)
    return bundle_from_document(document, name=name)


def _json_parse(text: str, *, name: str):
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise HsdsFileError(
            f"{name} is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}."
        ) from None
    except RecursionError:
        # Python's parser recurses once per level: about a thousand levels stop it.
        raise HsdsFileError(
            f"{name}: the JSON is nested too deeply (HSDS needs at most "
            f"{MAX_DEPTH} levels)."
        ) from None


def _check_depth(document, name: str) -> None:
    """Refuse nesting deeper than any HSDS document (checked without recursion:
    the importer and the schema check recurse into what they are given).
    """
    level = [document]
    for _level in range(MAX_DEPTH + 1):
        level = [
            child
            for item in level
            if isinstance(item, (dict, list))
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, (dict, list))
        ]
        if not level:
            return
    raise HsdsFileError(
        f"{name}: the JSON is nested more than {MAX_DEPTH} levels deep; HSDS "
        "objects are not."
    )


def _no_constant(name: str):
    raise json.JSONDecodeError(f"{name} is not a number in JSON", name, 0)


def bundle_from_document(document, *, name: str) -> Bundle:
    bundle = Bundle()
    if isinstance(document, dict) and any(key.endswith(".csv") for key in document):
        return _from_tables(
            {
                resource: [tabular.row_typed(resource, row) for row in rows]
                for file_name, rows in document.items()
                if (resource := tabular.resource_for_file(file_name))
                and isinstance(rows, list)
            }
        )
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        items = document["contents"]
    elif isinstance(document, list):
        items = document
    elif isinstance(document, dict):
        items = [document]
    else:
        raise HsdsFileError(
            f"{name}: expected HSDS objects (a list of services, a paged list or one "
            f"object), found {type(document).__name__}."
        )
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            bundle.problems.append(
                Problem(f"{name} item {position}", "not an object; skipped")
            )
            continue
        _classify(item, bundle)
    return bundle


def _classify(item: dict, bundle: Bundle) -> None:
    """Sort one object into the bundle by its shape (HSDS objects carry no type)."""
    if isinstance(item.get("service"), dict):  # a full service_at_location
        service = dict(item["service"])
        link = {key: value for key, value in item.items() if key != "service"}
        service.setdefault("service_at_locations", []).append(link)
        bundle.services.append(service)
    elif "status" in item or "service_at_locations" in item:
        bundle.services.append(item)
    elif "services" in item or "locations" in item or "website" in item:
        organization = {
            key: value for key, value in item.items() if key not in ("services",)
        }
        bundle.organizations.append(organization)
        for service in item.get("services") or []:
            if isinstance(service, dict):
                bundle.services.append({**service, "organization": organization})
    elif "location_type" in item:
        bundle.locations.append(item)
    elif "code" in item or "taxonomy" in item or "taxonomy_id" in item:
        bundle.terms.append(item)
    elif "openapi_url" in item or "version" in item:
        return  # API information or a taxonomy: nothing to store
    elif "description" in item and "name" in item:
        bundle.organizations.append(item)
    else:
        bundle.problems.append(
            Problem(
                f"object {item.get('id', '?')}",
                "not a service, organization, location or taxonomy term; skipped",
            )
        )


def _package_read(directory: Path) -> Bundle:
    descriptor = directory / "datapackage.json"
    files: list[str]
    if descriptor.exists():
        try:
            package = json.loads(descriptor.read_text(encoding="utf-8"))
            files = [resource["path"] for resource in package["resources"]]
        except (ValueError, KeyError, TypeError, RecursionError) as error:
            raise HsdsFileError(f"datapackage.json cannot be read: {error!r}") from None
        if not all(isinstance(file_name, str) for file_name in files):
            raise HsdsFileError(
                "datapackage.json: every resource's path must be a file name."
            )
    else:
        files = sorted(path.name for path in directory.glob("*.csv"))
    if not files:
        raise HsdsFileError(f"{directory} holds no CSV files of a tabular package.")
    _check_size(
        sum((directory / f).stat().st_size for f in files if (directory / f).exists()),
        directory.name,
    )
    tables: dict[str, list[dict]] = {}
    problems: list[Problem] = []
    for file_name in files:
        resource = tabular.resource_for_file(file_name)
        path = directory / file_name
        if resource is None:
            problems.append(Problem(file_name, "not an HSDS table; skipped"))
            continue
        if not path.exists():
            raise HsdsFileError(
                f"datapackage.json lists {file_name}, which is missing."
            )
        text = path.read_bytes().decode("utf-8-sig", errors="surrogateescape")
        try:
            rows, refused = tabular.rows_read(resource, text, file_name)
        except tabular.TabularFileError as error:
            raise HsdsFileError(str(error)) from None
        problems += [
            Problem(where, f"{message}; row skipped") for where, message in refused
        ]
        tables[resource] = rows
    bundle = _from_tables(tables)
    bundle.problems[:0] = problems
    return bundle


def _from_tables(tables: dict[str, list[dict]]) -> Bundle:
    # Every HSDS table has an id; rows are joined by it.
    problems = [
        Problem(f"{resource} row {position}", "no id; skipped")
        for resource, rows in tables.items()
        for position, row in enumerate(rows, start=1)
        if not row.get("id")
    ]
    tables = {
        resource: [row for row in rows if row.get("id")]
        for resource, rows in tables.items()
    }
    documents = tabular.assemble(tables)
    in_services = {
        str((service.get("organization") or {}).get("id"))
        for service in documents["service"]
    }
    return Bundle(
        services=documents["service"],
        organizations=[
            organization
            for organization in documents["organization"]
            if str(organization.get("id")) not in in_services
        ],
        locations=documents["location"],
        terms=documents["taxonomy_term"],
        problems=problems,
    )
