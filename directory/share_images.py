"""The picture a link preview shows for a page without an agency logo: 1200×630 PNG,
the brand colour, "Wegweiser" and the page's title in the reader's language.

Fonts come from ``DIRECTORY_SHARE_IMAGE_FONT_DIR`` (Debian's fonts-noto-core by
default). A title is drawn only when a font there has every one of its letters and,
for right-to-left scripts, when Pillow can shape them (libraqm): otherwise the card
shows the brand alone rather than boxes or unjoined Arabic letters.
"""

import io
import unicodedata
from functools import cache
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont, features

WIDTH, HEIGHT = 1200, 630
BRAND = "#0b5cab"
BRAND_DARK = "#08447f"
INK = "#ffffff"
MARGIN = 80

# Font files per script, bold first; Noto Sans covers Latin, Cyrillic and Greek.
SCRIPT_FONTS = {
    "latin": ("NotoSans-Bold.ttf", "NotoSans-Regular.ttf"),
    "arabic": ("NotoSansArabic-Bold.ttf", "NotoNaskhArabic-Bold.ttf"),
    "ethiopic": ("NotoSansEthiopic-Bold.ttf", "NotoSansEthiopic-Regular.ttf"),
}
RTL_SCRIPTS = {"arabic"}


def _font_dir() -> Path:
    return Path(settings.DIRECTORY_SHARE_IMAGE_FONT_DIR)


@cache
def _font_file(script: str, folder: str) -> Path | None:
    for name in SCRIPT_FONTS.get(script, ()):
        path = Path(folder) / name
        if path.is_file():
            return path
    return None


def _font(script: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_file(script, str(_font_dir()))
    if path is None:
        # Pillow's own font: Latin letters only, so only the brand is drawn in it.
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(str(path), size)


def script_of(text: str) -> str | None:
    """The script of the letters in ``text`` ("latin", "arabic", "ethiopic"), or
    None when they mix scripts or use one we have no font for."""
    scripts = set()
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        if name.startswith(("LATIN", "CYRILLIC", "GREEK")):
            scripts.add("latin")
        elif name.startswith("ARABIC"):
            scripts.add("arabic")
        elif name.startswith("ETHIOPIC"):
            scripts.add("ethiopic")
        else:
            return None
    # Latin letters beside another script ("B1" in an Arabic title) are drawn in
    # that script's font if it has them (checked by title_drawable).
    if len(scripts) > 1:
        scripts.discard("latin")
    if not scripts:
        return "latin"
    return scripts.pop() if len(scripts) == 1 else None


def title_drawable(text: str) -> str | None:
    """The script to draw ``text`` in, or None when it would come out broken."""
    script = script_of(text)
    if script is None or _font_file(script, str(_font_dir())) is None:
        return None
    if script in RTL_SCRIPTS and not features.check("raqm"):
        return None
    font = _font(script, 40)
    if isinstance(font, ImageFont.FreeTypeFont) and not _covers(font, text):
        return None
    return script


def _glyph(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    image = Image.new("L", (80, 80))
    ImageDraw.Draw(image).text((10, 10), char, font=font, fill=255)
    return image.tobytes()


def _covers(font: ImageFont.FreeTypeFont, text: str) -> bool:
    # Pillow has no "has glyph" call: a missing letter renders as the font's
    # .notdef box, the same as a private-use code point no font has.
    missing = _glyph(font, "\U0010fffd")
    return all(char.isspace() or _glyph(font, char) != missing for char in set(text))


def _lines(draw, text: str, font, width: int, direction: str | None) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font, direction=direction) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
    if line:
        lines.append(line)
    return lines


def _fit(draw, text: str, script: str, direction: str | None):
    """The largest font size (72…36 px) at which ``text`` takes three lines at
    most; the last line is shortened with an ellipsis when even 36 px is too big."""
    width = WIDTH - 2 * MARGIN
    for size in range(72, 35, -6):
        font = _font(script, size)
        lines = _lines(draw, text, font, width, direction)
        if len(lines) <= 3:
            return font, lines, size
    lines = _lines(draw, text, font, width, direction)[:3]
    last = lines[-1]
    while last and draw.textlength(last + " …", font=font, direction=direction) > width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    lines[-1] = f"{last} …"
    return font, lines, size


def share_image_png(*, title: str, brand: str = "Wegweiser", footer: str = "") -> bytes:
    """A 1200×630 PNG card with ``brand``, ``footer`` (the site's address) and,
    when it can be drawn well, ``title``."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BRAND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, HEIGHT - 90, WIDTH, HEIGHT), fill=BRAND_DARK)
    script = title_drawable(title) if title else None
    rtl = script in RTL_SCRIPTS
    brand_font = _font("latin", 44)
    # The brand sits where a reader's eye starts: top left, or top right for RTL.
    brand_width = draw.textlength(brand, font=brand_font)
    brand_x = WIDTH - MARGIN - brand_width if rtl else MARGIN
    draw.text((brand_x, 60), brand, font=brand_font, fill=INK)
    draw.rectangle(
        (
            (WIDTH - MARGIN - 120, 130, WIDTH - MARGIN, 136)
            if rtl
            else (MARGIN, 130, MARGIN + 120, 136)
        ),
        fill=INK,
    )
    if footer and script_of(footer) == "latin":
        footer_font = _font("latin", 30)
        footer_width = draw.textlength(footer, font=footer_font)
        footer_x = WIDTH - MARGIN - footer_width if rtl else MARGIN
        draw.text((footer_x, HEIGHT - 68), footer, font=footer_font, fill=INK)
    if script is not None:
        direction = "rtl" if rtl else None
        font, lines, size = _fit(draw, title, script, direction)
        line_height = int(size * 1.45)
        top = 180 + max(0, (3 - len(lines)) * line_height // 2)
        for number, line in enumerate(lines):
            y = top + number * line_height
            if rtl:
                length = draw.textlength(line, font=font, direction=direction)
                draw.text(
                    (WIDTH - MARGIN - length, y),
                    line,
                    font=font,
                    fill=INK,
                    direction=direction,
                )
            else:
                draw.text((MARGIN, y), line, font=font, fill=INK)
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()
