import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import StrictEnv


def make_env(values):
    env = StrictEnv()
    env.ENVIRON = values
    return env


@pytest.mark.parametrize("word,expected", [("true", True), ("1", True), ("ON", True), ("no", False), ("0", False)])
def test_booleans_accept_the_usual_words(word, expected):
    assert make_env({"DEBUG": word}).bool("DEBUG") is expected


@pytest.mark.parametrize("junk", ["treu", "maybe", "2", "enabled"])
def test_junk_in_a_boolean_is_an_error_not_false(junk):
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        make_env({"DEBUG": junk}).bool("DEBUG")


def test_missing_boolean_without_default_names_the_variable():
    with pytest.raises(ImproperlyConfigured, match="SANDBOX_ENABLED"):
        make_env({}).bool("SANDBOX_ENABLED")


def test_secret_is_read_from_the_file_named_by_the_file_variant(tmp_path):
    secret_file = tmp_path / "secret_key"
    secret_file.write_text("from-a-file\n")
    env = make_env({"SECRET_KEY_FILE": str(secret_file), "SECRET_KEY": "from-the-variable"})
    assert env.secret("SECRET_KEY") == "from-a-file"


def test_unreadable_secret_file_is_a_clear_error(tmp_path):
    env = make_env({"SECRET_KEY_FILE": str(tmp_path / "missing")})
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FILE"):
        env.secret("SECRET_KEY")


def test_secret_list_splits_commas_and_lines_newest_first(tmp_path):
    keys = tmp_path / "keys"
    keys.write_text("new-key\nold-key, older-key\n")
    assert make_env({"FIELD_ENCRYPTION_KEYS_FILE": str(keys)}).secret_list("FIELD_ENCRYPTION_KEYS") == [
        "new-key",
        "old-key",
        "older-key",
    ]


def test_production_settings_refuse_to_start_without_a_database(monkeypatch):
    import importlib
    import sys

    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    for name in ["config.settings.production", "config.settings.base"]:
        sys.modules.pop(name, None)
    try:
        with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
            importlib.import_module("config.settings.production")
    finally:
        for name in ["config.settings.production", "config.settings.base"]:
            sys.modules.pop(name, None)


def test_production_settings_are_https_only(monkeypatch):
    import importlib
    import sys

    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/flyt")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("CSRF_TRUSTED_ORIGINS", "https://app.flyt.example")
    for name in ["config.settings.production", "config.settings.base"]:
        sys.modules.pop(name, None)
    try:
        production = importlib.import_module("config.settings.production")
        assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
        assert production.SECURE_HSTS_SECONDS >= 31536000
        assert production.CSRF_TRUSTED_ORIGINS == ["https://app.flyt.example"]
        assert production.DEBUG is False
        assert production.CELERY_TASK_ALWAYS_EAGER is False
    finally:
        for name in ["config.settings.production", "config.settings.base"]:
            sys.modules.pop(name, None)
