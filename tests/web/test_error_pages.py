"""Flyt's own 404 and 500 pages, and `make run` serving without Django's debug pages."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_an_unknown_address_answers_flyts_404_page(client_a):
    response = client_a.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and "Flyt" in page
    assert "URLconf" not in page and "Traceback" not in page
    assert 'name="viewport"' in page  # phone-sized screens


@pytest.mark.django_db
def test_a_failing_view_answers_flyts_500_page(settings, client_a):
    settings.ROOT_URLCONF = "tests.web.error_urls"
    client_a.raise_request_exception = False
    response = client_a.get("/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page and "Flyt" in page
    assert "a bug" not in page and "RuntimeError" not in page and "Traceback" not in page
    assert 'name="viewport"' in page


def test_the_500_page_renders_without_a_request_or_database():
    from django.template import loader

    page = loader.get_template("500.html").render()
    assert "Something went wrong" in page


_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
missing = client.get("/no-such-page/")
static = client.get("/static/admin/css/base.css")
print(json.dumps({"debug": settings.DEBUG, "status": missing.status_code, "page": missing.content.decode(),
                  "static": static.status_code}))
"""


def _serve_like_make_run(tmp_path, **env):
    """What `make run` serves in its embedded default: manage.py's settings, nothing configured."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("DEBUG", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "SANDBOX_ENABLED")}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings.local", SQLITE_PATH=str(tmp_path / "flyt.sqlite3"),
                 SANDBOX_STATE_DIR=str(tmp_path / "sandbox"), **env)
    result = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, env=clean, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_make_run_serves_flyts_404_page_not_the_debug_page_and_still_serves_static_files(tmp_path):
    served = _serve_like_make_run(tmp_path)
    assert served["debug"] is False
    assert served["status"] == 404
    assert "Page not found" in served["page"]
    assert "URLconf" not in served["page"] and "Using the URLconf" not in served["page"]
    assert served["static"] == 200


def test_developers_can_still_opt_in_to_debug_pages(tmp_path):
    served = _serve_like_make_run(tmp_path, DEBUG="true")
    assert served["debug"] is True
