"""Run the action server (rasa_sdk 3.6) with safe defaults: ``make run`` and the tests use this.

``rasa run actions`` binds 0.0.0.0, allows every CORS origin and, on any error, answers
with the request body it was sent (the whole conversation tracker). The action server has
no authentication of its own, so here it listens on loopback unless ``ACTION_BIND`` says
otherwise (a private network only, see README), sends no CORS headers (only Rasa calls it)
and answers errors with a generic JSON message.

Usage: action_server.py [--port 5055] [--host 127.0.0.1] [--actions actions]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rasa_sdk import utils  # noqa: E402
from rasa_sdk.endpoint import create_app  # noqa: E402
from sanic import Sanic, response  # noqa: E402
from sanic.exceptions import SanicException  # noqa: E402
from sanic.request import Request  # noqa: E402
from sanic.response import HTTPResponse  # noqa: E402

logger = logging.getLogger("action_server")


def create_hardened_app(actions_package: str) -> Sanic:
    """rasa_sdk's app with an error handler that never quotes the request."""
    app = create_app(actions_package, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = int(os.environ.get("ISK_ACTION_MAX_BODY_BYTES", str(8 * 1024 * 1024)))

    @app.exception(Exception)
    async def error(request: Request, exception: Exception) -> HTTPResponse:
        status = exception.status_code if isinstance(exception, SanicException) else 500
        if status >= 500:
            logger.error("action server error on %s %s: %s", request.method, request.path, type(exception).__name__)
        return response.json({"error": "bad request" if status < 500 else "internal error"}, status=status)

    return app


def load_content_or_exit() -> None:
    """Validate the content store before serving: a broken file stops start-up at once,
    naming the file and the problem, instead of failing on a reader's first question."""
    from actions.actions import default_store
    from actions.content_store import ContentError

    try:
        default_store()
    except ContentError as error:
        print(f"content error: {error}", file=sys.stderr)
        sys.exit(2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT", "5055")))
    parser.add_argument("--host", default=os.environ.get("ACTION_BIND", "127.0.0.1"))
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args()
    os.chdir(ROOT)
    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    utils.update_sanic_log_level()
    load_content_or_exit()
    app = create_hardened_app(args.actions)
    logger.info("action server on http://%s:%s (no CORS, errors without request bodies)", args.host, args.port)
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
