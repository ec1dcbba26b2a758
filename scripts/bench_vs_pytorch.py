"""initlab against the PyTorch notebook it replaces, measured back to back.

For each size (depth, width), the same MLP is trained by initlab (through its benchmark
harness, `benches/train_step.rs`) and by PyTorch here, in alternating rounds (one repetition
of each and one large torch matmul per round; ratios are medians of the per-round ratios, so
that the machine's drift between rounds cancels): the bundled digits
(64 inputs, 10 classes, standardized with the training split's statistics), batch 128, tanh,
LeCun-normal weights and zero biases, plain SGD at 0.01, one thread each. Both report the
steps/s of the training loop in the thread's CPU time (on a shared machine wall-clock time
also counts the time neighbours hold the core), with per-layer statistics never, every 10 steps
and every step; PyTorch takes them the way a notebook does, with forward hooks and tensor hooks on
the training batch, the same nine numbers per layer that initlab's `layers.csv` holds.

With `--recurrent`, the same back-to-back rounds for the recurrent networks instead
(`recurrent_round`): a single-layer tanh `nn.RNN` / `nn.LSTM` of H = 64 and 128 units over the
adding problem of T = 100 steps (1,024 sequences), batch 64, PyTorch's default U(±1/√H) weights,
a linear read-out of the last state, MSE, plain SGD at 1e-3, one thread each, against initlab's
`train_step -- --rnn CELL --hidden H` (the same network, data and optimizer). Statistics are
left out on the PyTorch side: `nn.RNN` and `nn.LSTM` do not expose the per-step states'
gradients (a notebook would unroll the cell by hand); initlab's cost of statistics every 10
steps is printed beside.

Run through scripts/bench_vs_pytorch.sh, which makes the virtualenv and builds initlab.
"""

import argparse
import gzip
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

SIZES = [(5, 64, 1200), (10, 256, 200), (20, 256, 100), (5, 1024, 40)]
BATCH = 128
LR = 0.01
SATURATED = 0.9746794344808963  # atanh(sqrt(0.95)): |z| above it has tanh' < 0.05


def digits(path):
    rows = np.loadtxt(gzip.open(path, "rt"), delimiter=",", dtype=np.float64)
    x, y = rows[:, :-1], rows[:, -1].astype(np.int64)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(x))
    train = order[: int(0.8 * len(x))]
    mean, std = x[train].mean(0), x[train].std(0)
    std[std == 0] = 1.0
    x = (x - mean) / std
    test = order[int(0.8 * len(x)):]
    as_torch = lambda idx: (torch.tensor(x[idx], dtype=torch.float32), torch.tensor(y[idx]))
    return as_torch(train), as_torch(test)


def model(depth, width, scheme="lecun_normal", activation="tanh"):
    sizes = [64] + [width] * depth + [10]
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        lin = torch.nn.Linear(fan_in, fan_out)
        if scheme == "lecun_normal":
            torch.nn.init.normal_(lin.weight, std=fan_in**-0.5)
        elif scheme == "xavier_normal":
            torch.nn.init.xavier_normal_(lin.weight)
        elif scheme == "he_normal":
            torch.nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
        elif scheme == "orthogonal":
            torch.nn.init.orthogonal_(lin.weight)
        if scheme != "standard":  # "standard" keeps torch's own Linear default
            torch.nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < depth:
            layers.append(torch.nn.Tanh() if activation == "tanh" else torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


class Statistics:
    """Per-layer statistics from hooks, the way a notebook gathers them."""

    def __init__(self, net, activation="tanh"):
        self.net = net
        self.activation = activation
        self.active = False
        self.z, self.h, self.delta = {}, {}, {}
        linears = [m for m in net if isinstance(m, torch.nn.Linear)]
        self.linears = linears
        for i, lin in enumerate(linears):
            lin.register_forward_hook(self.forward_hook(i))

    def forward_hook(self, i):
        def hook(_module, _inputs, z):
            if not self.active:
                return
            self.z[i] = z.detach()
            z.register_hook(lambda g: self.delta.__setitem__(i, g.detach()))

        return hook

    def gather(self, batch):
        rows = []
        for i, lin in enumerate(self.linears):
            z = self.z[i]
            last = i == len(self.linears) - 1
            if last:
                h, sat = z, torch.zeros_like(z, dtype=torch.bool)
            elif self.activation == "tanh":
                h, sat = torch.tanh(z), z.abs() > SATURATED
            else:
                h, sat = torch.relu(z), z <= 0
            delta = self.delta[i] * batch
            rows.append(
                torch.stack(
                    [
                        z.mean(),
                        z.var(unbiased=False),
                        h.mean(),
                        h.var(unbiased=False),
                        sat.float().mean(),
                        sat.all(0).float().mean(),
                        delta.var(unbiased=False),
                        lin.weight.grad.var(unbiased=False),
                        lin.weight.var(unbiased=False),
                    ]
                ).tolist()
            )
        return rows


def fixed_probe(net, stats, loss_fn, extras):
    """What initlab does at step 0 and after the last step: the statistics and 40-bin
    histograms of every layer on a fixed batch of 512 training examples, and the test loss and
    accuracy."""
    probe_x, probe_y, test_x, test_y = extras
    stats.active = True
    loss = loss_fn(net(probe_x), probe_y)
    net.zero_grad(set_to_none=True)
    loss.backward()
    rows = stats.gather(len(probe_x))
    hists = [torch.histc(z, bins=40) for z in stats.z.values()]
    net.zero_grad(set_to_none=True)
    stats.active = False
    with torch.no_grad():
        logits = net(test_x)
        test = (loss_fn(logits, test_y).item(), (logits.argmax(1) == test_y).float().mean().item())
    return rows, hists, test


def train(depth, width, steps, every, x, y, seed=0, scheme="lecun_normal", activation="tanh",
          extras=None):
    """One run as a notebook writes it: hooks for the statistics every `every` steps; with
    `extras`, also initlab's fixed-batch probes and test evaluations at the start and the end."""
    torch.manual_seed(seed)
    net = model(depth, width, scheme, activation)
    stats = Statistics(net, activation)
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    if extras is not None:
        fixed_probe(net, stats, loss_fn, extras)
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(x), generator=gen)
    cursor, log = 0, []
    for step in range(steps):
        if cursor + BATCH > len(x):
            order, cursor = torch.randperm(len(x), generator=gen), 0
        idx = order[cursor : cursor + BATCH]
        cursor += BATCH
        stats.active = every is not None and step % every == 0
        loss = loss_fn(net(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if stats.active:
            log.append(stats.gather(BATCH))
        log.append(loss.item())
        opt.step()
    if extras is not None:
        log.append(fixed_probe(net, stats, loss_fn, extras))
    return log


def sweep_point(point):
    scheme, activation, depth, width, seed = point
    torch.set_num_threads(1)
    x, y, extras = SWEEP_DATA
    train(depth, width, 200, 10, x, y, seed, scheme, activation, extras)


SWEEP_DATA = None


def pytorch_sweep(x, y, test):
    """The 160-run sweep of experiments/bench_sweep.toml in a 2-process pool, with the same
    fixed-batch probes (the first 512 training examples) and test evaluations at the start and
    the end as initlab's runs; seconds."""
    global SWEEP_DATA
    SWEEP_DATA = (x, y, (x[:512], y[:512], test[0], test[1]))
    points = [(s, a, d, w, seed)
              for s in ["lecun_normal", "xavier_normal", "he_normal", "orthogonal", "standard"]
              for a in ["tanh", "relu"] for d in [2, 5, 10, 20] for w in [64, 256]
              for seed in [0, 1]]
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(sweep_point, points, chunksize=1)
    return time.perf_counter() - start


def initlab_sweep(binary):
    start = time.perf_counter()
    subprocess.run([binary, "run", "experiments/bench_sweep.toml", "--jobs", "2", "--no-plot",
                    "--fresh", "--quiet", "--out", "target/bench-sweep"], check=True)
    return time.perf_counter() - start


def torch_steps_per_second(depth, width, steps, reps, x, y, warmup=True):
    """Steps/s with statistics never, every 10 steps and every step, counted as initlab's
    harness counts them: the time of `steps` steps minus that of one step, so that building the
    model is left out on both sides. The three settings are timed in turn within each
    repetition (so a drift of the machine hits them alike); medians over `reps`, after a
    warm-up round if `warmup`."""
    modes = (None, 10, 1)
    full = {every: [] for every in modes}
    one = {every: [] for every in modes}
    for rep in range(-1 if warmup else 0, reps):
        for every in modes:
            for n, times in ((steps, full), (1, one)):
                start = time.thread_time()
                train(depth, width, n, every, x, y, seed=max(rep, 0))
                if rep >= 0:
                    times[every].append(time.thread_time() - start)
    median = statistics.median
    return {e: (steps - 1) / (median(full[e]) - median(one[e])) for e in modes}


def initlab_steps_per_second(bench, depth, width, steps, reps):
    """initlab's three steps/s, measured the same way by its benchmark harness."""
    cmd = [bench, "--size", f"{depth}x{width}", "--steps", str(steps), "--reps", str(reps)]
    env = dict(os.environ, RAYON_NUM_THREADS="1", CANDLE_NUM_THREADS="1")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    plain, every10, every1 = map(float, out.stdout.split())
    return {None: plain, 10: every10, 1: every1}


def paired_steps_per_second(bench, depth, width, steps, reps, x, y):
    """Both tools' three steps/s and torch's large-matmul rate, in `reps` rounds of one initlab
    repetition, one PyTorch repetition and one large matmul, so that all three sample the same
    stretch of this shared machine's drift. Returns, as medians over the rounds: each tool's
    steps/s per setting, the per-round ratio of plain training steps/s (initlab to PyTorch),
    initlab's share of the matmul's GFLOP/s, and each tool's per-round cost of statistics
    every 10 steps and every step (its plain steps/s over its steps/s with statistics, less 1:
    within a round the three settings run back to back)."""
    rounds = []
    for rep in range(reps):
        mine = initlab_steps_per_second(bench, depth, width, steps, 1)
        other = torch_steps_per_second(depth, width, steps, 1, x, y, warmup=rep == 0)
        rounds.append((mine, other, matmul_gflops()))
    median = statistics.median
    modes = (None, 10, 1)
    cost = lambda i, every: median(r[i][None] / r[i][every] - 1 for r in rounds)
    return {
        "initlab": {e: median(r[0][e] for r in rounds) for e in modes},
        "torch": {e: median(r[1][e] for r in rounds) for e in modes},
        "ratio": median(r[0][None] / r[1][None] for r in rounds),
        "share": median(r[0][None] * flops_per_step(depth, width) / 1e9 / r[2] for r in rounds),
        "cost": {(who, e): cost(i, e) for i, who in enumerate(("initlab", "torch")) for e in (10, 1)},
    }


def flops_per_step(depth, width):
    """Multiply-adds x 2 of forward (1x) and backward (2x, but no input gradient of layer 1)."""
    sizes = [64] + [width] * depth + [10]
    macs = sum(a * b for a, b in zip(sizes, sizes[1:]))
    return 2 * BATCH * (3 * macs - sizes[0] * sizes[1])


def matmul_gflops(n=2048, reps=3):
    """GFLOP/s of torch's single-thread n³ f32 matmul, the median of `reps` in thread CPU
    time (like every other figure here)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    return 2 * n**3 / statistics.median(_timed(lambda: a @ b) for _ in range(reps)) / 1e9


def _timed(f):
    start = time.thread_time()
    f()
    return time.thread_time() - start


RECURRENT_SIZES = [("rnn", 64, 200), ("rnn", 128, 100), ("lstm", 64, 60), ("lstm", 128, 20)]
RECURRENT_BATCH = 64
RECURRENT_STEPS = 100


def adding_problem(length, samples=1024, seed=0):
    """Hochreiter & Schmidhuber's adding problem: per step a value in [0, 1) and a marker, two
    steps marked, the target their sum; `[samples, length, 2]`. initlab marks one step in each
    half; here they fall anywhere, which changes nothing a step costs."""
    rng = np.random.default_rng(seed)
    values = rng.random((samples, length))
    markers = np.zeros((samples, length))
    for row in markers:
        row[rng.choice(length, 2, replace=False)] = 1.0
    x = np.stack([values, markers], axis=2)
    y = (values * markers).sum(1, keepdims=True)
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


def train_recurrent(cell, hidden, steps, x, y, seed=0):
    """One run of `steps` SGD steps of a tanh RNN or LSTM with its read-out, as a notebook
    writes it."""
    torch.manual_seed(seed)
    kind = torch.nn.RNN if cell == "rnn" else torch.nn.LSTM
    net = kind(x.shape[2], hidden, batch_first=True)
    readout = torch.nn.Linear(hidden, 1)
    opt = torch.optim.SGD(list(net.parameters()) + list(readout.parameters()), lr=1e-3)
    gen = torch.Generator().manual_seed(seed)
    order, cursor = torch.randperm(len(x), generator=gen), 0
    for _ in range(steps):
        if cursor + RECURRENT_BATCH > len(x):
            order, cursor = torch.randperm(len(x), generator=gen), 0
        idx = order[cursor : cursor + RECURRENT_BATCH]
        cursor += RECURRENT_BATCH
        states, _ = net(x[idx])
        loss = torch.nn.functional.mse_loss(readout(states[:, -1]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def torch_recurrent_steps_per_second(cell, hidden, steps, x, y):
    """Steps/s of `train_recurrent` counted as initlab's harness counts them: the time of `steps`
    steps minus that of one, in the thread's CPU time."""
    times = []
    for n in (steps, 1):
        start = time.thread_time()
        train_recurrent(cell, hidden, n, x, y)
        times.append(time.thread_time() - start)
    return (steps - 1) / (times[0] - times[1])


def initlab_recurrent_steps_per_second(bench, cell, hidden):
    """initlab's steps/s without statistics and with them every 10 steps."""
    cmd = [bench, "--rnn", cell, "--hidden", str(hidden), "--length", str(RECURRENT_STEPS),
           "--reps", "1"]
    env = dict(os.environ, RAYON_NUM_THREADS="1", CANDLE_NUM_THREADS="1")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    plain, every10 = map(float, out.stdout.split())
    return plain, every10


def recurrent_round(bench, cell, hidden, steps, reps, x, y):
    """`reps` rounds of one initlab and one PyTorch measurement (after a warm-up round of
    PyTorch); medians of each side's steps/s, of the per-round ratio, and of initlab's cost of
    statistics every 10 steps."""
    torch_recurrent_steps_per_second(cell, hidden, 2, x, y)
    rounds = []
    for _ in range(reps):
        plain, every10 = initlab_recurrent_steps_per_second(bench, cell, hidden)
        theirs = torch_recurrent_steps_per_second(cell, hidden, steps, x, y)
        rounds.append((plain, theirs, plain / every10 - 1))
    median = statistics.median
    return tuple(median(r[i] for r in rounds) for i in range(2)) + (
        median(r[0] / r[1] for r in rounds), median(r[2] for r in rounds))


def recurrent_table(bench, reps, scale):
    x, y = adding_problem(RECURRENT_STEPS)
    print(f"\nRecurrent networks, T = {RECURRENT_STEPS}, batch {RECURRENT_BATCH}, tanh, SGD:\n")
    print("| cell | H | initlab steps/s | PyTorch steps/s | ratio | initlab stats /10 |")
    print("|---|---|---|---|---|---|")
    for cell, hidden, steps in RECURRENT_SIZES:
        steps = max(10, int(steps * scale))
        ours, theirs, ratio, cost = recurrent_round(bench, cell, hidden, steps, reps, x, y)
        print(f"| {cell} | {hidden} | {ours:.1f} | {theirs:.1f} | {ratio:.2f}x "
              f"| {100 * cost:+.0f}% |", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bench", required=True, help="initlab's train_step bench executable")
    p.add_argument("--digits", default="data/digits.csv.gz")
    p.add_argument("--reps", type=int, default=9)
    p.add_argument("--scale", type=float, default=1.0, help="multiply the step counts")
    p.add_argument("--initlab", default="target/release/initlab", help="initlab's binary")
    p.add_argument("--no-sweep", action="store_true", help="skip the 160-run sweep")
    p.add_argument("--sweep-only", action="store_true", help="only the 160-run sweep")
    p.add_argument("--recurrent", action="store_true", help="only the recurrent networks")
    args = p.parse_args()
    torch.set_num_threads(1)
    if args.recurrent:
        print(f"machine: {os.uname().machine}, torch {torch.__version__}, 1 thread")
        recurrent_table(args.bench, args.reps, args.scale)
        return
    (x, y), test = digits(args.digits)
    peak = matmul_gflops()
    print(f"machine: {os.uname().machine}, torch {torch.__version__}, 1 thread; "
          f"torch 2048^3 f32 matmul: {peak:.1f} GFLOP/s", flush=True)
    header = (f"| depth, width | initlab steps/s | PyTorch steps/s | ratio | initlab GFLOP/s "
              f"| % of matmul | initlab stats /10 | /1 | PyTorch stats /10 | /1 |")
    print(header)
    print("|" + "---|" * 10)
    for depth, width, steps in [] if args.sweep_only else SIZES:
        steps = max(20, int(steps * args.scale))
        m = paired_steps_per_second(args.bench, depth, width, steps, args.reps, x, y)
        ours, theirs = m["initlab"][None], m["torch"][None]
        gflops = ours * flops_per_step(depth, width) / 1e9
        cost = lambda who, every: 100 * m["cost"][(who, every)]
        print(f"| {depth}, {width} | {ours:.1f} | {theirs:.1f} | {m['ratio']:.2f}x "
              f"| {gflops:.1f} | {100 * m['share']:.0f}% "
              f"| {cost('initlab', 10):+.0f}% | {cost('initlab', 1):+.0f}% "
              f"| {cost('torch', 10):+.0f}% | {cost('torch', 1):+.0f}% |", flush=True)
    if not args.no_sweep:
        ours, theirs = initlab_sweep(args.initlab), pytorch_sweep(x, y, test)
        print(f"\n160-run sweep (experiments/bench_sweep.toml), 2 workers: initlab {ours:.1f} s, "
              f"PyTorch {theirs:.1f} s, ratio {ours / theirs:.2f}x (lower is faster)")


if __name__ == "__main__":
    sys.exit(main())
