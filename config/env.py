"""One environment reader for every setting.

Parsing is strict: a boolean that is not a recognised word is an error, never False, and every
secret can come from a file named by ``<NAME>_FILE`` (Docker and Kubernetes secrets).
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class StrictEnv(environ.Env):
    """django-environ with strict booleans and ``*_FILE`` secrets."""

    def bool(self, var, default=environ.Env.NOTSET):  # noqa: A003 - django-environ's name
        raw = self._raw(var, default)
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"{var} must be one of {sorted(_TRUE | (_FALSE - {''}))}, not {raw!r}."
        )

    def secret(self, var, default=environ.Env.NOTSET):
        """A secret from ``VAR`` or from the file named by ``VAR_FILE``, stripped."""
        file_var = f"{var}_FILE"
        if file_var in self.ENVIRON:
            path = Path(self.ENVIRON[file_var])
            try:
                return path.read_text().strip()
            except OSError as exc:
                raise ImproperlyConfigured(f"{file_var} points at {path}, which cannot be read: {exc}") from exc
        return self.str(var, default=default)

    def secret_list(self, var, default=environ.Env.NOTSET):
        """A comma- or newline-separated list of secrets (newest first)."""
        value = self.secret(var, default=default)
        if isinstance(value, list | tuple):
            return list(value)
        return [item.strip() for item in value.replace("\n", ",").split(",") if item.strip()]

    def _raw(self, var, default):
        if var in self.ENVIRON:
            return self.ENVIRON[var]
        if default is environ.Env.NOTSET:
            raise ImproperlyConfigured(f"Set the {var} environment variable.")
        return default


env = StrictEnv()
