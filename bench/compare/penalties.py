#!/usr/bin/env python3
"""Morse vs PyTorch, side by side: one training step with a penalty of SPEC §11 (issue 13).

A step = the objective and its gradient (or SPEC §11's update direction) at a new θ on one
minibatch, float64, the same thread count T on both sides:

  gradient_norm:ρ      ρ‖∇L‖:        PyTorch's DOUBLE BACKWARD (grad with create_graph, then grad of L + ρ‖g‖)
  hessian_trace:σ²:1   (σ²/2) vᵀHv:  PyTorch's TRIPLE BACKWARD (g, then Hv with create_graph, then grad of L + (σ²/2) vᵀHv)
  ggn_trace:σ²:1       (σ²/2) vᵀGv:  J v by the double-vjp trick with create_graph, H_ℓ analytic, then grad
  sam:ρ                ∇L(θ + ρg/‖g‖): two backward passes

plus torch.func variants (forward-over-reverse) where they apply; the best PyTorch variant is also
reported. PyTorch runs in worker processes, one per installation (--pythons: Debian's torch 1.13
and the private 2.x MKL wheel by default; 1.13 has no torch.func, so only its autograd variants
run) and threading configuration (the environment must be set before torch starts its OpenMP pool):

  default   torch.set_num_threads(T) only (OpenMP threads spin while waiting: on a machine that
            other processes share, this can be 10x slower, see bench/RESULTS.md)
  passive   the same with OMP_WAIT_POLICY=PASSIVE (waiting threads sleep)
  intra1    torch.set_num_threads(1) (MKL single-threaded too): no thread waits at all

and each variant's figure is its best configuration (named in the table). Probes v ~ N(0, I) are drawn inside every step on both sides (torch.randn; Morse's
ziggurat from the step seed). Morse runs as `bin/morse bench --products *_step --json` (see
`bin/morse bench --help`), ALTERNATING with PyTorch in one run: each round times every PyTorch
variant and then Morse (odd rounds: Morse first); medians are pooled over rounds.

NOT PART OF CI. Needs a PyTorch with torch.func (≥ 2.0), e.g. the private CPU install:

    PY=$(bench/compare/install-torch.sh --print-python)
    "$PY" bench/compare/penalties.py                     # 784-256-256-10 tanh cross_entropy, batch 128
    "$PY" bench/compare/penalties.py --rounds 3 --json penalties-bench.json
    "$PY" bench/compare/penalties.py --help

Data: synthetic and seeded on both sides with the same distributions (inputs uniform on [−1, 1],
labels uniform, θ as nn.Linear's default), from different generators: the work is the same,
the values differ (exactness is checked by the test suite, against penalties.json).
"""

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))

# product -> (Morse bench product, PyTorch reference variant the issue names, target speed-up or None)
PRODUCTS = {
    "gradient_norm": ("gradient_norm_step", "double_backward", 1.3),
    "hessian_trace": ("hessian_trace_step", "triple_backward", None),
    "ggn_trace": ("ggn_trace_step", "double_backward_rop", None),
    "sam": ("sam_step", "two_backward", None),
}
RHO, SIGMA2, SAM_RHO = 0.1, 0.1, 0.05


def load_avg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


# =================================================================================== PyTorch side

class TorchSide:
    def __init__(self, widths, activation, batch, threads, seed):
        import torch
        import torch.nn.functional as F
        self.torch, self.F = torch, F
        torch.set_default_dtype(torch.float64)
        torch.set_num_threads(threads)
        g = torch.Generator().manual_seed(seed)
        self.widths = widths
        self.act = {"tanh": torch.tanh, "gelu": lambda x: F.gelu(x), "softplus": F.softplus,
                    "sigmoid": torch.sigmoid}[activation]
        self.X = torch.rand(batch, widths[0], generator=g) * 2 - 1
        self.y = torch.randint(0, widths[-1], (batch,), generator=g)
        params = []
        for l in range(len(widths) - 1):
            bound = 1 / math.sqrt(widths[l])
            params.append((torch.rand(widths[l + 1], widths[l], generator=g) * 2 - 1) * bound)
            params.append((torch.rand(widths[l + 1], generator=g) * 2 - 1) * bound)
        self.theta0 = torch.cat([p.flatten() for p in params])
        self.P = self.theta0.numel()
        self.shapes = [p.shape for p in params]
        self.step = 0

    def unflatten(self, theta):
        out, o = [], 0
        for s in self.shapes:
            n = math.prod(s)
            out.append(theta[o:o + n].view(s))
            o += n
        return out

    def forward(self, theta):
        ps = self.unflatten(theta)
        z = self.X
        for l in range(0, len(ps), 2):
            z = self.F.linear(z, ps[l], ps[l + 1])
            if l + 2 < len(ps):
                z = self.act(z)
        return z

    def loss(self, theta):
        return self.F.cross_entropy(self.forward(theta), self.y)

    def new_theta(self):
        """θ changes every step (as in training): no graph or buffer can be reused."""
        self.step += 1
        t = self.theta0.clone()
        t[0] += 1e-9 * (self.step & 1)
        return t

    # ---- variants: each returns the step's direction (flat)
    def variants(self, product):
        torch, F = self.torch, self.F
        grad = torch.autograd.grad
        tf = getattr(torch, "func", None)   # torch >= 2.0; without it (1.13) only the autograd variants run

        if product == "gradient_norm":
            def double_backward():
                t = self.new_theta().requires_grad_(True)
                L = self.loss(t)
                (g,) = grad(L, t, create_graph=True)
                obj = L + RHO * g.norm()
                (d,) = grad(obj, t)
                return d

            def func_jvp_grad():
                t = self.new_theta()
                gf = tf.grad(self.loss)
                g = gf(t)
                _, hg = tf.jvp(gf, (t,), (g / g.norm(),))
                return g + RHO * hg
            return {"double_backward": double_backward, **({"func_jvp_grad": func_jvp_grad} if tf else {})}

        if product == "hessian_trace":
            def triple_backward():
                t = self.new_theta().requires_grad_(True)
                v = torch.randn(self.P)
                L = self.loss(t)
                (g,) = grad(L, t, create_graph=True)
                (hv,) = grad(g, t, grad_outputs=v, create_graph=True)
                obj = L + 0.5 * SIGMA2 * (v @ hv)
                (d,) = grad(obj, t)
                return d

            def func_grad_jvp_grad():
                t = self.new_theta()
                v = torch.randn(self.P)
                gf = tf.grad(self.loss)

                def obj(th):
                    _, hv = tf.jvp(gf, (th,), (v,))
                    return self.loss(th) + 0.5 * SIGMA2 * (v @ hv)
                return tf.grad(obj)(t)
            return {"triple_backward": triple_backward, **({"func_grad_jvp_grad": func_grad_jvp_grad} if tf else {})}

        if product == "ggn_trace":
            def loss_hessian_apply(out, u):
                n = out.shape[0]
                p = torch.softmax(out, dim=1)
                return (p * u - p * (p * u).sum(dim=1, keepdim=True)) / n

            def double_backward_rop():
                t = self.new_theta().requires_grad_(True)
                v = torch.randn(self.P)
                out = self.forward(t)
                L = F.cross_entropy(out, self.y)
                w = torch.zeros_like(out, requires_grad=True)
                (s,) = grad(out, t, grad_outputs=w, create_graph=True)
                (u,) = grad(s, w, grad_outputs=v, create_graph=True)   # J v, differentiable in θ
                obj = L + 0.5 * SIGMA2 * (u * loss_hessian_apply(out, u)).sum()
                (d,) = grad(obj, t)
                return d

            def func_jvp_grad():
                t = self.new_theta()
                v = torch.randn(self.P)

                def obj(th):
                    out, u = tf.jvp(self.forward, (th,), (v,))
                    return F.cross_entropy(out, self.y) + 0.5 * SIGMA2 * (u * loss_hessian_apply(out, u)).sum()
                return tf.grad(obj)(t)
            return {"double_backward_rop": double_backward_rop, **({"func_jvp_grad": func_jvp_grad} if tf else {})}

        if product == "sam":
            def two_backward():
                t = self.new_theta().requires_grad_(True)
                (g,) = grad(self.loss(t), t)
                tp = (t.detach() + SAM_RHO * g / g.norm()).requires_grad_(True)
                (d,) = grad(self.loss(tp), tp)
                return d
            return {"two_backward": two_backward}
        raise ValueError(product)


def time_torch(fn, warmup, reps):
    """Wall and process CPU times (ms) of reps calls after warmup untimed ones."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(reps):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        wall.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    return {"wall": wall, "cpu": cpu}


def crosscheck(side, product, variants):
    """Every variant against the reference one at the same θ and probe (same torch seed)."""
    torch = side.torch
    ref_name = PRODUCTS[product][1]
    results = {}
    for name, fn in variants.items():
        torch.manual_seed(7)
        side.step = 0
        results[name] = fn()
    ref = results[ref_name]
    return {name: ((r - ref).abs().max() / ref.abs().max()).item() for name, r in results.items()}


def worker(threads):
    """--worker: one JSON request per line on stdin, one JSON answer per line on stdout."""
    side = None
    variants = {}
    for line in sys.stdin:
        req = json.loads(line)
        if req["op"] == "setup":
            side = TorchSide(req["widths"], req["activation"], req["batch"], threads, req["seed"])
            variants = {p: side.variants(p) for p in req["products"]}
            ans = {"P": side.P, "torch": side.torch.__version__, "threads": side.torch.get_num_threads(),
                   "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY")}
        elif req["op"] == "check":
            ans = crosscheck(side, req["product"], variants[req["product"]])
        elif req["op"] == "time":
            ans = time_torch(variants[req["product"]][req["variant"]], req["warmup"], req["reps"])
        else:
            ans = {"error": "unknown op " + req["op"]}
        print(json.dumps(ans), flush=True)


class Worker:
    def __init__(self, name, env, threads, python):
        e = dict(os.environ)
        for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY"):
            e.pop(k, None)
        e.update(env)
        self.name = name
        self.proc = subprocess.Popen([python, os.path.abspath(__file__), "--worker", "--torch-threads", str(threads)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=e)

    def ask(self, **req):
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            sys.exit("PyTorch worker %s died" % self.name)
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def torch_configs(t):
    return {
        "default": ({}, t),
        "passive": ({"OMP_WAIT_POLICY": "PASSIVE"}, t),
        "intra1": ({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}, 1),
    }


# =================================================================================== Morse side

def morse_run(cmd, args, products, threads, reps):
    full = cmd + ["bench", "--model", "-".join(map(str, args.widths)), "--activation", args.activation,
                  "--loss", "cross_entropy", "--batch", str(args.batch), "--threads", str(threads),
                  "--products", ",".join(PRODUCTS[p][0] for p in products), "--reps", str(reps), "--json"]
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "LD_LIBRARY_PATH")}
    out = subprocess.run(full, capture_output=True, text=True, env=env, cwd=REPO)
    if out.returncode != 0:
        sys.exit("morse bench failed (exit %d):\n%s\n%s" % (out.returncode, out.stdout[-2000:], out.stderr[-4000:]))
    text = out.stdout
    doc = json.loads(text[text.index("{"):])
    return doc, full


# =================================================================================== main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="784-256-256-10")
    ap.add_argument("--activation", default="tanh", choices=["tanh", "gelu", "softplus", "sigmoid"])
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--rounds", type=int, default=2, help="alternations of PyTorch and Morse (default %(default)s)")
    ap.add_argument("--reps", type=int, default=12, help="timed steps per variant and round (default %(default)s)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed PyTorch steps per variant and round (default %(default)s)")
    ap.add_argument("--products", default=",".join(PRODUCTS), help="comma list among " + ", ".join(PRODUCTS))
    ap.add_argument("--torch-configs", default="default,passive,intra1", help="PyTorch threading configurations (default %(default)s)")
    ap.add_argument("--morse-cmd", default=os.path.join(REPO, "bin", "morse"), help="the Morse launcher (default: bin/morse)")
    ap.add_argument("--pythons", default="auto",
                    help="PyTorch installations to run side by side: comma-separated interpreters, or 'auto' (default: Debian's "
                         "/usr/bin/python3 and the private install of install-torch.sh, where each imports torch)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--json", help="write settings, raw times and the table here")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--torch-threads", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.torch_threads)
        return
    args.widths = [int(w) for w in args.model.split("-")]
    products = [p.strip() for p in args.products.split(",") if p.strip()]
    for p in products:
        if p not in PRODUCTS:
            sys.exit("unknown product %r; expected %s" % (p, ", ".join(PRODUCTS)))
    all_configs = torch_configs(args.threads)
    configs = [c.strip() for c in args.torch_configs.split(",") if c.strip()]
    for c in configs:
        if c not in all_configs:
            sys.exit("unknown configuration %r; expected %s" % (c, ", ".join(all_configs)))

    import installs as installations
    blas_removed = installations.blas_on_its_own(log=lambda m: print(m, file=sys.stderr))
    insts = installations.installations(args.pythons, log=lambda m: print(m, file=sys.stderr))
    # one worker per installation and configuration, named "<installation>/<configuration>"
    workers = {"%s/%s" % (i["label"], c): Worker("%s/%s" % (i["label"], c), *all_configs[c], i["python"])
               for i in insts for c in configs}
    setup = {c: w.ask(op="setup", widths=args.widths, activation=args.activation, batch=args.batch, seed=args.seed, products=products)
             for c, w in workers.items()}
    first = setup[next(iter(workers))]
    print("Morse vs PyTorch %s: one training step with a penalty, %s %s cross_entropy, batch %d, P = %d, float64, T = %d threads"
          % (" and ".join("%s (torch %s)" % (i["label"], i["torch"]) for i in insts), args.model, args.activation, args.batch,
             first["P"], args.threads), flush=True)
    la0 = load_avg()
    if la0 > 0.5 * (os.cpu_count() or 1):
        print("WARNING: load average %.1f on %d cores: other processes are running; figures are noisy" % (la0, os.cpu_count()))
    # cross-check of the variants, per installation (its first configuration's worker); keys "<installation>/<variant>"
    checks = {p: {} for p in products}
    variant_names = {p: {} for p in products}   # worker -> its variants (torch 1.13 has no torch.func ones)
    for i in insts:
        ans = {p: workers["%s/%s" % (i["label"], configs[0])].ask(op="check", product=p) for p in products}
        for p in products:
            for v, e in ans[p].items():
                checks[p]["%s/%s" % (i["label"], v)] = e
            for c in configs:
                variant_names[p]["%s/%s" % (i["label"], c)] = list(ans[p])
    torch_times = {p: {c: {v: {"wall": [], "cpu": []} for v in variant_names[p][c]} for c in workers} for p in products}
    morse_times = {p: {"wall": [], "cpu": []} for p in products}
    morse_cmdline = None
    for r in range(args.rounds):
        order = ["torch", "morse"] if r % 2 == 0 else ["morse", "torch"]
        for who in order:
            if who == "torch":
                for p in products:
                    for c, w in workers.items():
                        for v in variant_names[p][c]:
                            t = w.ask(op="time", product=p, variant=v, warmup=args.warmup, reps=args.reps)
                            for key in ("wall", "cpu"):
                                torch_times[p][c][v][key] += t[key]
            else:
                doc, morse_cmdline = morse_run([args.morse_cmd], args, products, args.threads, args.reps)
                for p in products:
                    morse_times[p]["wall"] += doc["products"][PRODUCTS[p][0]]["times_ms"]
                    morse_times[p]["cpu"] += doc["products"][PRODUCTS[p][0]]["cpu_ms"]
        print("round %d/%d done (load average %.1f)" % (r + 1, args.rounds, load_avg()), flush=True)
    for w in workers.values():
        w.close()

    rows = []
    for key, title in (("wall", "WALL time per step"), ("cpu", "CPU time per step (all threads of the process; on a shared machine the steadier measure)")):
        print()
        print(title)
        print("%-14s %9s | %-42s %9s %6s | %-42s %9s %6s | %s" % ("step", "Morse ms", "issue's baseline [best config]", "ms", "x",
                                                                 "best PyTorch [config]", "ms", "x", "target"))
        print("-" * 150)
        for p in products:
            m = statistics.median(morse_times[p][key])
            med = {(c, v): statistics.median(torch_times[p][c][v][key]) for c in workers for v in variant_names[p][c]}
            base = PRODUCTS[p][1]
            base_key = min((k for k in med if k[1] == base), key=med.get)
            ok = {k: t for k, t in med.items() if checks[p][k[0].split("/")[0] + "/" + k[1]] <= 1e-8}
            best_key = min(ok, key=ok.get)
            target = PRODUCTS[p][2]
            xb, xbest = med[base_key] / m, med[best_key] / m
            tgt = "" if target is None else ("≥ %.1fx vs %s: %s" % (target, base, "MET" if xb >= target else "not met"))
            print("%-14s %9.2f | %-42s %9.2f %6.2f | %-42s %9.2f %6.2f | %s" % (
                p, m, "%s [%s]" % (base, base_key[0]), med[base_key], xb, "%s [%s]" % (best_key[1], best_key[0]), med[best_key], xbest, tgt))
            rows.append({"measure": key, "product": p, "morse_ms": m, "morse_step": PRODUCTS[p][0], "baseline": base,
                         "baseline_config": base_key[0], "baseline_ms": med[base_key], "speedup_vs_baseline": xb, "best": best_key[1],
                         "best_config": best_key[0], "best_ms": med[best_key], "speedup_vs_best": xbest, "target": target,
                         "torch_medians_ms": {"%s/%s" % k: t for k, t in med.items()}, "crosscheck_rel": checks[p]})
    print()
    print("x = PyTorch ms / Morse ms (> 1: Morse faster); medians over %d round(s) x %d steps. Every variant, per configuration (wall / cpu):"
          % (args.rounds, args.reps))
    for p in products:
        walls = [r for r in rows if r["product"] == p and r["measure"] == "wall"][0]["torch_medians_ms"]
        cpus = [r for r in rows if r["product"] == p and r["measure"] == "cpu"][0]["torch_medians_ms"]
        print("  %-14s %s" % (p, ", ".join("%s %.1f / %.1f" % (k, walls[k], cpus[k]) for k in walls)))
    print("Cross-check of the PyTorch variants against the baseline variant (max relative difference):")
    for p in products:
        print("  %-14s %s" % (p, ", ".join("%s %.1e" % (v, e) for v, e in checks[p].items())))
    print("load average: %.1f before, %.1f after; %d cores" % (la0, load_avg(), os.cpu_count()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"settings": {k: v for k, v in vars(args).items() if k not in ("worker", "torch_threads")}, "blas_env_removed": blas_removed,
                       "torch": setup, "morse_command": morse_cmdline,
                       "torch_times_ms": torch_times, "morse_times_ms": morse_times, "rows": rows,
                       "load_average": [la0, load_avg()]}, f, indent=1)
        print("wrote " + args.json)


if __name__ == "__main__":
    main()
