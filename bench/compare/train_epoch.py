#!/usr/bin/env python3
"""One SGD epoch on Fashion-MNIST, Morse (`bin/morse train`) vs the same loop in PyTorch, float64,
the same thread count, alternating in one run (issue 13's training benchmark).

NOT PART OF CI. Needs PyTorch (any >= 1.13: Debian's python3-torch, the private CPU build of
install-torch.sh, or both: every installation found runs, --pythons) and Debian's
dataset-fashion-mnist (or MORSE_FASHION_MNIST_DIR); the script itself runs under any Python 3:

    python3 bench/compare/train_epoch.py                     # 784-256-256-10 gelu, B = 128, T = 2, 2 rounds
    python3 bench/compare/train_epoch.py --rounds 3 --epochs 3 --json out.json
    python3 bench/compare/train_epoch.py --help

What is timed: the optimizer steps of one epoch (60000 samples, ⌈60000/128⌉ = 469 minibatches,
the last one of 96), nothing else: per minibatch the gather of its rows, the forward pass, the
loss (mean cross-entropy), the backward pass and the SGD update (momentum 0.9, dampening 0,
lr 0.05). Morse reports exactly that time per epoch in its log (`epochs[i].seconds`; no held-out
set: `--data fashion-mnist:test=0`). The first epoch of each process is reported apart ("cold":
the JIT compiles Morse's kernels during it; PyTorch has its own first-call costs); the speed-up
uses the median of the later ("warm") epochs of all rounds.

PyTorch variants (the best is the baseline): `loop` (nn.Sequential of nn.Linear and nn.GELU,
torch.optim.SGD(foreach=False), the CPU default path) and `foreach` (SGD(foreach=True), the
multi-tensor update), both with torch.set_num_threads(T) and X[idx] gathers from one float64
tensor. GELU is the exact erf form on both sides (nn.GELU(approximate='none'), Morse's gelu).
Each variant runs in each threading configuration, in its own process (the environment must be
set before torch loads): `default` (torch.set_num_threads(T) only) and `passive`
(OMP_WAIT_POLICY=PASSIVE: OpenMP's threads sleep instead of spinning at barriers; on a shared,
oversubscribed machine spinning threads lose their time slices and an epoch can take 20x longer).

Alternation: each round runs every PyTorch variant × configuration for --epochs epochs and one
Morse process for --epochs epochs; odd rounds start with Morse. Run it on a quiet machine: the
script prints the load average before and after.
"""

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"


def load_fashion_mnist(np):
    d = os.environ.get("MORSE_FASHION_MNIST_DIR") or DEFAULT_DIR

    def read(name):
        for f in (os.path.join(d, name + ".gz"), os.path.join(d, name)):
            if os.path.exists(f):
                with (gzip.open(f, "rb") if f.endswith(".gz") else open(f, "rb")) as fh:
                    return fh.read()
        sys.exit("train_epoch: %s not found in %s (apt-get install dataset-fashion-mnist, or set MORSE_FASHION_MNIST_DIR)" % (name, d))

    img = read("train-images-idx3-ubyte")
    lab = read("train-labels-idx1-ubyte")
    n = int.from_bytes(img[4:8], "big")
    x = np.frombuffer(img, dtype=np.uint8, offset=16).reshape(n, 784).astype(np.float64) / 255.0
    y = np.frombuffer(lab, dtype=np.uint8, offset=8).astype(np.int64)
    return x, y


def torch_epochs(torch, X, Y, widths, variant, epochs, batch, lr, momentum, seed):
    """Seconds of each epoch's steps for one PyTorch variant (a fresh model per call)."""
    nn = torch.nn
    F = torch.nn.functional
    torch.manual_seed(seed)
    layers = []
    for l in range(len(widths) - 1):
        layers.append(nn.Linear(widths[l], widths[l + 1]))
        if l < len(widths) - 2:
            layers.append(nn.GELU())
    model = nn.Sequential(*layers).double()
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, foreach=(variant == "foreach"))
    n = X.shape[0]
    g = torch.Generator().manual_seed(seed)
    times, losses = [], []
    for _ in range(epochs):
        perm = torch.randperm(n, generator=g)
        t0 = time.perf_counter()
        total = 0.0
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            xb, yb = X[idx], Y[idx]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        times.append(time.perf_counter() - t0)
        losses.append(total / n)
    return times, losses


CONFIGS = {"default": {}, "passive": {"OMP_WAIT_POLICY": "PASSIVE"}}


def torch_worker(args):
    """--worker VARIANT: one PyTorch variant in this (fresh) process; prints its times as JSON."""
    import numpy as np
    import torch
    torch.set_num_threads(args.threads)
    x, y = load_fashion_mnist(np)
    t, loss = torch_epochs(torch, torch.from_numpy(x), torch.from_numpy(y), [int(w) for w in args.model.split("-")], args.worker,
                           args.epochs, args.batch, args.lr, args.momentum, args.seed)
    print(json.dumps({"times": t, "loss": loss, "torch": torch.__version__, "numpy": np.__version__,
                      "threads": torch.get_num_threads()}))
    return 0


def torch_process(args, variant, config, python):
    cmd = [python, os.path.abspath(__file__), "--worker", variant, "--model", args.model, "--batch", str(args.batch),
           "--epochs", str(args.epochs), "--threads", str(args.threads), "--lr", str(args.lr), "--momentum", str(args.momentum),
           "--seed", str(args.seed)]
    env = dict(os.environ, **CONFIGS[config])
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit("train_epoch: PyTorch worker %s [%s] failed (exit %d):\n%s" % (variant, config, p.returncode, p.stderr))
    return json.loads(p.stdout.strip().splitlines()[-1])


def morse_epochs(cmd, model, activation, epochs, batch, lr, momentum, threads, seed):
    args = cmd + ["train", "--data", "fashion-mnist:test=0", "--model", model, "--activation", activation, "--loss", "cross_entropy",
                  "--optimizer", "sgd", "--lr", str(lr), "--momentum", str(momentum), "--batch-size", str(batch),
                  "--epochs", str(epochs), "--seed", str(seed), "--threads", str(threads), "--json", "-", "-q"]
    p = subprocess.run(args, cwd=REPO, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("train_epoch: morse failed (exit %d):\n%s\n%s" % (p.returncode, " ".join(args), p.stderr))
    log = json.loads(p.stdout)
    return [e["seconds"] for e in log["epochs"]], [e["train_loss"] for e in log["epochs"]], log["training"]["chunk_plan"], log["backend"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="784-256-256-10")
    ap.add_argument("--activation", default="gelu", choices=["gelu"], help="exact GELU on both sides")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=3, help="epochs per process and round (the first is 'cold')")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--morse-cmd", default=os.path.join(REPO, "bin", "morse"), help="how to run Morse (default: bin/morse)")
    ap.add_argument("--json", help="save raw times and settings here")
    ap.add_argument("--configs", default="default,passive", help="PyTorch threading configurations to run (of: %s)" % ", ".join(CONFIGS))
    ap.add_argument("--pythons", default="auto",
                    help="PyTorch installations to run side by side: comma-separated interpreters, or 'auto' (default: Debian's "
                         "/usr/bin/python3 and the private install of install-torch.sh, where each imports torch)")
    ap.add_argument("--variants", default="loop,foreach", help="PyTorch variants (of: loop, foreach; default %(default)s)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return torch_worker(args)
    if args.epochs < 2:
        sys.exit("train_epoch: --epochs must be >= 2 (the first epoch of each process is cold)")
    import installs as installations
    blas_removed = installations.blas_on_its_own(log=lambda m: print(m, file=sys.stderr))
    insts = installations.installations(args.pythons, log=lambda m: print(m, file=sys.stderr))
    by_label = {i["label"]: i for i in insts}
    morse_cmd = args.morse_cmd.split()
    print("building / checking Morse: %s --version" % args.morse_cmd, flush=True)
    subprocess.run(morse_cmd + ["--version"], cwd=REPO, check=True, capture_output=True)
    load_before = os.getloadavg()
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    for c in configs:
        if c not in CONFIGS:
            sys.exit("train_epoch: unknown --configs entry '%s' (expected %s)" % (c, ", ".join(CONFIGS)))
    variants = ["%s [%s/%s]" % (v, i["label"], c) for i in insts for c in configs for v in args.variants.split(",")]
    times = {v: {"cold": [], "warm": [], "loss": []} for v in variants + ["morse"]}
    plan = backend = None
    for r in range(args.rounds):
        order = (["morse"] + variants) if r % 2 else (variants + ["morse"])
        for v in order:
            if v == "morse":
                t, loss, plan, backend = morse_epochs(morse_cmd, args.model, args.activation, args.epochs, args.batch, args.lr, args.momentum,
                                                      args.threads, args.seed)
            else:
                variant, where = v.split(" [")
                label, config = where.rstrip("]").split("/")
                w = torch_process(args, variant, config, by_label[label]["python"])
                t, loss = w["times"], w["loss"]
            times[v]["cold"].append(t[0])
            times[v]["warm"].extend(t[1:])
            times[v]["loss"].append(loss)
            print("round %d %-18s epochs %s s   (mean minibatch loss %s)" % (r + 1, v, " ".join("%.2f" % s for s in t),
                                                                         " ".join("%.4f" % l for l in loss)), flush=True)
    load_after = os.getloadavg()
    med = {v: statistics.median(times[v]["warm"]) for v in times}
    best = min(variants, key=lambda v: med[v])
    ratio = med[best] / med["morse"]
    steps = (60000 + args.batch - 1) // args.batch
    print()
    print("One SGD epoch (momentum %g, lr %g), %s %s, cross_entropy, Fashion-MNIST 60000, batch %d (%d steps), float64, T=%d threads"
          % (args.momentum, args.lr, args.model, args.activation, args.batch, steps, args.threads))
    print("%-36s %14s %8s %14s" % ("", "median warm s", "(n)", "median cold s"))
    for v in ["morse"] + variants:
        label = "Morse" if v == "morse" else "PyTorch " + v
        print("%-36s %14.3f %8s %14.3f" % (label, med[v], "(%d)" % len(times[v]["warm"]), statistics.median(times[v]["cold"])))
    print("speed-up = best PyTorch (%s) / Morse = %.2fx   (issue 13 target: >= 1.3x: %s)" % (best, ratio, "MET" if ratio >= 1.3 else "not met"))
    print("Morse chunk plan per batch: %s; PyTorch %s" % (plan, ", ".join("%s = torch %s (BLAS %s, %s)" % (
        i["label"], i["torch"], i["blas"], i["python"]) for i in insts)))
    print("machine: %s; load average before %s, after %s" % (installations.machine_info(), tuple(round(l, 2) for l in load_before),
                                                            tuple(round(l, 2) for l in load_after)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"settings": vars(args), "times": times, "median_warm": med, "best_pytorch": best, "speedup": ratio,
                       "morse_chunk_plan": plan, "morse_backend": backend, "installations": insts, "machine": installations.machine_info(), "blas_env_removed": blas_removed,
                       "load_before": load_before, "load_after": load_after}, f, indent=1)
        print("saved", args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
