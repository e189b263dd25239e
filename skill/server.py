"""Running the endpoint under gunicorn, a production WSGI server, from our own command."""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication

from skill.config import ENV_PREFIX


class SkillServer(BaseApplication):
    """gunicorn's documented way to embed it: options from our CLI, the app from our factory."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from skill.app import create_app

        return create_app()


def serve(host: str, port: int, workers: int, verify: bool) -> None:
    # Workers build the app themselves, so the choice travels in the environment they inherit.
    os.environ[f"{ENV_PREFIX}_VERIFY"] = "true" if verify else "false"
    from skill.app import create_app

    create_app()  # fail fast, in the foreground, on a configuration error
    SkillServer(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "sync",
            "timeout": 30,
            # gunicorn's control socket is one fixed path per user; several servers would clash.
            "control_socket_disable": True,
            "accesslog": "-",
            # Access lines carry method, path, status and time: never bodies.
            "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
        }
    ).run()
