from django.conf import settings

from config.celery import app


def test_tasks_speak_json_only_and_are_acknowledged_late():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1


def test_time_limits_stay_below_the_redis_visibility_timeout():
    conf = app.conf
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.task_time_limit * 6 <= conf.broker_transport_options["visibility_timeout"]


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
