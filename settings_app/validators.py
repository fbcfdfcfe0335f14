import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError

_ALLOWED_LOGO_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


def validate_logo(file) -> None:
    if file.size > settings.LOGO_MAX_BYTES:
        raise ValidationError(f"The logo is larger than {settings.LOGO_MAX_BYTES // 1024} KiB.")
    image = getattr(file, "image", None)
    fmt = getattr(image, "format", None)
    if fmt is not None and fmt.upper() not in _ALLOWED_LOGO_FORMATS:
        raise ValidationError("The logo must be a PNG, JPEG, GIF or WebP image.")


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
