"""Writing the catalogue to files: a JSON array of services or a tabular package."""

import json
from pathlib import Path

from . import tabular
from .documents import Documents, services_all


def catalogue_export(
    path: Path, *, language: str, format: str = "json", base_url: str | None = None
) -> int:
    """Write every public service to ``path``; returns how many.

    JSON is streamed service by service, so memory stays flat for large catalogues.
    """
    documents = Documents(language=language, base_url=base_url)
    path = Path(path)
    if format == "tabular":
        services = list(services_all(documents))
        tables = tabular.flatten(
            services,
            extra={
                "taxonomy": documents.taxonomies(),
                "taxonomy_term": documents.terms(),
            },
        )
        tabular.package_write(
            tables,
            path,
            name=f"wegweiser-{language}",
            title=f"Wegweiser catalogue ({language})",
        )
        return len(services)
    count = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        for service in services_all(documents):
            handle.write(",\n" if count else "\n")
            handle.write(json.dumps(service, ensure_ascii=False))
            count += 1
        handle.write("\n]\n")
    return count
