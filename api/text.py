"""Free text from query strings, made safe to search with."""

import unicodedata

MAX_QUERY_LENGTH = 200


def clean_query(raw: str) -> str:
    """Trim, turn control and odd space characters into spaces, collapse whitespace."""
    text = "".join(
        " " if unicodedata.category(char)[0] in ("C", "Z") else char
        for char in raw[: MAX_QUERY_LENGTH * 4]
    )
    return " ".join(text.split())[:MAX_QUERY_LENGTH]
