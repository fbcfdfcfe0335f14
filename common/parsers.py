"""JSON parsing that keeps numbers exact and never crashes on hostile input."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

# What XML 1.0 may carry (its `Char` production). Text goes into UBL and CII e-invoices:
# a control character (or U+FFFE) stored on an issued, immutable invoice would make its
# e-invoice impossible to build, for good. Tab, newline and carriage return are fine.
_NOT_XML_TEXT = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
CONTROL_CHARACTERS_MESSAGE = "Control characters are not allowed."


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a valid JSON number")


def _text_errors(data: Any) -> Any:
    """Errors shaped like DRF's nested ones ({"items": {"3": {"description": [...]}}})."""
    if isinstance(data, str):
        return [CONTROL_CHARACTERS_MESSAGE] if _NOT_XML_TEXT.search(data) else None
    if isinstance(data, dict):
        errors = {}
        for key, value in data.items():
            if _NOT_XML_TEXT.search(key):
                errors["non_field_errors"] = [CONTROL_CHARACTERS_MESSAGE]
            elif (inner := _text_errors(value)) is not None:
                errors[key] = inner
        return errors or None
    if isinstance(data, list):
        errors = {str(i): inner for i, v in enumerate(data) if (inner := _text_errors(v))}
        return errors or None
    return None


class StrictJSONParser(JSONParser):
    """Floats parse as `Decimal` (19.99 stays 19.99); NaN/Infinity, deep nesting and
    control characters in strings are 400s."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", "utf-8")
        try:
            raw = stream.read() if stream is not None else b""
            data = json.loads(
                raw.decode(encoding),
                parse_float=Decimal,
                parse_constant=_reject_constant,
            )
            errors = _text_errors(data)
        except RecursionError as exc:
            raise ParseError("JSON nested too deeply.") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        except LookupError as exc:  # `charset=bz2_codec`: a codec, but not a text encoding
            raise ParseError(f"Unsupported charset {encoding!r}.") from exc
        if errors is not None:
            raise ValidationError(
                errors if isinstance(errors, dict) else {"non_field_errors": errors}
            )
        return data
