"""``flask kaidian move-private-files`` and its job (``platform.private_move``): after-sales photos and
order exports stored under the public ``t/`` prefix before they were private move to ``p/`` — on disk
and on S3 (a real moto server) — the rows name the new keys, the old objects go, unsent old uploads
older than a day are deleted, nothing a row names is ever deleted, another store is untouched, a
second run changes nothing and a run killed half-way is finished by the next."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from kaidian.orders.models import AfterSale, OrderExport
from kaidian.platform import private_move
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from kaidian.platform.storage import get_storage
from kaidian.platform.tenancy import all_tenants, tenant_context
from tests.conftest import api_token, empty_storage, local_or_s3_app, login
from tests.orders.helpers import product

from .test_aftersale_photos import ask, image_bytes, upload
from .test_aftersales import paid_order

JPEG = b"\xff\xd8"
_APPS: dict = {}


@pytest.fixture(scope="module", params=["local", "s3"])
def app(request, backend, tmp_path_factory):
    """This module's app (every fixture built on ``app`` uses it): media on disk, or in an S3 bucket."""
    return local_or_s3_app(request, backend, tmp_path_factory, _APPS)


@pytest.fixture(autouse=True)
def _empty_media(app):
    empty_storage(app)


@pytest.fixture
def order(app, store, shopper):
    _, mug = product(app, store.tenant_id, price=1000, stock=10)
    return paid_order(app, store, shopper, [(mug, 2)], 2000)


# --- helpers ---------------------------------------------------------------------------------------


def keys(app, prefix: str = "") -> list[str]:
    with app.app_context():
        storage = get_storage()
        if hasattr(storage, "client"):
            return sorted(key for key, _ in storage.listing(prefix))
        return (
            sorted(key for key, _ in storage.listing(prefix))
            if prefix
            else sorted(
                str(p.relative_to(storage.root.resolve())) for p in storage.root.resolve().rglob("*") if p.is_file()
            )
        )


def put(app, key: str, data: bytes) -> None:
    with app.app_context():
        get_storage().save(key, data, "image/jpeg")


def photos_of(app, after_sale_id) -> list[str]:
    with app.app_context(), all_tenants():
        photos = db.session.execute(
            select(AfterSale.photos).where(AfterSale.id == uuid.UUID(str(after_sale_id)))
        ).scalar()
        db.session.remove()
    return photos


def legacy_request(app, shopper, order, count=2) -> tuple[dict, list[str], list[bytes]]:
    """A request whose photos sit under ``t/`` as before the private prefix: (request, keys, bytes)."""
    tokens = [upload(shopper, image_bytes(size=(800 + n, 600))).get_json()["token"] for n in range(count)]
    row = ask(shopper, order, tokens).get_json()
    legacy, data = [], []
    with app.app_context():
        storage = get_storage()
        for key in photos_of(app, row["id"]):
            old = "t/" + key[2:]
            storage.copy(key, old)
            storage.delete(key)
            legacy.append(old)
            data.append(storage.read(old))
        with all_tenants():
            db.session.execute(update(AfterSale).where(AfterSale.id == uuid.UUID(row["id"])).values(photos=legacy))
            db.session.commit()
        db.session.remove()
    return row, legacy, data


def run(app, tenant_ids=None, later: bool = True) -> dict:
    """The job, as if a day had passed since every file was written (``later``)."""
    with app.app_context(), pytest.MonkeyPatch.context() as patch:
        if later:
            patch.setattr(private_move, "utcnow", lambda: utcnow() + timedelta(days=2))
        try:
            return private_move.move_legacy_private(tenant_ids)
        finally:  # also when "killed": the next run is a new process
            db.session.remove()


def seen_by_owner_and_merchant(app, client, store, shopper, row) -> list[bytes]:
    owner = [
        shopper.client.get(f"/api/store/after-sales/{row['id']}/photos/{n}", base_url=shopper.base)
        for n in range(len(row["photos"]))
    ]
    login(client, store.login)
    admin = [client.get(f"/admin/orders/after-sales/{row['id']}/photos/{n}") for n in range(len(row["photos"]))]
    headers = api_token(client, store.login)
    api = [
        client.get(f"/api/v1/after-sales/{row['id']}/photos/{n}", headers=headers) for n in range(len(row["photos"]))
    ]
    for response in owner + admin + api:
        assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    assert [r.data for r in owner] == [r.data for r in admin] == [r.data for r in api]
    return [r.data for r in owner]


# --- tests -----------------------------------------------------------------------------------------


def test_legacy_photos_move_to_the_private_prefix_and_are_still_shown(app, client, store, shopper, order):
    row, legacy, data = legacy_request(app, shopper, order)
    tally = run(app)
    assert tally["moved"] == 2 and tally["failed"] == 0
    moved = photos_of(app, row["id"])
    assert moved == ["p/" + key[2:] for key in legacy]
    assert not keys(app, f"t/{store.tenant_id}/aftersales/")
    assert keys(app, f"p/{store.tenant_id}/aftersales/") == sorted(moved)
    assert seen_by_owner_and_merchant(app, client, store, shopper, row) == data
    for key in legacy + moved:
        assert client.get(f"/media/{key}").status_code == 404


def test_an_unreferenced_old_upload_is_deleted_a_young_one_kept_a_named_one_never(app, store, shopper, order):
    row, legacy, data = legacy_request(app, shopper, order, count=1)
    orphan = f"t/{store.tenant_id}/aftersales/{uuid.uuid4().hex}.jpg"
    put(app, orphan, JPEG + b"unsent")
    young = run(app, later=False)  # everything was written just now: the orphan may still be sent
    assert young["deleted"] == 0 and young["kept_young"] == 1 and keys(app, f"t/{store.tenant_id}/") == [orphan]
    with app.app_context():
        assert get_storage().read("p/" + legacy[0][2:]) == data[0]
    tally = run(app)
    assert tally["deleted"] == 1 and not keys(app, f"t/{store.tenant_id}/")
    # a file a row names is never swept, however old (a request made between the two steps)
    named = f"t/{store.tenant_id}/aftersales/{uuid.uuid4().hex}.jpg"
    put(app, named, JPEG + b"named")
    with app.app_context(), all_tenants():
        db.session.execute(update(AfterSale).where(AfterSale.id == uuid.UUID(row["id"])).values(photos=[named]))
        db.session.commit()
    with app.app_context(), tenant_context(store.tenant_id), pytest.MonkeyPatch.context() as patch:
        patch.setattr(private_move, "utcnow", lambda: utcnow() + timedelta(days=2))
        tally = private_move.Tally()
        private_move._sweep_folder(store.tenant_id, private_move.FOLDERS["aftersales"], tally)
        db.session.remove()
    assert tally.deleted == 0 and named in keys(app, f"t/{store.tenant_id}/")
    run(app)
    assert photos_of(app, row["id"]) == ["p/" + named[2:]]
    with app.app_context():
        assert get_storage().read("p/" + named[2:]) == JPEG + b"named"


def test_a_second_run_changes_nothing(app, client, store, shopper, order):
    row, legacy, data = legacy_request(app, shopper, order)
    run(app)
    before, rows = keys(app), photos_of(app, row["id"])
    again = run(app)
    assert again["moved"] == again["deleted"] == again["failed"] == 0
    assert keys(app) == before and photos_of(app, row["id"]) == rows
    assert seen_by_owner_and_merchant(app, client, store, shopper, row) == data


def test_another_store_and_public_files_are_untouched(app, store, other_store, shopper, order):
    row, legacy, _ = legacy_request(app, shopper, order, count=1)
    theirs = f"t/{other_store.tenant_id}/aftersales/{uuid.uuid4().hex}.jpg"
    public = f"t/{store.tenant_id}/products/{uuid.uuid4().hex}.jpg"
    put(app, theirs, JPEG + b"theirs")
    put(app, public, JPEG + b"product")
    tally = run(app, tenant_ids=[str(store.tenant_id)])  # this store only
    assert tally["stores"] == 1 and tally["moved"] == 1
    assert theirs in keys(app) and public in keys(app)
    run(app)  # every store: the other store's unsent upload is its own, swept in its own folder
    assert theirs not in keys(app) and public in keys(app)


def test_a_run_killed_after_the_copy_is_finished_by_the_next(app, client, store, shopper, order, monkeypatch):
    row, legacy, data = legacy_request(app, shopper, order)

    class Killed(BaseException):
        pass

    folder = private_move.FOLDERS["aftersales"]

    def killed(row, keys):
        raise Killed()

    monkeypatch.setitem(
        private_move.FOLDERS,
        "aftersales",
        private_move.LegacyFolder(folder.folder, folder.model, folder.keys, killed, folder.naming),
    )
    with pytest.raises(Killed):
        run(app)
    assert photos_of(app, row["id"]) == legacy  # the row still names the old files, all still there
    assert set(legacy) <= set(keys(app))
    assert {"p/" + key[2:] for key in legacy} & set(keys(app))  # a copy was made before the kill
    monkeypatch.setitem(private_move.FOLDERS, "aftersales", folder)
    run(app)
    assert photos_of(app, row["id"]) == ["p/" + key[2:] for key in legacy]
    assert not keys(app, f"t/{store.tenant_id}/")
    assert seen_by_owner_and_merchant(app, client, store, shopper, row) == data


def test_a_run_killed_after_the_commit_leaves_nothing_public_on_the_next(app, store, shopper, order, monkeypatch):
    row, legacy, _ = legacy_request(app, shopper, order, count=1)

    class Killed(BaseException):
        pass

    sweep = private_move._sweep_folder

    def killed(tenant_id, folder, tally):
        if folder.folder == "aftersales":
            raise Killed()
        sweep(tenant_id, folder, tally)

    # the process dies once the row is committed: its delete never runs, nor the sweep
    monkeypatch.setattr(private_move, "after_commit", lambda callback: None)
    monkeypatch.setattr(private_move, "_sweep_folder", killed)
    with pytest.raises(Killed):
        run(app, later=False)
    assert photos_of(app, row["id"]) == ["p/" + legacy[0][2:]] and legacy[0] in keys(app)
    monkeypatch.undo()
    tally = run(app, later=False)  # its private copy exists: deleted without waiting a day
    assert tally["deleted"] == 1 and not keys(app, f"t/{store.tenant_id}/")


def test_legacy_exports_move_and_still_download(app, client, store):
    key = f"t/{store.tenant_id}/exports/{uuid.uuid4().hex}.csv"
    put(app, key, b"order,total\n1,20.00\n")
    with app.app_context(), tenant_context(store.tenant_id):
        row = OrderExport(file_format="csv", status="done", file_key=key, filters={})
        db.session.add(row)
        db.session.commit()
        export_id = row.id
        db.session.remove()
    run(app)
    with app.app_context(), all_tenants():
        assert db.session.execute(select(OrderExport.file_key).where(OrderExport.id == export_id)).scalar() == (
            "p/" + key[2:]
        )
        db.session.remove()
    assert key not in keys(app)
    login(client, store.login)
    response = client.get(f"/admin/orders/exports/{export_id}/download")
    assert response.status_code == 200 and response.data == b"order,total\n1,20.00\n"


def test_the_command_runs_the_job_and_shows_progress(app, store, shopper, order):
    legacy_request(app, shopper, order, count=1)
    result = app.test_cli_runner().invoke(args=["kaidian", "move-private-files"])
    assert result.exit_code == 0, result.output
    assert "stores" in result.output and "moved 1" in result.output and result.output.strip().endswith("done")
    assert not keys(app, f"t/{store.tenant_id}/aftersales/")


def test_the_command_queues_one_rq_job_that_reports_its_progress(app, store, shopper, order, monkeypatch):
    from rq import Queue, SimpleWorker
    from rq.job import Job

    from kaidian.platform.cache import get_redis

    legacy_request(app, shopper, order, count=1)
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["kaidian", "move-private-files", "--no-wait"])
    second = runner.invoke(args=["kaidian", "move-private-files", "--no-wait"])
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    assert "queued job" in first.output and "already queued" in second.output  # one job, however often asked
    with app.app_context():
        redis = get_redis()
        queue = Queue("low", connection=redis)
        assert queue.job_ids == [private_move.JOB_ID]
        SimpleWorker([queue], connection=redis).work(burst=True)
        job = Job.fetch(private_move.JOB_ID, connection=redis)
        assert job.get_status() == "finished"
        assert job.meta["progress"]["moved"] == 1 and job.meta["progress"]["done"] == job.meta["progress"]["stores"]
        db.session.remove()
    assert not keys(app, f"t/{store.tenant_id}/aftersales/")
    followed = runner.invoke(args=["kaidian", "move-private-files", "--no-wait"])  # finished: a new run is queued
    assert "queued job" in followed.output


def test_a_legacy_invoice_pdf_moves_and_still_downloads(app, client, store):
    from kaidian.billing.models import InvoiceRequest, InvoiceStatus
    from tests.billing.helpers import notify_paid, open_order

    o = open_order(app, store.tenant_id, "basic", "year")
    notify_paid(app, store.tenant_id, o["id"], o["amount_fen"], "wx-1")
    key, pdf = f"t/{store.tenant_id}/invoices/{uuid.uuid4().hex}.pdf", b"%PDF-1.4\n%%EOF"
    with app.app_context():
        get_storage().save(key, pdf, "application/pdf")
    with app.app_context(), tenant_context(store.tenant_id):
        row = InvoiceRequest(
            payment_id=o["id"],
            company="Alpha Ltd",
            tax_number="91310000MA1FL0000X",
            email="a@example.com",
            status=InvoiceStatus.ISSUED,
            file_key=key,
            issued_at=utcnow(),
        )
        db.session.add(row)
        db.session.commit()
        invoice_id = row.id
        db.session.remove()
    assert run(app)["moved"] == 1
    assert key not in keys(app) and "p/" + key[2:] in keys(app)
    login(client, store.login)
    got = client.get(f"/admin/plan/invoices/{invoice_id}")
    assert got.status_code == 200 and got.data == pdf


def test_a_failed_copy_is_reported_and_kept_for_the_next_run(app, store, shopper, order, monkeypatch):
    row, legacy, data = legacy_request(app, shopper, order, count=1)
    with app.app_context():
        storage = get_storage()

    def broken(source, target):
        raise OSError("the store is unreachable")

    monkeypatch.setattr(storage, "copy", broken)
    result = app.test_cli_runner().invoke(args=["kaidian", "move-private-files"])
    assert result.exit_code == 1 and "failed 1" in result.output and "run the command again" in result.output
    assert photos_of(app, row["id"]) == legacy and legacy[0] in keys(app)  # nothing lost, nothing changed
    monkeypatch.undo()
    again = app.test_cli_runner().invoke(args=["kaidian", "move-private-files"])
    assert again.exit_code == 0 and again.output.strip().endswith("done")
    assert photos_of(app, row["id"]) == ["p/" + legacy[0][2:]] and legacy[0] not in keys(app)
