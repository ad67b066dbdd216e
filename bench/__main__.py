"""``python -m bench [name …]``: run the benchmarks (all by default) and print their reports."""

import importlib
import sys

BENCHMARKS = ("storefront", "builder", "uploads")


def main(names: list[str]) -> None:
    for name in names or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n== {name} ==")
        module.main()


if __name__ == "__main__":
    main(sys.argv[1:])
