"""Uploads under attack: peak memory and time of one upload, each case in a fresh process.

Each case runs in its own Python process (``python -m bench.uploads CASE FILE``) that builds the
app and reads its input first, then reports how far the operation raised the process's peak
resident memory (``ru_maxrss``) above that baseline (0 when it stayed under the app's own start-up
peak), the peak of Python allocations (``tracemalloc``; Pillow's pixel buffers are not Python
allocations, so images are read from the RSS figure), and how long it took. ``before`` cases
replay what the code did before the limits (Pillow decoding at full size, openpyxl reading a
workbook) on inputs small enough to finish, so ratios come from one run on one machine.

Also reported: the resident memory of a process that has built the app (a gunicorn worker's
baseline), and from both the web pod's memory limit for four concurrent uploads (``helm/``).
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
CONCURRENT_UPLOADS = 4  # gunicorn in the web pod: 2 workers x 2 threads


# --- inputs (built in the parent, handed over as files) -----------------------------------------------


def _png(mode: str, size: tuple[int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    image = Image.new(mode, size, (200, 40, 40, 255) if mode == "RGBA" else None)
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _photo(fmt: str, size: tuple[int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.save(out, fmt, quality=85)
    return out.getvalue()


def _workbook(strings=None, sheet=None) -> bytes:
    from openpyxl import Workbook

    base = io.BytesIO()
    book = Workbook()
    book.active.append(["title", "price", "stock", "sku_code"])
    book.save(base)
    source = zipfile.ZipFile(io.BytesIO(base.getvalue()))
    replaced = {k: v for k, v in (("xl/sharedStrings.xml", strings), ("xl/worksheets/sheet1.xml", sheet)) if v}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            if item.filename not in replaced:
                target.writestr(item, source.read(item.filename))
        for name, chunks in replaced.items():
            with target.open(name, "w", force_zip64=True) as member:
                for chunk in chunks():
                    member.write(chunk)
    return out.getvalue()


def _strings(n: int):
    def chunks():
        yield f'<?xml version="1.0"?><sst {NS} count="{n}" uniqueCount="{n}">'.encode()
        for _ in range(n // 10_000):
            yield b"<si><t>a</t></si>" * 10_000
        yield b"</sst>"
    return chunks


def _long_row(cells: int):
    def chunks():
        yield f'<?xml version="1.0"?><worksheet {NS}><sheetData><row r="1">'.encode()
        for _ in range(cells // 10_000):
            yield b"<c/>" * 10_000
        yield b"</row></sheetData></worksheet>"
    return chunks


def _products(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["title", "subtitle", "category", "spec1_name", "spec1_value", "price", "stock", "sku_code",
                  "description"])
    for i in range(rows):
        sheet.append([f"Product {i // 4}", "Soft cotton", "Clothing/T-shirts", "Size", "SMLX"[i % 4], 99.5, i,
                      f"SKU-{i:05d}", "A plain description of the product. " * 4])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


INPUTS = {
    "png-6300-palette": lambda: _png("P", (6300, 6300)),
    "png-4096-rgba": lambda: _png("RGBA", (4096, 4096)),
    "png-4096-palette": lambda: _png("P", (4096, 4096)),
    "jpeg-4096x3072": lambda: _photo("JPEG", (4096, 3072)),
    "webp-4096x4096": lambda: _photo("WEBP", (4096, 4096)),
    "xlsx-5.8M-strings": lambda: _workbook(strings=_strings(5_800_000)),
    "xlsx-2.5M-cell-row": lambda: _workbook(sheet=_long_row(2_500_000)),
    "xlsx-5000-rows": lambda: _products(5000),
    "xlsx-250k-cell-row": lambda: _workbook(sheet=_long_row(250_000)),
    "xlsx-2M-strings": lambda: _workbook(strings=_strings(2_000_000)),
}

# name -> (input, operation, what it shows)
CASES = {
    "image before: 6300x6300 palette PNG, full decode": ("png-6300-palette", "image_before", ""),
    "image: 6300x6300 palette PNG (refused)": ("png-6300-palette", "image", ""),
    "image: 4096x4096 RGBA PNG": ("png-4096-rgba", "image", "worst accepted"),
    "image: 4096x4096 palette PNG": ("png-4096-palette", "image", ""),
    "image: 4096x3072 JPEG (draft)": ("jpeg-4096x3072", "image", ""),
    "image: 4096x4096 WebP": ("webp-4096x4096", "image", ""),
    "xlsx request: 5.8 M shared strings (refused)": ("xlsx-5.8M-strings", "xlsx_request", ""),
    "xlsx request: 2.5 M-cell row (refused)": ("xlsx-2.5M-cell-row", "xlsx_request", ""),
    "xlsx job: 5.8 M shared strings, ratio check off (refused)": ("xlsx-5.8M-strings", "xlsx_job", ""),
    "xlsx job: 2 M shared strings in 34 MB, ratio check off (refused)": ("xlsx-2M-strings", "xlsx_job", ""),
    "xlsx job: 2.5 M-cell row, ratio check off (refused)": ("xlsx-2.5M-cell-row", "xlsx_job", ""),
    "xlsx job: 5,000 real product rows": ("xlsx-5000-rows", "xlsx_job", "accepted"),
    "xlsx before: openpyxl, a 250 k-cell row": ("xlsx-250k-cell-row", "xlsx_before", ""),
    "xlsx now: the same 250 k-cell row (refused)": ("xlsx-250k-cell-row", "xlsx_job", ""),
}


# --- operations (in the child) -------------------------------------------------------------------------


def _image(data: bytes) -> str:
    from kaidian.catalog.media import process_image
    from kaidian.platform.errors import ValidationFailed

    try:
        rendition = process_image(data)
    except ValidationFailed:
        return "refused"
    return f"kept {rendition['width']}x{rendition['height']}"


def _image_before(data: bytes) -> str:
    """The pipeline before: full-size decode under a 40 MP ceiling, then the same conversions."""
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = 20_000_000
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    image.load()
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    ImageOps.pad(flat, (800, 800), Image.Resampling.LANCZOS)
    return f"decoded {image.width}x{image.height}"


def _xlsx(data: bytes, step: str) -> str:
    from kaidian.catalog import sheets, xlsx
    from kaidian.catalog.errors import ImportRefused

    if step == "job":
        xlsx.MAX_RATIO = 10**9  # as if the attacker had stayed under the ratio
    try:
        if step == "request":
            sheets.inspect(data, "xlsx")
            return "passed the request"
        table = sheets.parse(data, "xlsx")
    except ImportRefused as exc:
        return f"refused: {exc.message}"
    return f"read {len(table.records)} rows"


def _xlsx_before(data: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    return f"read {rows} rows"


OPERATIONS = {
    "image": _image,
    "image_before": _image_before,
    "xlsx_request": lambda data: _xlsx(data, "request"),
    "xlsx_job": lambda data: _xlsx(data, "job"),
    "xlsx_before": _xlsx_before,
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(operation: str, path: str) -> None:
    import openpyxl  # noqa: F401
    import PIL.Image  # noqa: F401 - imported before the baseline, like in a worker

    import kaidian.catalog.media  # noqa: F401
    from kaidian.platform.app import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "LOG_JSON": False})
    with open(path, "rb") as file:
        data = file.read()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        str(app.extensions)  # the app, its context and the input are all in the baseline
        baseline = _peak_mb()
        traced = os.environ.get("BENCH_TRACEMALLOC") == "1"  # slows Python down: a run of its own
        if traced:
            tracemalloc.start()
        start = time.perf_counter()
        outcome = OPERATIONS[operation](data)
        seconds = time.perf_counter() - start
        python_peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024 if traced else 0.0
    print(json.dumps({"seconds": seconds, "peak_mb": _peak_mb() - baseline, "python_mb": python_peak,
                      "outcome": str(outcome), "baseline_mb": baseline}))


def _run_child(operation: str, path: str, traced: bool) -> dict | None:
    env = {**os.environ, "BENCH_TRACEMALLOC": "1" if traced else "0"}
    done = subprocess.run([sys.executable, "-m", "bench.uploads", operation, path], capture_output=True,
                          text=True, timeout=900, env=env)
    if done.returncode:
        print(done.stderr[-2000:])
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _app_baseline_mb() -> float:
    code = ("import resource; from kaidian.platform.app import create_app; "
            "create_app({'DATABASE_URL': 'sqlite://', 'LOG_JSON': False}); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    return float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)


def main() -> None:
    files, results = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for name, make in INPUTS.items():
            data = make()
            files[name] = os.path.join(folder, name)
            with open(files[name], "wb") as file:
                file.write(data)
            print(f"input {name}: {len(data) / 1024:.0f} KB on disk")
        for case, (input_name, operation, _) in CASES.items():
            runs = [_run_child(operation, files[input_name], traced) for traced in (False, True)]
            if None in runs:
                print(f"{case}: failed")
                continue
            results[case] = result = {**runs[0], "python_mb": runs[1]["python_mb"]}
            print(f"{case:64s} {result['seconds']:6.2f} s  RSS +{result['peak_mb']:6.1f} MB  "
                  f"Python peak {result['python_mb']:6.1f} MB  {result['outcome'][:60]}")
    image_peak = max(r["peak_mb"] for c, r in results.items() if c.startswith("image:"))
    worker = _app_baseline_mb()
    print(f"\nper-upload peak (worst accepted image): {image_peak:.0f} MB; "
          f"a worker with the app built: {worker:.0f} MB")
    need = 2 * worker + CONCURRENT_UPLOADS * image_peak
    print(f"web pod: 2 workers x {worker:.0f} MB + {CONCURRENT_UPLOADS} uploads x {image_peak:.0f} MB = {need:.0f} MB")


if __name__ == "__main__":
    if len(sys.argv) == 3:
        child(sys.argv[1], sys.argv[2])
    else:
        main()
