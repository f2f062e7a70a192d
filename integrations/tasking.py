"""One retry policy for every Celery task.

``flyt_task`` makes a function a Celery task that is acknowledged late and re-queued if its
worker dies, counts its deliveries in the database (``TaskAttempt``) and gives up for good past
``TASK_MAX_DELIVERIES`` — so a message that kills its worker cannot loop — and retries
retryable failures with exponential backoff and full jitter, waiting at least as long as a
platform asked (``retry_after``).

``enqueue`` queues a task by its registered name, so that the services and the engine below
``integrations.tasks`` can start work without importing the module that calls them.
"""

import logging
import random
from functools import wraps

from celery import current_app, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F

from integrations.errors import ConnectorError
from integrations.models import TaskAttempt

logger = logging.getLogger("flyt.tasks")

# The tasks queued from below ``integrations.tasks``, by the name ``flyt_task`` registers them under.
CONNECTION_SYNC = "integrations.tasks.connection_sync_task"
INTEGRATION_SYNC = "integrations.tasks.integration_sync_task"
WEBHOOK_EVENT_PROCESS = "integrations.tasks.webhook_event_process_task"
STOCK_PUSH = "integrations.tasks.stock_push_task"
STOCK_RECONCILE = "integrations.tasks.stock_reconcile_task"
STOCK_CONNECTION_START = "integrations.tasks.stock_connection_start_task"
STOCK_POLL = "integrations.tasks.stock_poll_task"
QUEUED_BY_NAME = (CONNECTION_SYNC, INTEGRATION_SYNC, WEBHOOK_EVENT_PROCESS, STOCK_PUSH, STOCK_RECONCILE,
                  STOCK_CONNECTION_START, STOCK_POLL)

BACKOFF_BASE_S = 2
BACKOFF_CAP_S = 240  # below the broker's visibility timeout (300 s): a longer countdown is delivered again


def retry_countdown(*, retries, retry_after=None, base=BACKOFF_BASE_S, cap=BACKOFF_CAP_S):
    """Seconds to wait before retry number ``retries + 1``: full jitter, never below retry_after."""
    wait = random.uniform(0, min(cap, base * (2**retries)))
    if retry_after:
        wait = max(wait, float(retry_after))
    return min(wait, cap)


def _retryable(exc):
    if isinstance(exc, ConnectorError):
        return exc.retryable
    return isinstance(exc, OperationalError | InterfaceError)


def _count_delivery(task_id, task_name):
    """Count this delivery; False when the message has been delivered too often already."""
    with transaction.atomic():
        attempt, _ = TaskAttempt.objects.get_or_create(task_id=task_id, defaults={"task_name": task_name})
        TaskAttempt.objects.filter(pk=attempt.pk).update(deliveries=F("deliveries") + 1)
        attempt.refresh_from_db()
        if attempt.gave_up:
            return False
        if attempt.deliveries > settings.TASK_MAX_DELIVERIES:
            TaskAttempt.objects.filter(pk=attempt.pk).update(gave_up=True)
            logger.error("task %s id=%s given up after %s deliveries", task_name, task_id, attempt.deliveries - 1)
            return False
    return True


def _finish(task_id, *, error=None, gave_up=False):
    if error is None:
        TaskAttempt.objects.filter(task_id=task_id).delete()
    else:
        TaskAttempt.objects.filter(task_id=task_id).update(last_error=error[:2000], gave_up=gave_up)


def flyt_task(*, queue="default", max_retries=5, **options):
    """Decorate a function taking ids only; it becomes a task on ``queue`` with the house policy."""

    def decorator(func):
        name = f"{func.__module__}.{func.__name__}"

        @shared_task(bind=True, name=name, queue=queue, acks_late=True, reject_on_worker_lost=True,
                     max_retries=max_retries, **options)
        @wraps(func)
        def task(self, *args, **kwargs):
            task_id = self.request.id
            if not _count_delivery(task_id, name):
                return None
            try:
                result = func(*args, **kwargs)
            except Exception as exc:
                description = f"{type(exc).__name__}: {exc}"
                if _retryable(exc) and self.request.retries < max_retries:
                    countdown = retry_countdown(retries=self.request.retries,
                                                retry_after=getattr(exc, "retry_after", None))
                    logger.warning("task %s id=%s retry %s in %.1fs: %s", name, task_id, self.request.retries + 1,
                                   countdown, description)
                    _finish(task_id, error=description)
                    raise self.retry(exc=exc, countdown=countdown) from exc
                logger.exception("task %s id=%s failed for good", name, task_id)
                _finish(task_id, error=description, gave_up=True)
                raise
            _finish(task_id)
            return result

        return task

    return decorator


def enqueue(task_name, *args, countdown=None):
    """Queue the task registered as ``task_name`` (ids and plain values as ``args``), after ``countdown``
    seconds when given. Goes through the task itself, so its queue and, in eager mode (tests, the
    embedded default), its running in process apply as if the caller had imported it."""
    task = current_app.tasks[task_name]
    if countdown:
        return task.apply_async(args, countdown=countdown)
    return task.delay(*args)


def enqueue_on_commit(task_name, *args, countdown=None, robust=False):
    """``enqueue`` once the current transaction commits (at once outside one); ``robust``: a broker
    that cannot be reached is logged instead of failing the commit's other callbacks."""
    transaction.on_commit(lambda: enqueue(task_name, *args, countdown=countdown), robust=robust)
