"""JSON parsing that keeps numbers exact and never crashes on hostile input."""

from __future__ import annotations

import json
from decimal import Decimal

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a valid JSON number")


class StrictJSONParser(JSONParser):
    """Floats parse as `Decimal` (19.99 stays 19.99); NaN/Infinity and deep nesting are 400s."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", "utf-8")
        try:
            raw = stream.read() if stream is not None else b""
            return json.loads(
                raw.decode(encoding),
                parse_float=Decimal,
                parse_constant=_reject_constant,
            )
        except RecursionError as exc:
            raise ParseError("JSON nested too deeply.") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
