"""`{% dashboard_panel %}`: the dashboard above the admin index's app list."""

from __future__ import annotations

from django import template

from dashboard.panel import dashboard_context

register = template.Library()


@register.inclusion_tag("dashboard/panel.html", takes_context=True)
def dashboard_panel(context) -> dict:
    return dashboard_context(user=context["request"].user)
