"""``python -m bench [name …]``: run the benchmarks (all by default) and print their reports."""

import importlib
import sys

BENCHMARKS = ("storefront", "builder", "uploads", "checkout", "review")


NEEDS_WRK = ("storefront", "checkout")


def main(names: list[str]) -> None:
    names = names or list(BENCHMARKS)
    if any(name in NEEDS_WRK for name in names):
        from bench.harness import require_wrk

        require_wrk()  # before any database work
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n== {name} ==")
        module.main()


if __name__ == "__main__":
    main(sys.argv[1:])
