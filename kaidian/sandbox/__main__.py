"""``python -m kaidian.sandbox``: serve the sandbox (SANDBOX_HOST / SANDBOX_PORT, default 127.0.0.1:5100).

``python -m kaidian.sandbox release-check [APPID]`` asks the running sandbox to run WeChat's full-release
checks against the platform and prints pass/fail per check (exit status 1 when one fails).
"""

from __future__ import annotations

import logging
import os
import sys

from kaidian.sandbox.app import create_sandbox_app, start_ticket_pusher


def release_check(appid: str) -> int:
    import requests

    host = os.environ.get("SANDBOX_HOST", "127.0.0.1")
    port = int(os.environ.get("SANDBOX_PORT", "5100"))
    answer = requests.post(f"http://{host}:{port}/sandbox/release_checks", json={"appid": appid}, timeout=60).json()
    if answer.get("errcode"):
        print(answer.get("errmsg"))
        return 2
    for check in answer["checks"]:
        print(f"{'PASS' if check['passed'] else 'FAIL'}  {check['name']:<7} {check['detail']}")
    return 0 if answer["passed"] else 1


def main() -> None:
    if sys.argv[1:2] == ["release-check"]:
        sys.exit(release_check(sys.argv[2] if len(sys.argv) > 2 else "wx570bc396a51b8ff8"))
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
