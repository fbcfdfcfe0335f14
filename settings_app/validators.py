import zoneinfo
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image

from invoices.calculation import minor_unit

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


MAX_REMINDER_LEVELS = 5
_LEVEL_KEYS = {"days_after_due", "fee_amount", "tax_category", "tax_rate"}
# A reminder fee is a claim for damages, not a supply: not subject to VAT (O) unless the
# level says otherwise; E, AE, K and G need reasons a fee cannot carry.
FEE_TAX_CATEGORIES = ("O", "S", "Z")


def _decimal_text(value: object) -> Decimal | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def reminder_levels_errors(
    levels: object, currency: str, *, late_interest: bool = False
) -> list[str]:
    """What is wrong with a `reminder_levels` policy (empty: nothing).

    At most 5 levels of `{days_after_due, fee_amount}` (plus optional `tax_category`,
    `tax_rate` of the fee), days ≥ 0 and strictly increasing, the fee a non-negative
    decimal string in `currency`'s minor unit. With `late_interest` the fees stay in
    category O: the interest (never subject to VAT) is on the same fee invoice, and an
    invoice with an O group may have no other (EN 16931 BR-O-11).
    """
    if not isinstance(levels, list):
        return ["A list of {days_after_due, fee_amount} levels."]
    if len(levels) > MAX_REMINDER_LEVELS:
        return [f"At most {MAX_REMINDER_LEVELS} reminder levels."]
    places = minor_unit(currency)
    problems: list[str] = []
    previous = -1
    for number, level in enumerate(levels, start=1):
        where = f"Level {number}"
        if not isinstance(level, dict):
            problems.append(f"{where}: an object {{days_after_due, fee_amount}}.")
            continue
        if unknown := sorted(set(level) - _LEVEL_KEYS):
            problems.append(f"{where}: unknown keys {', '.join(unknown)}.")
        days = level.get("days_after_due")
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3650:
            problems.append(f"{where}: days_after_due must be a whole number from 0 to 3650.")
        else:
            if days <= previous:
                problems.append(f"{where}: days_after_due must be later than the level before.")
            previous = days
        fee = _decimal_text(level.get("fee_amount", "0"))
        if fee is None or fee < 0:
            problems.append(f"{where}: fee_amount must be a decimal string of 0 or more.")
        elif -fee.as_tuple().exponent > places or fee >= Decimal("1e12"):
            problems.append(f"{where}: fee_amount has at most {places} decimals in {currency}.")
        category = level.get("tax_category", "O")
        if category not in FEE_TAX_CATEGORIES:
            allowed = ", ".join(FEE_TAX_CATEGORIES)
            problems.append(f"{where}: tax_category must be one of {allowed}.")
        elif late_interest and category != "O":
            problems.append(
                f"{where}: with late_interest the fee is not subject to VAT (tax_category O): "
                "the interest goes on the same fee invoice (EN 16931 BR-O-11)."
            )
        if "tax_rate" in level:
            rate = _decimal_text(level["tax_rate"])
            if rate is None or not 0 <= rate <= 100 or -rate.as_tuple().exponent > 2:
                problems.append(f"{where}: tax_rate must be a decimal string from 0 to 100.")
            elif category != "S" and rate != 0:
                problems.append(f"{where}: tax category {category} takes tax_rate 0.")
    return problems
