"""HSDS as a Tabular Data Package: one CSV per object type and ``datapackage.json``.

``flatten`` turns nested documents into rows (foreign keys filled from the parent where
a nested object leaves them out); ``assemble`` builds the nested documents back from
rows, the way the API returns them.
"""

import csv
import io
import json
import math
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

from .schemas import tabular_resources

# Which resource a nested key holds.
NESTED = {
    "organization": "organization",
    "organizations": "organization",
    "services": "service",
    "service": "service",
    "phones": "phone",
    "schedules": "schedule",
    "service_areas": "service_area",
    "service_at_locations": "service_at_location",
    "languages": "language",
    "funding": "funding",
    "cost_options": "cost_option",
    "program": "program",
    "programs": "program",
    "required_documents": "required_document",
    "contacts": "contact",
    "attributes": "attribute",
    "metadata": "metadata",
    "location": "location",
    "locations": "location",
    "addresses": "address",
    "accessibility": "accessibility",
    "taxonomy_term": "taxonomy_term",
    "taxonomy_detail": "taxonomy",
    "organization_identifiers": "organization_identifier",
}


# What bytes that are not UTF-8 become when decoded with "surrogateescape".
BAD_BYTES = re.compile("[\udc80-\udcff]")


class TabularError(ValueError):
    """A cell cannot be read; the message names the field."""


class TabularFileError(ValueError):
    """A CSV file cannot be read on from some line; the message names it."""


@cache
def columns(resource: str) -> tuple[str, ...]:
    """The CSV columns of a resource: its one-to-one fields (arrays are tables)."""
    return tuple(
        name
        for name, prop in tabular_resources()[resource]["properties"].items()
        if prop.get("type") not in ("array", "object")
    )


class Tables:
    """Rows by resource, each row once (by id), in the order first seen."""

    def __init__(self):
        self.rows: dict[str, dict[str, dict]] = defaultdict(dict)

    def add(self, resource: str, document: dict, parent: tuple[str, dict] | None):
        known = columns(resource)
        row = {
            key: value
            for key, value in document.items()
            if key in known and not isinstance(value, (list, dict))
        }
        if parent is not None:
            parent_resource, parent_document = parent
            foreign_key = f"{parent_resource}_id"
            if foreign_key in known and not row.get(foreign_key):
                row[foreign_key] = parent_document.get("id")
            if resource == "attribute":
                row.setdefault("link_id", parent_document.get("id"))
                row.setdefault("link_entity", parent_resource)
        if "id" in row:
            self.rows[resource].setdefault(str(row["id"]), row)
        for key, value in document.items():
            child = NESTED.get(key)
            if child is None or child not in tabular_resources():
                continue
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    self.add(child, item, (resource, document))


def flatten(services: list[dict], *, extra: dict[str, list[dict]] | None = None):
    """Tables for ``services`` (full service documents) plus ``extra`` rows
    (e.g. ``{"taxonomy": [...]}``).
    """
    tables = Tables()
    for service in services:
        tables.add("service", service, None)
    for resource, documents in (extra or {}).items():
        for document in documents:
            tables.add(resource, document, None)
    return tables


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def package_write(tables: Tables, directory: Path, *, name: str, title: str) -> list:
    """Write one CSV per non-empty resource and ``datapackage.json``; returns paths."""
    directory.mkdir(parents=True, exist_ok=True)
    resources = []
    written = []
    for resource, spec in tabular_resources().items():
        rows = list(tables.rows.get(resource, {}).values())
        if not rows:
            continue
        path = directory / spec["path"]
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns(resource))
            for row in rows:
                writer.writerow(
                    [_cell(row.get(column)) for column in columns(resource)]
                )
        written.append(path)
        resources.append(
            {
                "name": resource,
                "path": spec["path"],
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [
                        _field(column, spec["properties"][column])
                        for column in columns(resource)
                    ],
                    "primaryKey": ["id"],
                },
            }
        )
    descriptor = directory / "datapackage.json"
    descriptor.write_text(
        json.dumps(
            {
                "name": name,
                "title": title,
                "profile": "tabular-data-package",
                "resources": resources,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return [descriptor, *written]


def _field(column: str, prop: dict) -> dict:
    field = {"name": column, "type": prop.get("type", "string")}
    if prop.get("format"):
        field["format"] = prop["format"]
    return field


# --- reading ----------------------------------------------------------------------


def _typed(resource: str, column: str, value: str):
    kind = tabular_resources()[resource]["properties"].get(column, {}).get("type")
    if kind in ("number", "integer"):
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise TabularError(f"{column}: {value!r} is not a number")
        return int(number) if number.is_integer() else number
    if kind == "boolean":
        if value.lower() not in ("true", "false", "1", "0"):
            raise TabularError(f"{column}: {value!r} is not true or false")
        return value.lower() in ("true", "1")
    return value


def row_typed(resource: str, row) -> dict:
    """A row given as JSON: text columns as text (the official example has numbers
    in some), nested values left out.
    """
    if not isinstance(row, dict):
        return {}
    properties = tabular_resources()[resource]["properties"]
    typed = {}
    for column, value in row.items():
        kind = properties.get(column, {}).get("type")
        if kind is None or value is None or isinstance(value, (list, dict)):
            continue
        typed[column] = str(value) if kind == "string" else value
    return typed


def rows_read(resource: str, text: str, file_name: str) -> tuple[list, list]:
    """Typed rows of one CSV (empty cells left out) and, separately, the rows that
    cannot be used: ``(where, message)`` naming file, line, id and field.

    ``text`` is decoded with ``surrogateescape``: bytes that are not UTF-8 show up as
    lone surrogates and make their row unusable, not the whole file.
    """
    reader = csv.DictReader(io.StringIO(text))
    known = set(columns(resource))
    rows, refused = [], []
    line = 2  # the header is line 1; a quoted cell may span several lines
    for row in _rows(reader, file_name):
        where = f"{file_name} line {line} (id {row.get('id') or '?'})"
        line = reader.line_num + 1
        cells = {
            column: value
            for column, value in row.items()
            if column in known and value not in ("", None)
        }
        broken = [c for c, v in cells.items() if BAD_BYTES.search(v)]
        if broken:
            refused.append(
                (where, f"{', '.join(broken)}: not UTF-8 text. Save the file as UTF-8.")
            )
            continue
        try:
            rows.append(
                {
                    column: _typed(resource, column, value)
                    for column, value in cells.items()
                }
            )
        except TabularError as error:
            refused.append((where, str(error)))
    return rows, refused


def _rows(reader: csv.DictReader, file_name: str):
    """The reader's rows; what the csv module cannot read names its line."""
    try:
        yield from reader
    except csv.Error as error:
        line = reader.line_num or 1
        if "field limit" in str(error):
            raise TabularFileError(
                f"{file_name} line {line}: a cell is longer than "
                f"{csv.field_size_limit():,} characters. Shorten it or import the "
                "file as JSON."
            ) from None
        raise TabularFileError(
            f"{file_name} line {line}: not readable as CSV ({error})."
        ) from None


def resource_for_file(file_name: str) -> str | None:
    for resource, spec in tabular_resources().items():
        if spec["path"] == file_name:
            return resource
    return None


def assemble(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Nested documents from rows: ``{"service": [...], "organization": [...],
    "location": [...], "taxonomy_term": [...]}`` (organizations, locations and terms
    also on their own, for records no service refers to).
    """
    by_id = {
        resource: {str(row["id"]): row for row in rows if "id" in row}
        for resource, rows in tables.items()
    }

    index: dict[tuple[str, str], dict[str, list[dict]]] = {}

    def owned(resource: str, key: str, value) -> list[dict]:
        cache_key = (resource, key)
        if cache_key not in index:
            grouped = defaultdict(list)
            for row in tables.get(resource, []):
                if row.get(key) is not None:
                    grouped[str(row[key])].append(row)
            index[cache_key] = grouped
        return index[cache_key].get(str(value), [])

    def attributes(link_id) -> list[dict]:
        result = []
        for row in owned("attribute", "link_id", link_id):
            attribute = dict(row)
            term = by_id.get("taxonomy_term", {}).get(str(row.get("taxonomy_term_id")))
            if term is not None:
                attribute["taxonomy_term"] = dict(term)
            result.append(attribute)
        return result

    def phones(key: str, value, *, more_specific: tuple[str, ...]) -> list[dict]:
        return [
            {**row, "languages": owned("language", "phone_id", row["id"])}
            for row in owned("phone", key, value)
            if not any(row.get(other) for other in more_specific)
        ]

    def contacts(key: str, value, *, more_specific: tuple[str, ...] = ()) -> list[dict]:
        return [
            {
                **row,
                "phones": phones("contact_id", row["id"], more_specific=()),
            }
            for row in owned("contact", key, value)
            if not any(row.get(other) for other in more_specific)
        ]

    def schedules(key: str, value, *, more_specific: tuple[str, ...]) -> list[dict]:
        return [
            {**row, "attributes": attributes(row["id"])}
            for row in owned("schedule", key, value)
            if not any(row.get(other) for other in more_specific)
        ]

    def location(row: dict) -> dict:
        lid = row["id"]
        return {
            **row,
            "languages": [
                lang
                for lang in owned("language", "location_id", lid)
                if not lang.get("phone_id")
            ],
            "addresses": owned("address", "location_id", lid),
            "contacts": contacts(
                "location_id", lid, more_specific=("service_at_location_id",)
            ),
            "accessibility": owned("accessibility", "location_id", lid),
            "phones": phones(
                "location_id",
                lid,
                more_specific=("contact_id", "service_at_location_id"),
            ),
            "schedules": schedules(
                "location_id", lid, more_specific=("service_at_location_id",)
            ),
            "attributes": attributes(lid),
        }

    def organization(row: dict) -> dict:
        oid = row["id"]
        return {
            **row,
            "phones": phones(
                "organization_id",
                oid,
                more_specific=(
                    "contact_id",
                    "location_id",
                    "service_id",
                    "service_at_location_id",
                ),
            ),
            "contacts": contacts(
                "organization_id",
                oid,
                more_specific=("service_id", "location_id", "service_at_location_id"),
            ),
            "attributes": attributes(oid),
        }

    locations = by_id.get("location", {})
    organizations = by_id.get("organization", {})
    used_locations: set[str] = set()
    services = []
    for row in tables.get("service", []):
        sid = row["id"]
        at_locations = []
        for link in owned("service_at_location", "service_id", sid):
            place = locations.get(str(link.get("location_id")))
            document = {
                **link,
                "contacts": contacts("service_at_location_id", link["id"]),
                "phones": phones(
                    "service_at_location_id", link["id"], more_specific=("contact_id",)
                ),
                "schedules": schedules(
                    "service_at_location_id", link["id"], more_specific=()
                ),
            }
            if place is not None:
                document["location"] = location(place)
                used_locations.add(str(place["id"]))
            at_locations.append(document)
        service = {
            **row,
            "phones": phones(
                "service_id",
                sid,
                more_specific=("contact_id", "service_at_location_id", "location_id"),
            ),
            "schedules": schedules(
                "service_id",
                sid,
                more_specific=("location_id", "service_at_location_id"),
            ),
            "service_areas": owned("service_area", "service_id", sid),
            "service_at_locations": at_locations,
            "languages": [
                lang
                for lang in owned("language", "service_id", sid)
                if not lang.get("phone_id")
            ],
            "cost_options": owned("cost_option", "service_id", sid),
            "required_documents": owned("required_document", "service_id", sid),
            "contacts": contacts(
                "service_id",
                sid,
                more_specific=("service_at_location_id", "location_id"),
            ),
            "attributes": attributes(sid),
        }
        owner = organizations.get(str(row.get("organization_id")))
        if owner is not None:
            service["organization"] = organization(owner)
        services.append(service)
    return {
        "service": services,
        "organization": [organization(row) for row in organizations.values()],
        "location": [
            location(row) for key, row in locations.items() if key not in used_locations
        ],
        "taxonomy_term": list(by_id.get("taxonomy_term", {}).values()),
    }
