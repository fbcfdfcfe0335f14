"""Model fields shared by the apps."""

from __future__ import annotations

import orjson
from django.db import models
from django.db.models.fields.json import KeyTransform


class FastJSONField(models.JSONField):
    """A JSONField read with orjson: a list page decodes five JSON columns per invoice.

    Same values as `json.loads` for what we store (objects, strings, small numbers);
    anything orjson refuses (integers beyond 64 bits) is read the standard way.
    """

    def from_db_value(self, value, expression, connection):
        plain = self.decoder is None and not isinstance(expression, KeyTransform)
        if plain and isinstance(value, str):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                pass
        return super().from_db_value(value, expression, connection)
