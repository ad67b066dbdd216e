"""``python -m kaidian.sandbox``: serve the sandbox (SANDBOX_HOST / SANDBOX_PORT, default 127.0.0.1:5100),
pushing to the platform on PORT (default 5000)."""

from __future__ import annotations

import logging

from kaidian.sandbox.app import create_sandbox_app, start_ticket_pusher


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_sandbox_app()
    settings = app.config["SANDBOX"]
    host, port = settings["SANDBOX_HOST"], settings["SANDBOX_PORT"]
    pusher = start_ticket_pusher(app)
    try:
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    finally:
        if pusher:
            pusher.stop()


if __name__ == "__main__":
    main()
