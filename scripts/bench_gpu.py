"""initlab on a CUDA GPU: does it agree with the CPU, and how fast is it?

Two parts, each printed as a Markdown table (and written to --out):

1. Agreement. The quick start (experiments/quick.toml, 40 runs) is trained on the CPU and on the
   GPU, and the two results folders are compared row by row: runs.csv (status, steps to
   target), layers.csv (per-layer statistics) and curves.csv (losses). The weights are drawn on
   the host from the same seeds and the batches are the same, so step 0 differs only by the
   order of float32 sums in the GPU's kernels; training then amplifies those differences
   (chaotic and dead networks the most), so later steps are reported, not judged. Verdict:
   every step-0 statistic within a relative 1e-3 of the CPU's, and the same status for every run.

2. Speed. The same MLP (depth 10, tanh, LeCun normal, plain SGD at 0.01 on the bundled digits,
   float32, no TF32) at widths 256, 1024, 4096 and batches 128 and 1024, trained by initlab on
   the GPU and on one CPU thread (its normal mode: one run per core) and by a PyTorch loop on the
   GPU. initlab's steps/s come from runs.csv's wall_seconds of runs with two step counts, so
   the fixed costs of a run (drawing the weights, the probes at step 0 and at the end, loading
   the GPU kernels) cancel; each count is trained for seeds 0..2 in one process and seed 0 is
   dropped as the warm-up. PyTorch's loop does what initlab's does each step: draw a batch on
   the host, copy it to the GPU, forward, backward, SGD step, read the loss back (initlab
   checks every loss for divergence). Steps/s are medians; ratios are of medians measured in
   the same pass.

Run through scripts/bench_gpu.sh, which finds or builds initlab and a Python with torch.
"""

import argparse
import csv
import gzip
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

DEPTH = 10
LR = 0.01
WIDTHS = [256, 1024, 4096]
BATCHES = [128, 1024]
STEP0_TOLERANCE = 1e-3
# Measured columns of layers.csv and curves.csv compared between the devices.
LAYER_COLUMNS = ["pre_mean", "pre_var", "act_mean", "act_var", "saturation", "dead_frac",
                 "grad_var", "wgrad_var", "weight_var"]
CURVE_COLUMNS = ["train_loss", "test_loss", "test_acc"]
# Fractions of units (saturated, dead) move in steps of 1/(units × examples): a unit at the
# threshold may fall either side on two devices, so they are compared absolutely.
COUNT_COLUMNS = {"saturation", "dead_frac", "test_acc"}


def initlab_run(binary, config, device, out, sets, jobs):
    cmd = [binary, "run", config, "--device", device, "--out", out, "-q", "--no-plot",
           "--fresh", "-j", str(jobs)]
    for s in sets:
        cmd += ["--set", s]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return time.perf_counter() - started


def read(path, key):
    with open(path, newline="") as f:
        return {tuple(row[k] for k in key): row for row in csv.DictReader(f)}


def difference(column, a, b):
    """Relative difference (absolute for counts); None when both are empty."""
    if a == "" and b == "":
        return None
    if a == "" or b == "":
        return math.inf
    x, y = float(a), float(b)
    if math.isnan(x) and math.isnan(y):
        return 0.0
    if column in COUNT_COLUMNS:
        return abs(x - y)
    scale = max(abs(x), abs(y))
    return 0.0 if scale == 0 else abs(x - y) / scale


def agreement(binary, root, gpu, jobs, work):
    config = os.path.join(root, "experiments", "quick.toml")
    folders = {}
    for side, device in [("reference", "cpu"), ("gpu", gpu)]:
        folder = os.path.join(work, f"quick-{side}")
        seconds = initlab_run(binary, config, device, folder, [], jobs if device == "cpu" else 1)
        folders[side] = folder
        print(f"quick start on {device}: {seconds:.1f} s", flush=True)
    cpu, dev = folders["reference"], folders["gpu"]
    lines = ["| table | column | rows | step 0: max | later: median | later: 99% | later: max |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    ok = True
    for table, key, columns in [("layers.csv", ["run_id", "step", "layer"], LAYER_COLUMNS),
                                ("curves.csv", ["run_id", "step"], CURVE_COLUMNS)]:
        a, b = read(os.path.join(cpu, table), key), read(os.path.join(dev, table), key)
        if a.keys() != b.keys():
            only = len(a.keys() ^ b.keys())
            lines.append(f"| {table} | (rows) | {len(a)} vs {len(b)} | {only} rows in one only | | | |")
            ok = False
        for column in columns:
            first, later = [], []
            for k in a.keys() & b.keys():
                d = difference(column, a[k][column], b[k][column])
                if d is not None:
                    (first if k[1] == "0" else later).append(d)
            worst0 = max(first, default=0.0)
            if column not in COUNT_COLUMNS and worst0 > STEP0_TOLERANCE:
                ok = False
            q = np.quantile(later, [0.5, 0.99]) if later else [0.0, 0.0]
            unit = " (abs)" if column in COUNT_COLUMNS else ""
            lines.append(f"| {table} | {column}{unit} | {len(first) + len(later)} | {worst0:.2e} "
                         f"| {q[0]:.2e} | {q[1]:.2e} | {max(later, default=0.0):.2e} |")
    runs_a = read(os.path.join(cpu, "runs.csv"), ["run_id"])
    runs_b = read(os.path.join(dev, "runs.csv"), ["run_id"])
    same_status = sum(runs_a[k]["status"] == runs_b[k]["status"] for k in runs_a if k in runs_b)
    same_target = sum(runs_a[k]["steps_to_target"] == runs_b[k]["steps_to_target"]
                      for k in runs_a if k in runs_b)
    if same_status != len(runs_a) or len(runs_b) != len(runs_a):
        ok = False
    lines.append("")
    lines.append(f"runs.csv: {len(runs_a)} runs on the CPU, {len(runs_b)} on {gpu}; same status "
                 f"for {same_status}, same steps_to_target for {same_target}.")
    verdict = (f"AGREE: step-0 statistics within {STEP0_TOLERANCE:g} relative, same statuses"
               if ok else "DISAGREE: see the table")
    lines.append(f"verdict: {verdict}")
    return ok, "\n".join(lines)


def digits(root):
    path = os.path.join(root, "data", "digits.csv.gz")
    rows = np.loadtxt(gzip.open(path, "rt"), delimiter=",", dtype=np.float64)
    x, y = rows[:, :-1], rows[:, -1].astype(np.int64)
    order = np.random.default_rng(0).permutation(len(x))
    train = order[: int(0.8 * len(x))]
    mean, std = x[train].mean(0), x[train].std(0)
    std[std == 0] = 1.0
    return (torch.tensor(((x - mean) / std)[train], dtype=torch.float32),
            torch.tensor(y[train]))


def torch_steps_per_second(x, y, width, batch, steps, device, reps):
    torch.manual_seed(0)
    sizes = [x.shape[1]] + [width] * DEPTH + [10]
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        lin = torch.nn.Linear(fan_in, fan_out)
        torch.nn.init.normal_(lin.weight, std=fan_in ** -0.5)
        torch.nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < DEPTH:
            layers.append(torch.nn.Tanh())
    net = torch.nn.Sequential(*layers).to(device)
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)

    def loop(n):
        for _ in range(n):
            idx = torch.from_numpy(rng.integers(0, len(x), batch))
            xb, yb = x[idx].to(device), y[idx].to(device)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(xb), yb)
            loss.backward()
            opt.step()
            loss.item()

    loop(20)
    rates = []
    for _ in range(reps):
        if device != "cpu":
            torch.cuda.synchronize()
        started = time.perf_counter()
        loop(steps)
        if device != "cpu":
            torch.cuda.synchronize()
        rates.append(steps / (time.perf_counter() - started))
    return statistics.median(rates)


def initlab_steps_per_second(binary, root, width, batch, device, short, long, work):
    config = os.path.join(root, "experiments", "bench_gpu.toml")
    seconds = {}
    for steps in (short, long):
        folder = os.path.join(work, f"{device}-{width}-{batch}-{steps}")
        initlab_run(binary, config, device, folder,
                    [f"widths=[{width}]", f"train.batch_size={batch}", f"train.steps={steps}",
                     f"train.probe_every={steps}"], 1)
        runs = read(os.path.join(folder, "runs.csv"), ["run_id"]).values()
        timed = sorted(runs, key=lambda r: int(r["seed"]))[1:]
        if any(r["status"] in ("diverged", "failed") for r in timed):
            raise RuntimeError(f"a benchmark run diverged or failed in {folder}")
        seconds[steps] = statistics.median(float(r["wall_seconds"]) for r in timed)
    return (long - short) / (seconds[long] - seconds[short])


# (width, batch) -> (short, long) step counts for the GPU and the CPU; None skips the size.
GPU_STEPS = {(256, 128): (100, 1100), (1024, 128): (100, 1100), (4096, 128): (50, 550),
             (256, 1024): (100, 1100), (1024, 1024): (50, 550), (4096, 1024): (20, 220)}
# Width 4096 on one CPU thread: a 2-step run of one seed took 40-44 s on the development
# machine, and a size trains six runs, so the CPU column stops at 1024.
CPU_STEPS = {(256, 128): (20, 220), (1024, 128): (5, 35), (4096, 128): None,
             (256, 1024): (10, 60), (1024, 1024): (2, 8), (4096, 1024): None}


def speed(binary, root, gpu, torch_device, reps, quick, cpu, work):
    x, y = digits(root)
    lines = ["| width | batch | initlab GPU steps/s | initlab CPU (1 thread) steps/s "
             "| PyTorch GPU steps/s | GPU / CPU | initlab / PyTorch (GPU) |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    sizes = [(w, b) for b in BATCHES for w in WIDTHS]
    if quick:
        sizes = [(256, 128)]
    for width, batch in sizes:
        short, long = GPU_STEPS[(width, batch)]
        g = initlab_steps_per_second(binary, root, width, batch, gpu, short, long, work)
        cpu_steps = CPU_STEPS[(width, batch)]
        c = (initlab_steps_per_second(binary, root, width, batch, "cpu", *cpu_steps, work)
             if cpu_steps and cpu else None)
        t = torch_steps_per_second(x, y, width, batch, long - short, torch_device, reps)
        c_text = f"{c:.1f}" if c else ("skipped (too slow)" if cpu else "not measured")
        ratio = f"{g / c:.1f}×" if c else ""
        lines.append(f"| {width} | {batch} | {g:.1f} | {c_text} | {t:.1f} | {ratio} "
                     f"| {g / t:.2f} |")
        print(lines[-1], flush=True)
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--initlab", required=True, help="an initlab built with --features cuda")
    p.add_argument("--out", required=True, help="folder for the results and tables")
    p.add_argument("--device", default="cuda",
                   help="initlab's --device for the GPU side (cpu checks this script here)")
    p.add_argument("--jobs", type=int, default=os.cpu_count())
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="one size, to check the script")
    p.add_argument("--skip", choices=["agreement", "speed", "cpu"], action="append", default=[],
                   help="leave out a part: the agreement, the speed table, or its CPU column")
    a = p.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_num_threads(1)
    torch_device = "cuda" if a.device == "cuda" else "cpu"
    os.makedirs(a.out, exist_ok=True)
    print(f"torch {torch.__version__}, device {torch_device}"
          + (f" ({torch.cuda.get_device_name(0)})" if torch_device == "cuda" else ""), flush=True)
    ok = True
    with tempfile.TemporaryDirectory() as work:
        if "agreement" not in a.skip:
            ok, table = agreement(a.initlab, root, a.device, a.jobs, work)
            print(table, flush=True)
            with open(os.path.join(a.out, "agreement.md"), "w") as f:
                f.write(table + "\n")
        if "speed" not in a.skip:
            table = speed(a.initlab, root, a.device, torch_device, a.reps, a.quick,
                          "cpu" not in a.skip, work)
            print(table, flush=True)
            with open(os.path.join(a.out, "speed.md"), "w") as f:
                f.write(table + "\n")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
