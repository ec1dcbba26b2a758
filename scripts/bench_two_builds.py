#!/usr/bin/env python3
"""Two builds of initlab's `train_step` benchmark, back to back: for a refactoring that must
not cost speed. Each round runs one repetition of each build at each size, alternating which
goes first, and the figures are medians over rounds of the per-round ratio B/A (so the drift
of a shared machine cancels out of the ratios).

    cargo bench --bench train_step --no-run      # in each checkout; note the executables
    scripts/bench_two_builds.py OLD_EXE NEW_EXE [--rounds 7]

Prints one Markdown table: per size, A's and B's steps/s (statistics never, every 10 steps,
every step; medians) and the median ratio B/A of each.
"""
import argparse
import statistics
import subprocess

SIZES = [("5x64", 400), ("10x256", 100), ("20x256", 50), ("5x1024", 20)]


def steps_per_second(exe, size, steps):
    out = subprocess.run([exe, "--size", size, "--steps", str(steps), "--reps", "1"],
                         check=True, capture_output=True, text=True).stdout
    return [float(v) for v in out.split()]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--rounds", type=int, default=7)
    args = p.parse_args()
    rows = {size: {"a": [], "b": [], "ratio": []} for size, _ in SIZES}
    for r in range(args.rounds):
        for size, steps in SIZES:
            order = ["a", "b"] if r % 2 == 0 else ["b", "a"]
            got = {k: steps_per_second(getattr(args, k), size, steps) for k in order}
            rows[size]["a"].append(got["a"])
            rows[size]["b"].append(got["b"])
            rows[size]["ratio"].append([b / a for a, b in zip(got["a"], got["b"])])
    med = lambda runs, i: statistics.median(r[i] for r in runs)
    print("| depth x width | A steps/s (never, /10, /1) | B steps/s | B/A never | B/A /10 | B/A /1 |")
    print("|---|---|---|---|---|---|")
    for size, _ in SIZES:
        d = rows[size]
        a = ", ".join(f"{med(d['a'], i):.1f}" for i in range(3))
        b = ", ".join(f"{med(d['b'], i):.1f}" for i in range(3))
        ratios = " | ".join(f"{med(d['ratio'], i):.3f}" for i in range(3))
        print(f"| {size} | {a} | {b} | {ratios} |")


if __name__ == "__main__":
    main()
