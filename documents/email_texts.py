"""The editable texts of the e-mails: subject and intro per kind, reminder level, language.

`CompanySettings.email_texts` holds what the company changed, as
``{key: {language: {"subject": ..., "intro": ...}}}`` with keys ``invoice``,
``credit_note`` and ``reminder_<level>`` (1..MAX_REMINDER_LEVEL); whatever it does not
hold is the translated default below (catalogue entries, documents/locale). Texts use
``{placeholder}``s from `PLACEHOLDERS` only: `email_texts_errors` refuses anything else
when saved (API and admin), and `fill` falls back to the default for a text saved
around that check, so no sent mail ever shows a raw placeholder.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from documents.formatting import SUPPORTED_LANGUAGES
from documents.labels import Text, pgettext_noop, translated

logger = logging.getLogger(__name__)

PLACEHOLDERS: Final = ("number", "amount_due", "due_date", "days_overdue", "company", "customer")
FIELDS: Final = ("subject", "intro")
MAX_REMINDER_LEVEL: Final = 5  # the reminder policy allows at most 5 levels
SUBJECT_MAX = 200
INTRO_MAX = 2000
# A subject is one header line; an intro may keep its line breaks.
_SUBJECT_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_INTRO_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

DEFAULTS: Final = MappingProxyType(
    {
        "invoice": (
            pgettext_noop("invoice e-mail subject", "Invoice {number} from {company}"),
            pgettext_noop(
                "invoice e-mail",
                "Please find attached our invoice {number}. The amount due is {amount_due}, "
                "payable by {due_date}.",
            ),
        ),
        "credit_note": (
            pgettext_noop("invoice e-mail subject", "Credit note {number} from {company}"),
            pgettext_noop(
                "invoice e-mail",
                "Please find attached our credit note {number}. We will refund {amount_due} "
                "or set it off against open invoices.",
            ),
        ),
        "reminder_1": (
            pgettext_noop("invoice e-mail subject", "Payment reminder: invoice {number}"),
            pgettext_noop(
                "invoice e-mail",
                "Our invoice {number} was due on {due_date} and we have not yet received "
                "the amount due of {amount_due}. Perhaps this has escaped your attention: "
                "please transfer it within the next few days. If you have already paid, "
                "please disregard this reminder.",
            ),
        ),
        "reminder_2": (
            pgettext_noop("invoice e-mail subject", "Second reminder: invoice {number}"),
            pgettext_noop(
                "invoice e-mail",
                "Despite our reminder, our invoice {number} of {amount_due}, due on "
                "{due_date}, is still unpaid ({days_overdue} days overdue). Please transfer "
                "the amount within seven days.",
            ),
        ),
        # Level 3 and above.
        "reminder_3": (
            pgettext_noop("invoice e-mail subject", "Final notice: invoice {number}"),
            pgettext_noop(
                "invoice e-mail",
                "Our invoice {number} of {amount_due} is now {days_overdue} days overdue. "
                "This is our final notice: please pay the amount immediately to avoid "
                "further steps.",
            ),
        ),
    }
)
KEYS: Final = (
    "invoice",
    "credit_note",
    *(f"reminder_{level}" for level in range(1, MAX_REMINDER_LEVEL + 1)),
)


def text_key(*, kind: str, reminder_level: int | None) -> str:
    """``invoice``, ``credit_note`` or ``reminder_<level>``."""
    if reminder_level:
        return f"reminder_{reminder_level}"
    return "credit_note" if kind == "credit_note" else "invoice"


def _default(key: str) -> tuple[Text, Text]:
    if key.startswith("reminder_"):
        level = int(key.removeprefix("reminder_"))
        return DEFAULTS[f"reminder_{min(level, 3)}"]
    return DEFAULTS[key]


def _placeholder_problem(template: str) -> str:
    """What is wrong with a text's placeholders ("" if nothing)."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:  # "{number" or a lone "}"
        return f"malformed placeholder ({exc}); write a literal brace as {{{{ or }}}}"
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            return f"unknown placeholder {{{name}}}; use {', '.join(_braced())}"
        if spec or conversion:
            return f"placeholder {{{name}}} takes no format or conversion"
    return ""


def _braced() -> list[str]:
    return [f"{{{name}}}" for name in PLACEHOLDERS]


def email_texts_errors(value: Any) -> list[str]:
    """Every problem of an `email_texts` value, each naming its key ("reminder_1.de.subject")."""
    if not isinstance(value, Mapping):
        return ['expected an object like {"invoice": {"en": {"subject": "...", "intro": "..."}}}']
    problems = []
    for key, languages in value.items():
        if key not in KEYS:
            problems.append(f"{key}: unknown text; use one of {', '.join(KEYS)}")
            continue
        if not isinstance(languages, Mapping):
            problems.append(
                f"{key}: expected an object by language ({', '.join(SUPPORTED_LANGUAGES)})"
            )
            continue
        for lang, fields in languages.items():
            where = f"{key}.{lang}"
            if lang not in SUPPORTED_LANGUAGES:
                problems.append(f"{where}: unknown language; use {', '.join(SUPPORTED_LANGUAGES)}")
                continue
            if not isinstance(fields, Mapping):
                problems.append(f"{where}: expected an object with subject and/or intro")
                continue
            for field, template in fields.items():
                problems.extend(_field_problems(f"{where}.{field}", field, template))
    return problems


def _field_problems(where: str, field: str, template: Any) -> list[str]:
    if field not in FIELDS:
        return [f"{where}: unknown field; use subject or intro"]
    if not isinstance(template, str) or not template.strip():
        return [f"{where}: expected a non-empty text"]
    limit, forbidden = (
        (SUBJECT_MAX, _SUBJECT_FORBIDDEN) if field == "subject" else (INTRO_MAX, _INTRO_FORBIDDEN)
    )
    if len(template) > limit:
        return [f"{where}: at most {limit} characters"]
    if forbidden.search(template):
        return [
            f"{where}: no line breaks or control characters"
            if field == "subject"
            else f"{where}: no control characters"
        ]
    problem = _placeholder_problem(template)
    return [f"{where}: {problem}"] if problem else []


def fill(template: str, values: Mapping[str, str]) -> str:
    """`template` with its placeholders replaced; raises ValueError if any is unknown."""
    if problem := _placeholder_problem(template):
        raise ValueError(problem)
    return template.format_map(values)


def email_text(
    texts: Mapping[str, Any] | None, *, key: str, lang: str, values: Mapping[str, str]
) -> tuple[str, str]:
    """The (subject, intro) of `key` in `lang`, filled in: the company's text, else the
    translated default (also for a company text that cannot be filled)."""
    subject_default, intro_default = _default(key)
    custom = ((texts or {}).get(key) or {}).get(lang) or {}
    if not isinstance(custom, Mapping):
        custom = {}
    filled = []
    with translated(lang) as translate:
        for field, default in (("subject", subject_default), ("intro", intro_default)):
            template = custom.get(field)
            if isinstance(template, str) and template.strip():
                try:
                    filled.append(fill(template, values))
                    continue
                except ValueError:
                    logger.warning(
                        "E-mail text %s.%s.%s is invalid; default used", key, lang, field
                    )
            filled.append(fill(translate(default), values))
    subject, intro = filled
    return " ".join(subject.split()), intro.strip()
