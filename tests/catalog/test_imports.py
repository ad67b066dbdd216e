"""Bulk import: the templates, good and bad rows, re-import updating by SKU code, XLSX formulas,
files refused by size or content, the plan limit, a real RQ worker, and resuming after a crash."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from rq import Queue

from kaidian.catalog import imports
from kaidian.catalog.models import Category, Group, ImportJob, ImportRow, Product, Sku, StockMovement
from kaidian.platform import jobs
from kaidian.platform.extensions import db
from tests.catalog.helpers import count, in_store, rows
from tests.catalog.test_products_api import _fill_to_the_limit
from tests.conftest import api_token, make_app
from tests.platform.test_jobs import needs_redis, run_worker  # noqa: F401 - fixture

HEADER = ["title", "subtitle", "category", "groups", "spec1_name", "spec1_value", "spec2_name", "spec2_value",
          "price", "original_price", "stock", "weight", "sku_code", "barcode", "on_sale", "low_stock_threshold"]

TSHIRTS = [
    ["Cotton T-shirt", "Soft", "Clothing/T-shirts", "New, Hot", "Colour", c, "Size", s, "99.00", "129", "10",
     "200", f"TS-{c}-{s}", "", "yes", "3"]
    for c in ("Red", "Blue") for s in ("M", "L")
]
MUG = [["Ceramic mug", "", "Home", "", "", "", "", "", "19.9", "", "5", "300", "MUG-1", "6901234567890", "no", ""]]


def csv_bytes(data_rows, header=HEADER, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(data_rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(data_rows, header=HEADER, cached: dict[str, str] | None = None) -> bytes:
    """An XLSX; ``cached`` gives formula cells the value Excel would have stored with them."""
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in data_rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    if not cached:
        return out.getvalue()
    source, result = zipfile.ZipFile(io.BytesIO(out.getvalue())), io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for ref, value in cached.items():  # as Excel stores them: a text result has t="str"
                    kind = "" if re.fullmatch(r"-?[0-9.]+", value) else ' t="str"'
                    text = re.sub(rf'<c r="{ref}"[^>]*>(<f>[^<]*</f>)<v\s*/>', rf'<c r="{ref}"{kind}>\1<v>{value}</v>',
                                  text)
                data = text.encode()
            target.writestr(item, data)
    return result.getvalue()


def upload(client, headers, data: bytes, name="products.csv"):
    return client.post("/api/v1/imports", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name)})


def run_import(client, headers, data: bytes, name="products.csv") -> dict:
    """Upload (the job runs inline in tests) and return the finished import with its report."""
    response = upload(client, headers, data, name)
    assert response.status_code == 202, response.get_json()
    detail = client.get(f"/api/v1/imports/{response.get_json()['id']}", headers=headers).get_json()
    assert detail["status"] == "done", detail
    return detail


def outcomes(detail) -> dict[int, tuple[str, str]]:
    return {r["row_number"]: (r["outcome"], r["reason"]) for r in detail["rows"]}


# --- templates -------------------------------------------------------------------------------------


def test_templates_have_a_header_row_and_round_trip(app, client, headers):
    response = client.get("/api/v1/imports/template.csv", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header = next(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert "SKU code *" in header and "Price (yuan) *" in header and len(header) == 19
    response = client.get("/api/v1/imports/template.xlsx", headers=headers)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in book.worksheets[0][1]] == header
    assert book.worksheets[1].max_row == 20  # instructions: one row per column
    # filled in as a merchant would: under the template's own header
    sheet = book.worksheets[0]
    values = dict.fromkeys(header, "")
    values.update({"Title *": "Notebook", "Price (yuan) *": 12.5, "Stock *": 30, "SKU code *": "NB-1"})
    sheet.append([values[h] for h in header])
    filled = io.BytesIO()
    book.save(filled)
    detail = run_import(client, headers, filled.getvalue(), "filled.xlsx")
    assert outcomes(detail) == {2: ("created", "")}
    assert rows(app, Sku.price, Sku.stock, where=[Sku.code == "NB-1"]) == [(1250, 30)]


# --- good rows, bad rows, re-import --------------------------------------------------------------------


def test_good_rows_create_products_with_their_specs_categories_and_groups(app, client, headers):
    detail = run_import(client, headers, csv_bytes(TSHIRTS + MUG))
    assert (detail["total"], detail["processed"], detail["created"], detail["updated"], detail["refused"]) == \
        (5, 5, 5, 0, 0)
    assert detail["percent"] == 100
    products = client.get("/api/v1/products?sort=oldest", headers=headers).get_json()
    assert [p["title"] for p in products] == ["Cotton T-shirt", "Ceramic mug"]
    shirt = client.get(f"/api/v1/products/{products[0]['id']}", headers=headers).get_json()
    assert shirt["specs"] == [{"name": "Colour", "values": ["Red", "Blue"]}, {"name": "Size", "values": ["M", "L"]}]
    assert sorted(s["code"] for s in shirt["skus"]) == sorted(f"TS-{c}-{s}" for c in ("Red", "Blue")
                                                             for s in ("M", "L"))
    assert (shirt["status"], shirt["price_min"], shirt["total_stock"], shirt["low_stock_threshold"]) == \
        ("on_sale", 9900, 40, 3)
    assert shirt["skus"][0]["original_price"] == 12900 and shirt["skus"][0]["weight_grams"] == 200
    assert sorted(r[0] for r in rows(app, Category.name)) == ["Clothing", "Home", "T-shirts"]
    assert sorted(r[0] for r in rows(app, Group.name)) == ["Hot", "New"]
    assert sum(r[0] for r in rows(app, StockMovement.delta)) == 45  # every unit through the ledger


BAD = [
    (["", "", "", "", "", "", "", "", "10", "", "1", "", "NO-TITLE", "", "", ""], "Title"),
    (["Bad price", "", "", "", "", "", "", "", "12.345", "", "1", "", "BP", "", "", ""], "12.345"),
    (["No price", "", "", "", "", "", "", "", "", "", "1", "", "NP", "", "", ""], "Price"),
    (["Neg stock", "", "", "", "", "", "", "", "10", "", "-1", "", "NS", "", "", ""], "Stock"),
    (["Word stock", "", "", "", "", "", "", "", "10", "", "many", "", "WS", "", "", ""], "many"),
    (["No code", "", "", "", "", "", "", "", "10", "", "1", "", "", "", "", ""], "SKU code"),
    (["Half spec", "", "", "", "Colour", "", "", "", "10", "", "1", "", "HS", "", "", ""], "Spec 1"),
    (["Maybe", "", "", "", "", "", "", "", "10", "", "1", "", "MB", "", "maybe", ""], "maybe"),
    (["Cotton T-shirt", "", "", "", "Material", "Linen", "", "", "10", "", "1", "", "TS-X", "", "", ""], "Colour"),
]


def test_bad_rows_are_refused_with_a_reason_and_good_rows_go_on(app, client, headers):
    data = TSHIRTS[:2] + [row for row, _ in BAD] + MUG
    detail = run_import(client, headers, csv_bytes(data))
    report = outcomes(detail)
    assert (detail["created"], detail["refused"]) == (3, len(BAD))
    assert report[2][0] == report[3][0] == "created"
    assert report[len(data) + 1][0] == "created"  # the mug, after the bad rows
    for offset, (_, needle) in enumerate(BAD):
        outcome, reason = report[4 + offset]
        assert outcome == "refused" and needle in reason, (offset, reason)
    assert count(app, Product) == 2 and count(app, Sku) == 3


def test_reimporting_updates_by_sku_code_without_duplicates(app, client, headers):
    run_import(client, headers, csv_bytes(TSHIRTS + MUG))
    products_before, skus_before = count(app, Product), count(app, Sku)
    changed = [row[:8] + ["89.00"] + row[9:10] + ["4"] + row[11:] for row in TSHIRTS] + MUG
    changed.append(["Cotton T-shirt", "", "", "", "Colour", "Green", "Size", "M", "99", "", "6", "", "TS-Green-M",
                    "", "", ""])
    detail = run_import(client, headers, csv_bytes(changed))
    assert (detail["created"], detail["updated"], detail["refused"]) == (1, 5, 0), detail["rows"]
    assert count(app, Product) == products_before
    # Green is a new colour: Green/M from the file, Green/L generated (no stock) to complete the table
    assert count(app, Sku, Sku.retired_at.is_(None)) == skus_before + 2
    assert rows(app, Sku.price, Sku.stock, where=[Sku.code == "TS-Red-M"]) == [(8900, 4)]
    assert ("import", -6, 4) in rows(app, StockMovement.reason, StockMovement.delta, StockMovement.stock_after)
    # and importing it once more changes nothing
    again = run_import(client, headers, csv_bytes(changed))
    assert (again["created"], again["updated"]) == (0, 6)
    assert count(app, Product) == products_before


def test_an_xlsx_with_formulas_imports_the_values_excel_computed(app, client, headers):
    data = [["Formula tee", "", "", "", "", "", "", "", "=10*2.5", "", "=3+4", "", '=CONCATENATE("F","-1")', "",
             "yes", ""]]
    detail = run_import(client, headers, xlsx_bytes(data, cached={"I2": "25.5", "K2": "7", "M2": "F-1"}),
                        "formulas.xlsx")
    assert outcomes(detail) == {2: ("created", "")}
    assert rows(app, Sku.code, Sku.price, Sku.stock) == [("F-1", 2550, 7)]


def test_gbk_csv_from_excel_on_chinese_windows(app, client, headers):
    data = [["纯棉T恤", "", "服装/T恤", "新品", "颜色", "红", "", "", "59", "", "3", "", "CN-1", "", "是", ""]]
    detail = run_import(client, headers, csv_bytes(data, encoding="gb18030"))
    assert outcomes(detail) == {2: ("created", "")}
    assert rows(app, Product.title) == [("纯棉T恤",)]


# --- files refused as a whole ----------------------------------------------------------------------


def _fake_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return out.getvalue()


REFUSED_FILES = {
    "text named .xlsx": (lambda: b"title,price\nA,1\n", "products.xlsx", 422),
    "zip named .xlsx": (_fake_zip, "products.xlsx", 422),
    "png named .csv": (lambda: b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "products.csv", 422),
    "legacy xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "products.xls", 422),
    "oversized (over 5 MB)": (lambda: csv_bytes(MUG) + b"#" * (5 * 1024 * 1024), "big.csv", 422),
}


@pytest.mark.parametrize("case", list(REFUSED_FILES))
def test_a_refused_file_changes_nothing(app, client, headers, case):
    make, name, status = REFUSED_FILES[case]
    response = upload(client, headers, make(), name)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["fields"]["file"]
    assert count(app, ImportJob) == 0 and count(app, Product) == 0


def refused_in_the_job(app, client, headers, data: bytes, name: str) -> str:
    """Upload a file the request accepts (it only looks cheaply); the job refuses it as a whole:
    the import fails with the reason and nothing is imported. Returns the reason."""
    response = upload(client, headers, data, name)
    assert response.status_code == 202, response.get_json()
    detail = client.get(f"/api/v1/imports/{response.get_json()['id']}", headers=headers).get_json()
    assert detail["status"] == "failed", detail
    assert detail["rows"] == [] and detail["processed"] == 0
    assert count(app, Product) == 0 and count(app, Sku) == 0 and count(app, ImportRow) == 0
    return detail["error"]


JOB_REFUSED = {
    "missing columns": (lambda: b"title,colour\nA,red\n", "products.csv", "lacks these columns"),
    "header only": (lambda: csv_bytes([]), "products.csv", "no products"),
}


@pytest.mark.parametrize("case", list(JOB_REFUSED))
def test_a_file_the_job_refuses_imports_nothing(app, client, headers, case):
    make, name, reason = JOB_REFUSED[case]
    assert reason in refused_in_the_job(app, client, headers, make(), name)


def test_too_many_rows_are_refused(app, client, headers, monkeypatch):
    monkeypatch.setattr("kaidian.catalog.sheets.MAX_ROWS", 3)
    assert "at most 3 rows" in refused_in_the_job(app, client, headers, csv_bytes(TSHIRTS + MUG), "p.csv")
    assert "at most 3 rows" in refused_in_the_job(app, client, headers, xlsx_bytes(TSHIRTS + MUG), "p.xlsx")


# --- the plan limit ---------------------------------------------------------------------------------


def test_rows_past_the_plan_limit_are_refused_with_the_reason(app, client, headers, store):
    _fill_to_the_limit(app, store.tenant_id, 98)
    data = [[f"New {i}", "", "", "", "", "", "", "", "10", "", "1", "", f"N-{i}", "", "", ""] for i in range(4)]
    data.append(["New 0", "", "", "", "Size", "M", "", "", "10", "", "1", "", "N-0-M", "", "", ""])
    detail = run_import(client, headers, csv_bytes(data))
    report = outcomes(detail)
    assert [report[n][0] for n in range(2, 7)] == ["created", "created", "refused", "refused", "refused"]
    assert "100" in report[4][1] and "Upgrade" in report[4][1]
    assert count(app, Product, Product.deleted_at.is_(None)) == 100


# --- jobs: a real worker, and resuming ----------------------------------------------------------------


@pytest.fixture
def rq_app(app, backend, tmp_path, needs_redis):  # noqa: F811
    return make_app(backend, tmp_path / "media", JOBS_INLINE=False)


def test_the_import_runs_in_a_real_rq_worker(rq_app, backend, store, tmp_path):
    client = rq_app.test_client()
    headers = {**api_token(client, store.login), "Accept-Language": "en"}
    rows_500 = [[f"Product {i}", "", "Cat/Sub", "", "", "", "", "", "9.9", "", str(i), "", f"P-{i:04d}", "", "yes",
                 ""] for i in range(60)]
    response = upload(client, headers, csv_bytes(rows_500))
    assert response.status_code == 202 and response.get_json()["status"] == "queued"
    with rq_app.app_context():
        (job,) = Queue("default", connection=jobs.get_redis()).get_jobs()
    assert job.func_name == "kaidian.catalog.tasks.run_import"
    assert job.id == f"catalog-import-{response.get_json()['id']}"
    done = run_worker(backend, tmp_path / "media", "default")
    assert done.returncode == 0, done.stderr[-3000:]
    detail = client.get(f"/api/v1/imports/{response.get_json()['id']}", headers=headers).get_json()
    assert (detail["status"], detail["created"], detail["refused"]) == ("done", 60, 0)
    assert count(rq_app, Product) == 60


class WorkerKilled(BaseException):
    """Stands for the worker process dying (SIGKILL, OOM) in the middle of a batch."""


def test_an_interrupted_import_resumes_without_duplicates(app, backend, client, headers, store, monkeypatch):
    if backend.kind != "postgresql":
        pytest.skip("pysqlite's legacy transactions make RELEASE SAVEPOINT commit: batches are not atomic on SQLite")
    monkeypatch.setattr(imports, "BATCH_SIZE", 4)
    data = [[f"Item {i}", "", "", "", "", "", "", "", "5", "", "2", "", f"I-{i:02d}", "", "", ""] for i in range(10)]
    calls, real_apply = [], imports.apply_row

    def dies_on_the_seventh_row(*args, **kwargs):
        calls.append(1)
        if len(calls) == 7:
            raise WorkerKilled()
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(imports, "queue_run", lambda job: None)  # the worker will be "us"
    upload(client, headers, csv_bytes(data))
    import_id = rows(app, ImportJob.id)[0][0]
    monkeypatch.setattr(imports, "apply_row", dies_on_the_seventh_row)
    with app.app_context():
        with pytest.raises(WorkerKilled):
            imports.run(store.tenant_id, import_id)
        db.session.remove()
    # the first batch (4 rows) was committed with its report; the second batch was lost with the worker
    with in_store(app, store.tenant_id):
        job = db.session.execute(db.select(ImportJob)).scalar_one()
        assert (job.status.value, job.processed, job.created) == ("running", 4, 4)
    assert count(app, Product) == 4 and count(app, ImportRow) == 4
    # when the job runs again (RQ's retry, the stale sweep or the merchant's "resume")
    monkeypatch.setattr(imports, "apply_row", real_apply)
    with app.app_context():
        imports.run(store.tenant_id, import_id)
    detail = client.get(f"/api/v1/imports/{import_id}", headers=headers).get_json()
    # then it finishes after the last committed row: every row once, nothing twice
    assert (detail["status"], detail["processed"], detail["created"], detail["updated"]) == ("done", 10, 10, 0)
    assert [r["row_number"] for r in detail["rows"]] == list(range(2, 12))
    assert count(app, Product) == 10 and count(app, Sku) == 10
    # and running a finished import again does nothing
    with app.app_context():
        imports.run(store.tenant_id, import_id)
    assert count(app, ImportRow) == 10


def test_the_stale_sweep_requeues_an_import_whose_worker_died(app, client, headers, store, monkeypatch):
    from datetime import timedelta

    from kaidian.platform.models import utcnow

    queued = []
    monkeypatch.setattr(imports, "queue_run", lambda job: queued.append(job.id))
    upload(client, headers, csv_bytes(MUG))
    with in_store(app, store.tenant_id):
        job = db.session.execute(db.select(ImportJob)).scalar_one()
        job_id = job.id
        assert job.status.value == "queued"  # queue_run was replaced: nothing ran it
        job.heartbeat_at = utcnow() - timedelta(minutes=11)
        db.session.commit()
    with app.app_context():
        assert imports.resume_stale() == 1
        assert imports.resume_stale() == 0  # its heartbeat was refreshed
    assert queued[-1] == job_id


def test_the_report_downloads_as_csv_and_quotes_formulas(client, headers):
    data = MUG + [["=HYPERLINK(\"http://evil\")", "", "", "", "", "", "", "", "x", "", "1", "", "EV", "", "", ""]]
    detail = run_import(client, headers, csv_bytes(data))
    response = client.get(f"/api/v1/imports/{detail['id']}/report.csv", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert lines[0][0] == "Row" and len(lines) == 3
    assert lines[2][2].startswith("'=") and lines[2][1] == "Refused"


def test_the_report_is_paginated_and_filtered(client, headers):
    data = [[f"R{i}", "", "", "", "", "", "", "", "1" if i % 2 else "x", "", "1", "", f"R-{i}", "", "", ""]
            for i in range(7)]
    detail = run_import(client, headers, csv_bytes(data))
    assert (detail["rows_total"], detail["created"], detail["refused"]) == (7, 3, 4)
    page = client.get(f"/api/v1/imports/{detail['id']}?outcome=refused&per_page=3&page=2", headers=headers).get_json()
    assert page["rows_total"] == 4 and [r["row_number"] for r in page["rows"]] == [8]
    assert all(r["outcome"] == "refused" for r in page["rows"])
