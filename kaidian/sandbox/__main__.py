"""``python -m kaidian.sandbox``: serve the sandbox (SANDBOX_HOST / SANDBOX_PORT, default 127.0.0.1:5100)."""

from __future__ import annotations

import logging
import os

from kaidian.sandbox.app import create_sandbox_app, start_ticket_pusher


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    host = os.environ.get("SANDBOX_HOST", "127.0.0.1")
    port = int(os.environ.get("SANDBOX_PORT", "5100"))
    config = {} if os.environ.get("PUBLIC_BASE") else {"PUBLIC_BASE": f"http://{host}:{port}"}
    app = create_sandbox_app(config)
    pusher = start_ticket_pusher(app)
    try:
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    finally:
        if pusher:
            pusher.stop()


if __name__ == "__main__":
    main()
