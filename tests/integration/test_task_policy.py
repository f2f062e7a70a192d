import pytest
from celery.exceptions import Retry

from integrations.errors import ConnectorError
from integrations.models import TaskAttempt
from integrations.tasking import flyt_task, retry_countdown

calls = []


@flyt_task(queue="default", max_retries=3)
def flaky_platform_call(outcome):
    calls.append(outcome)
    if outcome == "rate-limited":
        raise ConnectorError("Slow down", retryable=True, retry_after=30, status=429)
    if outcome == "bad-credentials":
        raise ConnectorError("The access token was refused", retryable=False, status=401)
    return "ok"


@pytest.fixture(autouse=True)
def _reset():
    calls.clear()


def run_delivery(task_id, *args):
    """One delivery of a message, as a worker would run it (same task id on re-delivery)."""
    return flaky_platform_call.apply(args=args, task_id=task_id, throw=True)


@pytest.mark.django_db
def test_a_successful_task_leaves_no_attempt_row():
    assert run_delivery("t-ok", "fine").get() == "ok"
    assert not TaskAttempt.objects.filter(task_id="t-ok").exists()


@pytest.mark.django_db
def test_a_retryable_error_is_retried_no_sooner_than_the_platform_asked():
    with pytest.raises(Retry) as info:
        run_delivery("t-429", "rate-limited")
    assert info.value.when >= 30
    attempt = TaskAttempt.objects.get(task_id="t-429")
    assert attempt.deliveries == 1 and not attempt.gave_up and "Slow down" in attempt.last_error


@pytest.mark.django_db
def test_a_permanent_error_is_not_retried():
    with pytest.raises(ConnectorError):
        run_delivery("t-401", "bad-credentials")
    assert TaskAttempt.objects.get(task_id="t-401").gave_up


@pytest.mark.django_db
def test_a_message_that_keeps_coming_back_is_given_up_after_the_cap(settings):
    """A poison message (its worker dies every time) is re-delivered with the same id; the
    database count stops it from running past TASK_MAX_DELIVERIES."""
    settings.TASK_MAX_DELIVERIES = 3
    TaskAttempt.objects.create(task_id="t-poison", task_name="flaky", deliveries=3)  # three deaths so far
    assert run_delivery("t-poison", "fine").get() is None
    assert calls == []
    assert TaskAttempt.objects.get(task_id="t-poison").gave_up
    assert run_delivery("t-poison", "fine").get() is None
    assert calls == []


def test_backoff_is_jittered_capped_and_respects_retry_after():
    samples = [retry_countdown(retries=10) for _ in range(200)]
    assert all(0 <= s <= 600 for s in samples)
    assert len({round(s, 3) for s in samples}) > 100  # full jitter, not a fixed delay
    assert all(retry_countdown(retries=0, retry_after=45) >= 45 for _ in range(50))
