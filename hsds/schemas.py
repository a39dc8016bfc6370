"""The official HSDS 3.0 schemas (vendored in ``spec/``) and validation against them."""

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

SPEC = Path(__file__).resolve().parent / "spec"
SCHEMA_DIR = SPEC / "schema"
EXAMPLES_DIR = SPEC / "examples"


@cache
def _registry() -> Registry:
    resources = []
    for path in SCHEMA_DIR.glob("*.json"):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append(
            (
                path.name,
                Resource.from_contents(contents, default_specification=_draft()),
            )
        )
    return Registry().with_resources(resources)


def _draft():
    from referencing.jsonschema import DRAFT202012

    return DRAFT202012


@cache
def validator(name: str) -> Draft202012Validator:
    """Validator for one object schema, e.g. ``validator("service")``."""
    schema = json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return Draft202012Validator(
        schema, registry=_registry(), format_checker=FormatChecker()
    )


def problems(document: dict, name: str) -> list[str]:
    """Human-readable schema violations of ``document``; empty when it is valid."""
    found = []
    for error in sorted(validator(name).iter_errors(document), key=lambda e: e.path):
        where = ".".join(str(part) for part in error.absolute_path) or "(record)"
        found.append(f"{where}: {error.message}")
    return found


@cache
def tabular_resources() -> dict[str, dict]:
    """The tabular data package's resources by name: path (CSV file name), order,
    and the field schemas, in the order the specification lists them.
    """
    compiled = json.loads(
        (SCHEMA_DIR / "compiled" / "tabular.json").read_text(encoding="utf-8")
    )
    resources = {}
    for name, holder in compiled["properties"].items():
        item = holder["items"]
        resources[name] = {
            "name": name,
            "path": item["path"],
            "order": item.get("datapackage_metadata", {}).get("order", 99),
            "properties": item["properties"],
            "required": item.get("required", []),
        }
    return dict(sorted(resources.items(), key=lambda pair: pair[1]["order"]))
