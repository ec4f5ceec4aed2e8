#!/usr/bin/env python3
"""PyTorch float64 references for the optimizers and learning-rate schedules of `morse train`
(issue 13): torch.optim.SGD (momentum, Nesterov, weight decay), Adam and AdamW, and StepLR.

Writes optimizers.json next to this script. Run it with the private PyTorch of
bench/compare/install-torch.sh (any torch >= 1.13 works; the JSON records the version):

    PY=$(bench/compare/install-torch.sh --print-python)
    "$PY" engine/src/test/resources/reference/optimizers.py            # writes optimizers.json
    "$PY" engine/src/test/resources/reference/optimizers.py --no-write # prints only

What it computes: a small MLP as a stack of nn.Linear (θ in PyTorch's order, SPEC §1) with
explicit θ₀ and data, trained for a few steps on EXPLICIT minibatches (index lists stored in the
JSON; Morse's shuffling is its own) with an explicit learning rate per step, by each optimizer
configuration. The objective of a step is L_B + R with L_B = nn.CrossEntropyLoss() (mean over the
batch) and R = (λ/2)‖θ‖² (SPEC §4's l2, biases included) or none; the gradient comes from
loss.backward(), the update from optimizer.step() with foreach=False (the single-tensor code
path, as on CPU by default). For each step the JSON holds the objective at the step's θ and θ
after the update, flat in PyTorch's order.

StepLR: the learning rates of `epochs` epochs of StepLR(step_size, gamma), read from the optimizer
before each epoch's step, as a training loop sees them.
"""

import argparse
import json
import math
import os
import platform
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))

WIDTHS = [4, 5, 3]
ACTIVATION = "tanh"
N = 10
SEED = 2024
# Minibatches of two epochs of 10 samples with B = 4 (the last batch of each epoch keeps 2).
BATCHES = [[3, 7, 0, 9], [1, 4, 8, 2], [6, 5],
           [2, 9, 4, 0], [7, 1, 3, 6], [8, 5]]
LRS = [0.1, 0.1, 0.08, 0.06, 0.06, 0.03]

# name, optimizer, kwargs, l2 of the objective (None: no regularizer), lr scale
CONFIGS = [
    ("sgd", "sgd", dict(), None, 1.0),
    ("sgd_momentum", "sgd", dict(momentum=0.9), None, 1.0),
    ("sgd_nesterov_decay", "sgd", dict(momentum=0.9, nesterov=True, weight_decay=1e-2), None, 1.0),
    ("sgd_momentum_decay_l2", "sgd", dict(momentum=0.5, weight_decay=1e-3), 1e-2, 1.0),
    ("adam", "adam", dict(), None, 0.1),
    ("adam_betas_decay", "adam", dict(betas=(0.8, 0.99), eps=1e-6, weight_decay=1e-2), None, 0.1),
    ("adamw", "adamw", dict(weight_decay=0.1), None, 0.1),
    ("adamw_default_decay_l2", "adamw", dict(), 1e-2, 0.1),
]

STEPLR = dict(base=0.1, step_size=2, gamma=0.5, epochs=7)


def make_model():
    mods = []
    for l in range(len(WIDTHS) - 1):
        mods.append(nn.Linear(WIDTHS[l], WIDTHS[l + 1]))
        if l < len(WIDTHS) - 2:
            mods.append(nn.Tanh())
    return nn.Sequential(*mods).double()


def flat(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def run_config(name, kind, kwargs, l2, lr_scale, theta0, X, Y):
    model = make_model()
    nn.utils.vector_to_parameters(theta0.clone(), model.parameters())
    params = list(model.parameters())
    lrs = [lr * lr_scale for lr in LRS]
    common = dict(lr=lrs[0], foreach=False)
    if kind == "sgd":
        opt = torch.optim.SGD(params, **common, **kwargs)
    elif kind == "adam":
        opt = torch.optim.Adam(params, **common, **kwargs)
    else:
        opt = torch.optim.AdamW(params, **common, **kwargs)
    steps = []
    for batch, lr in zip(BATCHES, lrs):
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad()
        idx = torch.tensor(batch)
        obj = F.cross_entropy(model(X[idx]), Y[idx])
        if l2 is not None:
            obj = obj + 0.5 * l2 * sum((p * p).sum() for p in params)
        obj.backward()
        opt.step()
        steps.append(dict(lr=lr, objective=obj.item(), theta=flat(model).tolist()))
    defaults = {k: (list(v) if isinstance(v, tuple) else v) for k, v in opt.defaults.items()
                if k in ("momentum", "dampening", "nesterov", "weight_decay", "betas", "eps", "amsgrad")}
    return dict(name=name, optimizer=kind, settings=defaults, l2=l2, steps=steps)


def steplr():
    p = nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=STEPLR["base"])
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=STEPLR["step_size"], gamma=STEPLR["gamma"])
    lrs = []
    for _ in range(STEPLR["epochs"]):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return dict(STEPLR, lrs=lrs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-write", action="store_true", help="print a summary, write nothing")
    args = ap.parse_args()
    g = torch.Generator().manual_seed(SEED)
    P = sum(WIDTHS[l + 1] * (WIDTHS[l] + 1) for l in range(len(WIDTHS) - 1))
    theta0 = 0.5 * torch.randn(P, generator=g)
    X = torch.randn(N, WIDTHS[0], generator=g)
    Y = torch.randint(0, WIDTHS[-1], (N,), generator=g)
    cases = [run_config(*c, theta0, X, Y) for c in CONFIGS]
    doc = dict(
        description="torch.optim trajectories on explicit minibatches (optimizers.py)",
        torch=torch.__version__, python=platform.python_version(),
        widths=WIDTHS, activation=ACTIVATION, loss="cross_entropy", N=N,
        theta0=theta0.tolist(), X=X.flatten().tolist(), y=Y.tolist(),
        batches=BATCHES, configs=cases, steplr=steplr())
    for c in cases:
        t = c["steps"][-1]["theta"]
        print(f"{c['name']:26s} objective {c['steps'][0]['objective']:.6f} -> {c['steps'][-1]['objective']:.6f}  |θ|={math.sqrt(sum(x * x for x in t)):.6f}")
    print("StepLR:", doc["steplr"]["lrs"])
    if not args.no_write:
        with open(os.path.join(HERE, "optimizers.json"), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        print("wrote", os.path.join(HERE, "optimizers.json"))


if __name__ == "__main__":
    sys.exit(main())
