"""``python -m bench.sales SLUG RATE``: sell one unit at a time through the stock service, RATE sales per
second, round robin over the store's SKUs, until stopped (SIGTERM or SIGINT); prints ``ready``, then the number sold.
``DATABASE_URL`` and ``REDIS_URL`` come from the environment (the benchmark's server's)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

from sqlalchemy import select


def main(slug: str, rate: float) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    from kaidian.catalog import stock
    from kaidian.catalog.models import Sku
    from kaidian.platform.app import create_app
    from kaidian.platform.extensions import db
    from kaidian.platform.models import Tenant
    from kaidian.platform.tenancy import tenant_context

    app = create_app({"DATABASE_URL": os.environ["DATABASE_URL"], "REDIS_URL": os.environ.get("REDIS_URL", ""),
                      "LOG_JSON": False, "PLATFORM_HOST": "localhost", "STORE_DOMAIN": "localhost"})
    sold = 0
    with app.app_context():
        tenant_id = db.session.execute(select(Tenant.id).where(Tenant.slug == slug)).scalar_one()
        with tenant_context(tenant_id):
            skus = list(db.session.execute(select(Sku).order_by(Sku.id)).scalars())
            print("ready", flush=True)
            started = time.monotonic()
            while not stop.is_set():
                stock.reserve(skus[sold % len(skus)], 1, ref="bench")
                db.session.commit()
                sold += 1
                pause = started + sold / rate - time.monotonic()
                if pause > 0:
                    stop.wait(pause)
        db.session.remove()
    print(sold, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
