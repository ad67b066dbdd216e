"""``python -m kaidian.sandbox``: serve the sandbox (SANDBOX_HOST / SANDBOX_PORT, default 127.0.0.1:5100),
pushing to the platform on PORT (default 5000).

``python -m kaidian.sandbox release-check [APPID]`` asks the running sandbox to run WeChat's full-release
checks against the platform and prints pass/fail per check (exit status 1 when one fails).

``python -m kaidian.sandbox wait`` waits (up to 20 s) until the sandbox answers (``make run`` seeds the
demo stores' WeChat Pay merchants from it); exit status 1 when it never did.
"""

from __future__ import annotations

import logging
import sys

from kaidian.sandbox.app import create_sandbox_app, start_ticket_pusher
from kaidian.sandbox.config import load_config


def release_check(appid: str) -> int:
    import requests

    settings = load_config()
    url = f"http://{settings['SANDBOX_HOST']}:{settings['SANDBOX_PORT']}/sandbox/release_checks"
    answer = requests.post(url, json={"appid": appid}, timeout=60).json()
    if answer.get("errcode"):
        print(answer.get("errmsg"))
        return 2
    for check in answer["checks"]:
        print(f"{'PASS' if check['passed'] else 'FAIL'}  {check['name']:<7} {check['detail']}")
    return 0 if answer["passed"] else 1


def wait(seconds: float = 20.0) -> int:
    import time

    import requests

    settings = load_config()
    url = f"http://{settings['SANDBOX_HOST']}:{settings['SANDBOX_PORT']}/sandbox/state"
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            requests.get(url, timeout=1)
            return 0
        except requests.RequestException:
            time.sleep(0.25)
    print(f"the sandbox did not answer at {url}")
    return 1


def main() -> None:
    if sys.argv[1:2] == ["wait"]:
        sys.exit(wait())
    if sys.argv[1:2] == ["release-check"]:
        sys.exit(release_check(sys.argv[2] if len(sys.argv) > 2 else "wx570bc396a51b8ff8"))
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
