"""Take phone-width screenshots of a running site (default http://127.0.0.1:8000).

Usage: .venv/bin/python scripts/screenshots.py [BASE_URL] [OUT_DIR]
Writes PNGs for the home, a topic, an offer and a contact point in German and Arabic.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser.chromium import CHROMIUM, LAUNCH_ARGS  # noqa: E402

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "test-artifacts/screens")
PATHS = {
    "home": "/{lang}/",
    "topic": "/{lang}/topics/sprache/",
    "offer": "/{lang}/vhs/integrationskurs-frauen-kinderbetreuung/",
    "contact-point": "/{lang}/caritas/car-zentrum/",
    "agency": "/{lang}/auslaenderbehoerde/",
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(
            viewport={"width": 360, "height": 740}, device_scale_factor=1
        )
        for lang in ("de", "ar"):
            for name, path in PATHS.items():
                response = page.goto(BASE + path.format(lang=lang))
                target = OUT / f"{name}-{lang}.png"
                page.screenshot(path=str(target), full_page=True)
                print(f"{response.status if response else '-'} {target}")
        browser.close()


if __name__ == "__main__":
    main()
