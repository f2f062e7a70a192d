from django.conf import settings

from config.celery import app


def test_tasks_speak_json_only_and_are_acknowledged_late():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1


def test_a_dead_workers_messages_come_back_within_five_minutes_and_no_countdown_outlasts_them():
    from integrations.tasking import BACKOFF_CAP_S, retry_countdown

    conf = app.conf
    assert conf.task_soft_time_limit < conf.task_time_limit
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert visibility <= 300
    # a countdown longer than the visibility timeout would be delivered again and again
    assert visibility > BACKOFF_CAP_S
    assert retry_countdown(retries=30, retry_after=3600) <= BACKOFF_CAP_S


def test_leases_are_shorter_than_five_minutes_with_the_sweepers_minute():
    assert settings.SYNC_RUN_HEARTBEAT_S * 3 <= settings.SYNC_RUN_LEASE_S
    for name in ("interrupt-dead-syncs", "requeue-webhook-events"):
        assert settings.CELERY_BEAT_SCHEDULE[name]["schedule"].total_seconds() == 60
    # dead at t: its lease runs out by t + lease, a sweep comes within the next minute
    assert settings.SYNC_RUN_LEASE_S + 60 < 300
    assert settings.WEBHOOK_CLAIM_LEASE_S + 60 < 300


def test_the_three_queues_exist_and_beat_dispatches_every_minute():
    assert {q.name for q in app.conf.task_queues} == {"webhooks", "sync", "default"}
    dispatch = settings.CELERY_BEAT_SCHEDULE["dispatch-due-syncs"]
    assert dispatch["task"] == "integrations.tasks.connections_dispatch_due_task"
    assert dispatch["schedule"].total_seconds() == 60


def test_every_task_shares_the_house_policy():
    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert "integrations.tasks.connection_sync_task" in ours
    for name, task in ours.items():
        assert task.acks_late is True, name
        assert task.reject_on_worker_lost is True, name
    assert app.tasks["integrations.tasks.connection_sync_task"].queue == "sync"


def test_the_tasks_queued_by_name_are_the_tasks_module_s_with_their_queues():
    from integrations import tasks
    from integrations.tasking import QUEUED_BY_NAME

    for name in QUEUED_BY_NAME:
        module, _, function = name.rpartition(".")
        assert module == tasks.__name__, name
        assert app.tasks[name] is getattr(tasks, function)._get_current_object(), name
        assert app.tasks[name].queue in {q.name for q in app.conf.task_queues}, name
