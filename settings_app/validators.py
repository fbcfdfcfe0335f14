import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image

_ALLOWED_LOGO_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


def validate_logo(file) -> None:
    if file.size > settings.LOGO_MAX_BYTES:
        raise ValidationError(f"The logo is larger than {settings.LOGO_MAX_BYTES // 1024} KiB.")
    image = getattr(file, "image", None)
    fmt = getattr(image, "format", None)
    if fmt is not None and fmt.upper() not in _ALLOWED_LOGO_FORMATS:
        raise ValidationError("The logo must be a PNG, JPEG, GIF or WebP image.")
    # A small file can hold a huge image (a 12000x12000 PNG of one colour is a few KB)
    # that every PDF would then scale: the header only, never the pixels, is read.
    width, height = getattr(image, "size", None) or _image_size(file)
    if width * height > settings.LOGO_MAX_PIXELS:
        raise ValidationError(
            f"The logo is {width}x{height} pixels; at most {settings.LOGO_MAX_PIXELS} pixels "
            "(LOGO_MAX_PIXELS, e.g. 4000x4000)."
        )


def _image_size(file) -> tuple[int, int]:
    try:
        position = file.tell()
        with Image.open(file) as image:
            size = image.size
        file.seek(position)
        return size
    except Exception:  # not readable here: the image field's own check refuses it
        return (0, 0)


def validate_timezone(value: str) -> None:
    """An IANA time zone name (`Europe/Berlin`): the company's calendar day."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Europe/Berlin).") from exc


def validate_number_format(value: str) -> None:
    """The format must contain {seq} and use only the known tokens."""
    if "{seq" not in value:
        raise ValidationError("The number format must contain the {seq} token.")
    try:
        value.format(series="INV", year=2026, seq=1)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValidationError(
            "Unknown token or bad format spec; use {series}, {year} and {seq:05d}."
        ) from exc
