"""Stable error codes of recurring invoices: clients branch on these."""

from common.exceptions import BusinessException

RECURRING_ERROR = "recurring_error"
RECURRING_NOT_ACTIVE = "recurring_not_active"
RECURRING_NOT_PAUSED = "recurring_not_paused"
RECURRING_ENDED = "recurring_ended"
RECURRING_HAS_INVOICES = "recurring_has_invoices"
RECURRING_CALENDAR_FIXED = "recurring_calendar_fixed"
# In `last_error` only (not raised to a client):
CATCH_UP_LIMIT = "catch_up_limit"
INTERNAL_ERROR = "internal_error"


class RecurringException(BusinessException):
    default_code = RECURRING_ERROR
    default_message = "The recurring invoice cannot be changed that way."


class RecurringNotActive(RecurringException):
    default_code = RECURRING_NOT_ACTIVE
    default_message = "Only an active schedule can be paused."


class RecurringNotPaused(RecurringException):
    default_code = RECURRING_NOT_PAUSED
    default_message = "Only a paused schedule can be resumed."


class RecurringEnded(RecurringException):
    default_code = RECURRING_ENDED
    default_message = "The schedule is cancelled; create a new one instead."


class RecurringHasInvoices(RecurringException):
    default_code = RECURRING_HAS_INVOICES
    default_message = (
        "The schedule has generated invoices and cannot be deleted; cancel it instead."
    )


class RecurringCalendarFixed(RecurringException):
    default_code = RECURRING_CALENDAR_FIXED
    default_message = (
        "Frequency, interval and start date are fixed once a period was billed: "
        "the anchor never moves. Cancel the schedule and create a new one."
    )
