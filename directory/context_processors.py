"""Template context for every page: languages, direction and the language switcher."""

from django.conf import settings
from django.utils.translation import get_language, get_language_bidi, get_language_info


def switch_language_path(path: str, code: str) -> str:
    """``path`` with its language prefix replaced by ``code``
    (same page, other language).
    """
    codes = {language for language, _name in settings.LANGUAGES}
    parts = path.split("/", 2)
    if len(parts) > 1 and parts[1] in codes:
        rest = parts[2] if len(parts) > 2 else ""
        return f"/{code}/{rest}"
    return f"/{code}/"


def languages(request) -> dict:
    current = get_language() or settings.LANGUAGE_CODE
    query = request.META.get("QUERY_STRING", "")
    suffix = f"?{query}" if query else ""
    switcher = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        switcher.append(
            {
                "code": code,
                "name_local": info["name_local"],
                "bidi": info["bidi"],
                "url": switch_language_path(request.path, code) + suffix,
                "current": code == current,
            }
        )
    return {
        "LANGUAGE_SWITCHER": switcher,
        "LANGUAGE_DIR": "rtl" if get_language_bidi() else "ltr",
        "SOURCE_LANGUAGE": settings.LANGUAGE_CODE,
    }
