from django import template

from synclog.models import SyncRun

register = template.Library()


@register.filter
def outcome_label(value):
    """A run's outcome (as stored) in the merchant's words and language."""
    try:
        return SyncRun.Outcome(value).label
    except ValueError:
        return value
