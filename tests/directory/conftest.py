"""Fixtures shared by the directory tests: the demo region, a small HSDS package."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.demo_region import demo_region_seeded


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo region, seeded once per module (``demo_region_seeded``)."""
    with django_db_blocker.unblock(), demo_region_seeded():
        yield


@dataclass
class SmallPackage:
    folder: Path
    organization: str = "5b9e0f4c-1d2a-4e3b-8c7d-6a5f4e3d2c1b"
    good: str = "0a1b2c3d-0000-4000-8000-000000000001"
    multiline: str = "0a1b2c3d-0000-4000-8000-000000000002"
    broken: str = "0a1b2c3d-0000-4000-8000-000000000003"
    not_a_number: str = "0a1b2c3d-0000-4000-8000-000000000004"


@pytest.fixture
def small_package(tmp_path) -> SmallPackage:
    """An HSDS tabular package with four services: one good, one with a two-line
    description, one with bytes that are not UTF-8 in its name, one with a minimum
    age that is no number.
    """
    package = SmallPackage(folder=tmp_path / "package")
    package.folder.mkdir()
    (package.folder / "organizations.csv").write_text(
        f"id,name,description\n{package.organization},Verein,Ein Verein\n",
        encoding="utf-8",
    )
    org = package.organization
    rows = [
        b"id,organization_id,name,description,status,minimum_age",
        f"{package.good},{org},Kurs,Text,active,".encode(),
        f'{package.multiline},{org},Treff,"Zeile 1\nZeile 2",active,'.encode(),
        f"{package.broken},{org},Caf".encode() + b"\xe9,Text,active,",
        f"{package.not_a_number},{org},Hilfe,Text,active,zwölf".encode(),
    ]
    (package.folder / "services.csv").write_bytes(b"\n".join(rows) + b"\n")
    return package
