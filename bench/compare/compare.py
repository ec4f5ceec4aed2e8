#!/usr/bin/env python3
"""Morse vs PyTorch, side by side, on the workloads of issues #6, 11 (part 4) and 13 (float64, same thread count).

Runs each workload in every PyTorch installation found (--pythons; several variants, one or more
threading configurations, a worker process per installation/configuration) and in Morse
(`bin/morse bench --json`), ALTERNATING in one run (for each workload and round: PyTorch, Morse,
or Morse, PyTorch on odd rounds); issue 13's SGD epoch and penalty steps through train_epoch.py and
penalties.py. Then prints one table: Morse's median ms, the best PyTorch median ms (variant and
installation/configuration named), the speed-up against each installation, the speed-up in CPU
time, and the targets (speed-up = PyTorch ms / Morse ms; > 1 means Morse is faster).

NOT PART OF CI.  Needs at least one PyTorch installation:

    sudo apt-get install -y python3-torch            # torch 1.13 (+ functorch, numpy 1.24) for /usr/bin/python3
    bench/compare/install-torch.sh                   # PyTorch 2.x CPU wheel with MKL, privately
    sudo apt-get install -y libopenblas0-openmp      # optional: the 'openmp' configuration of 1.13

Run it with any Python 3 (the workers use the installations' interpreters), from the repository:

    python3 bench/compare/compare.py                 # full table (long on 2 cores: see README)
    python3 bench/compare/compare.py --json out.json # also save everything as JSON
    python3 bench/compare/compare.py --help

See bench/compare/README.md for what is timed, the threading configurations and how to read the
table.  The script only reads the system; it changes no alternatives and installs nothing.
"""

import argparse
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time

import installs as installations

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
INSTALL_HINT = ("PyTorch is missing for this interpreter ({py}). Install Debian's build and run the "
                "script with /usr/bin/python3:\n    sudo apt-get install -y python3-torch")

# ----------------------------------------------------------------------------------- workloads
# The workloads of issue #6 (and of bench/src/main/java/dev/morse/bench/Workloads.java users:
# ProductBench, BlockBench, DenseHessianBench, EigenBench).  warmup/reps/budget are per round.
WORKLOADS = [
    dict(id="mlp784", model="784-256-256-10", activation="tanh", loss="cross_entropy", n=1024,
         products=["gradient", "hvp", "hvp_cached", "ggn_vp", "nme_vp", "hvp_block"], k=16,
         warmup=3, reps=6, budget_s=4.0),
    dict(id="mlp100", model="100-100-100-10", activation="tanh", loss="cross_entropy", n=256,
         products=["gradient", "hvp", "hvp_cached"], k=16, warmup=5, reps=20, budget_s=1.5),
    dict(id="mlp20", model="20-50-50-1", activation="tanh", loss="mse", n=1000,
         products=["gradient", "hvp", "hvp_cached"], k=16, warmup=5, reps=20, budget_s=1.5),
    dict(id="dense30", model="30-40-40-1", activation="tanh", loss="mse", n=256,
         products=["dense_hessian"], k=16, warmup=1, reps=1, budget_s=1.0),
    # dense30: one untimed call per PyTorch variant per round before its timed one (its allocator and
    # caches: a cold functorch call measured 3.9 s against 2.4 s warm); Morse's bench warms every
    # product until its JIT is quiet, then makes one untimed call before the timed one.
    # issue 13's training benchmarks, run by their own scripts (same alternation, same installations)
    # and merged into this table: one SGD epoch (train_epoch.py) and one penalty step (penalties.py)
    dict(id="sgd_epoch", script="train_epoch.py", products=["sgd_epoch"]),
    dict(id="penalties", script="penalties.py", products=["gradient_norm_step", "hessian_trace_step"]),
    dict(id="eigh1000", eigh=1000, products=["eigh"], warmup=1, reps=3, budget_s=3.0),
    dict(id="eigh2000", eigh=2000, products=["eigh"], warmup=1, reps=2, budget_s=6.0),
    dict(id="eigh4000", eigh=4000, products=["eigh"], warmup=0, reps=1, budget_s=1.0),
]

# Targets of issue #6: required speed-up = PyTorch ms / Morse ms, against the named baseline.
# baseline: "best" = best PyTorch variant of that product; a product name = best of that product's
# variants (M·v is compared with PyTorch's G·v, which has no M·v); "variant:NAME" = that variant.
TARGETS = {
    ("mlp784", "hvp"): (1.5, "best"),          # issue 11 part 4 (issue #6 asked 1.3x)
    ("mlp784", "gradient"): (1.2, "best"),
    ("mlp784", "ggn_vp"): (1.3, "best"),
    ("mlp784", "nme_vp"): (1.3, "ggn_vp"),
    ("mlp784", "hvp_cached"): (1.5, "best"),
    ("mlp100", "hvp"): (3.0, "best"),
    ("mlp20", "hvp"): (3.0, "best"),
    ("mlp100", "hvp_cached"): (3.0, "best"),
    ("mlp20", "hvp_cached"): (3.0, "best"),
    # issue 11 part 4: against torch.autograd.functional.hessian, best of vectorize=False/True and
    # torch.func.hessian where it exists: the best dense_hessian variant
    ("dense30", "dense_hessian"): (8.0, "best"),
    ("eigh4000", "eigh"): (1 / 1.1, "best"),
}

# The PyTorch variants per product (see README): name -> label.
VARIANTS = {
    "gradient": {
        "autograd_grad": "torch.autograd.grad(loss, params)",
        "backward": "loss.backward() (grads zeroed)",
    },
    "hvp": {
        "double_backward": "PyHessian: grad(create_graph=True), then grad(g, params, grad_outputs=v); graph rebuilt per call",
        "reused_graph": "REUSED GRAPH: grad(create_graph) built once for the fixed theta; per call only grad(g, params, v, retain_graph=True)",
        "functorch_jvp_grad": "func.jvp(func.grad(f)) forward-over-reverse (torch.func; functorch in 1.13)",
        "forward_ad_over_reverse": "torch.autograd.forward_ad dual params, then autograd.grad (forward-over-reverse)",
        "functional_vhp": "torch.autograd.functional.vhp",
        "functional_hvp": "torch.autograd.functional.hvp (double-backward trick)",
    },
    "ggn_vp": {
        "double_backward_rop": "J v by the double-backward trick, H_l analytic, J^T u by autograd.grad",
        "functorch_jvp_vjp": "func.jvp of the outputs, H_l analytic, func.vjp (torch.func; functorch in 1.13)",
        "forward_ad_jvp_vjp": "forward_ad dual forward (J v) on a graph-recording forward, H_l analytic, autograd.grad (J^T u)",
    },
    "hvp_block": {
        "reused_graph_loop": "grad(create_graph) once per call, then k x grad(g, params, v_j, retain_graph=True)",
        "batched_grads": "grad(create_graph) once per call, then one grad(..., is_grads_batched=True) (vmap)",
        "functorch_vmap_jvp_grad": "func.vmap over func.jvp(func.grad(f)) (k tangents; torch.func or functorch)",
    },
    "dense_hessian": {
        "functional_hessian": "torch.autograd.functional.hessian (vectorize=False)",
        "functional_hessian_vectorized": "torch.autograd.functional.hessian(vectorize=True)",
        "functorch_hessian": "torch.func.hessian (functorch.hessian in 1.13) = jacfwd(jacrev(f))",
    },
    "eigh": {
        "numpy_eigh": "numpy.linalg.eigh (LAPACK dsyevd, OpenBLAS threads = T)",
    },
}
# Variants of the script workloads (train_epoch.py, penalties.py; see their docstrings).
SCRIPT_VARIANTS = {
    "loop": "nn.Sequential + torch.optim.SGD(foreach=False), one epoch of minibatch steps",
    "foreach": "nn.Sequential + torch.optim.SGD(foreach=True), one epoch of minibatch steps",
    "double_backward": "grad(L, create_graph=True), then grad(L + rho*||g||) (PyTorch's double backward)",
    "func_jvp_grad": "torch.func forward-over-reverse",
    "triple_backward": "g with create_graph, Hv with create_graph, then grad(L + (s2/2) v.Hv) (triple backward)",
    "func_grad_jvp_grad": "torch.func grad of (L + (s2/2) v.jvp(grad L))",
}

# Reference variant per product for the cross-check of results.
REFERENCE = {"gradient": "autograd_grad", "hvp": "double_backward", "ggn_vp": "double_backward_rop",
             "hvp_block": "reused_graph_loop", "dense_hessian": "functional_hessian", "eigh": "numpy_eigh"}
CHECK_TOL = 1e-8


def multiarch():
    try:
        return subprocess.run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except Exception:
        return platform.machine() + "-linux-gnu"


def openmp_blas_dir():
    d = "/usr/lib/%s/openblas-openmp" % multiarch()
    return d if os.path.exists(os.path.join(d, "libblas.so.3")) else None


THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS",
               "BLIS_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "LD_LIBRARY_PATH", "LD_PRELOAD")


def torch_configs(t):
    """Threading configurations of the PyTorch workers: name -> (description, env, torch threads)."""
    configs = {
        "default": ("DEFAULT configuration: torch.set_num_threads(T) only; OpenBLAS (system libblas) at its own default "
                    "(pthreads, one thread per core) beside torch's OpenMP pool", {}, t),
        "consistent": ("torch.set_num_threads(T), OMP/MKL/OPENBLAS_NUM_THREADS=T", {
            "OMP_NUM_THREADS": str(t), "MKL_NUM_THREADS": str(t), "OPENBLAS_NUM_THREADS": str(t)}, t),
        "blas1": ("torch.set_num_threads(T), OMP_NUM_THREADS=T, OPENBLAS_NUM_THREADS=1 (GEMMs single-threaded)", {
            "OMP_NUM_THREADS": str(t), "MKL_NUM_THREADS": str(t), "OPENBLAS_NUM_THREADS": "1"}, t),
        "intra1": ("torch.set_num_threads(1), OMP_NUM_THREADS=1, OPENBLAS_NUM_THREADS=T (only the GEMMs parallel; "
                   "with MKL, whose threads are torch's OpenMP pool, everything runs on one thread)", {
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": str(t)}, 1),
        "passive": ("torch.set_num_threads(T), OMP_WAIT_POLICY=PASSIVE (OpenMP threads sleep instead of spinning "
                    "at barriers: what a shared machine needs)", {"OMP_WAIT_POLICY": "PASSIVE"}, t),
    }
    d = openmp_blas_dir()
    if d:
        configs["openmp"] = ("OpenMP build of OpenBLAS for this process only (LD_LIBRARY_PATH=%s), one OpenMP pool "
                             "shared with torch: torch.set_num_threads(T), OMP_NUM_THREADS=T" % d, {
                                 "LD_LIBRARY_PATH": d, "OMP_NUM_THREADS": str(t), "MKL_NUM_THREADS": str(t),
                                 "OPENBLAS_NUM_THREADS": str(t)}, t)
    return configs


# =================================================================================== worker side
# A worker is this script run with --worker: it reads one JSON request per line on stdin and
# answers one JSON line on stdout.  Its environment (threads, BLAS library) is fixed at start.

class OpenBlasLib:
    """OpenBLAS's controls in one mapped library; also the symbol-prefixed builds that pip wheels
    of numpy ship (scipy_openblas_*64_)."""
    PATTERNS = ("openblas_%s", "scipy_openblas_%s64_", "scipy_openblas_%s")

    def __init__(self, path, lib):
        import ctypes
        self.path = path
        for pat in self.PATTERNS:
            try:
                self.get_threads = getattr(lib, pat % "get_num_threads")
                self.set_threads = getattr(lib, pat % "set_num_threads")
                self._config = getattr(lib, pat % "get_config")
                self._config.restype = ctypes.c_char_p
                self._parallel = getattr(lib, pat % "get_parallel")
                return
            except AttributeError:
                continue
        raise AttributeError("no OpenBLAS controls in " + path)

    def describe(self):
        return {"library": self.path, "config": self._config().decode(), "threads": self.get_threads(),
                "parallel": {0: "sequential", 1: "pthreads", 2: "OpenMP"}.get(self._parallel(), "?")}


def openblas_handles():
    """One OpenBlasLib per distinct OpenBLAS library file mapped into this process."""
    import ctypes
    out, seen = [], set()
    try:
        with open("/proc/self/maps") as f:
            found = {m.group(1) for m in (re.search(r"(/\S*(?:openblas|libblas|liblapack)\S*\.so\S*)", l) for l in f) if m}
        # the OpenBLAS library itself first; libblas.so.3 / liblapack.so.3 wrappers that merely
        # resolve to it are then skipped (same configuration string)
        paths = sorted(found, key=lambda q: ("openblas" not in os.path.basename(q), q))
    except OSError:
        paths = []
    for p in paths:
        try:
            h = OpenBlasLib(p, ctypes.CDLL(p))
        except (OSError, AttributeError):
            continue
        config = h.describe()["config"]
        if config not in seen:
            seen.add(config)
            out.append(h)
    return out


def loaded_blas():
    """The BLAS/LAPACK/OpenMP libraries mapped into this process, and OpenBLAS's own report."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                m = re.search(r"(/\S*(?:blas|lapack|gomp|iomp|mkl)\S*\.so\S*)", line)
                if m:
                    libs.add(m.group(1))
    except OSError:
        pass
    info = {"libraries": sorted(libs)}
    for h in openblas_handles():
        try:
            info.setdefault("openblas", []).append(h.describe())
        except Exception as e:  # noqa: BLE001 - report, do not fail
            info.setdefault("openblas", []).append({"library": h.path, "error": str(e)})
    return info


class OpenBlasThreads:
    """Sets OpenBLAS's threads in every OpenBLAS mapped here for a block (as Morse does for eigh)."""

    def __init__(self, n):
        self.n, self.saved = n, []

    def __enter__(self):
        for h in openblas_handles():
            self.saved.append((h, h.get_threads()))
            h.set_threads(self.n)
        return self

    def __exit__(self, *exc):
        for h, n in reversed(self.saved):
            h.set_threads(n)


def timed(fn, warmup, reps, budget_s):
    """Up to warmup untimed calls (fewer once they have taken budget_s / 2: Python has no JIT to
    wait for), then up to reps timed calls (at least one; fewer once they have taken budget_s).
    Returns the wall times (ms), the process CPU times (ms, all threads: steadier than wall time on a
    shared machine; spinning OpenMP threads count) and the last result (for the cross-check)."""
    out = None
    start = time.perf_counter()
    for _ in range(warmup):
        out = fn()
        if time.perf_counter() - start > budget_s / 2:
            break
    times, cpu = [], []
    start = time.perf_counter()
    for _ in range(reps):
        del out
        c0 = time.process_time()
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
        if time.perf_counter() - start > budget_s:
            break
    return times, cpu, out


class TorchProblem:
    """One MLP workload in PyTorch float64: seeded data, θ (nn.Linear-like init), k tangents."""

    def __init__(self, wl, seed):
        import torch
        import torch.nn.functional as F
        self.torch, self.F = torch, F
        widths = [int(w) for w in wl["model"].split("-")]
        self.widths, self.n, self.k = widths, wl["n"], wl.get("k", 16)
        self.loss_name = wl["loss"]
        g = torch.Generator().manual_seed(seed)
        dt = torch.float64
        self.X = torch.rand(self.n, widths[0], generator=g, dtype=dt) * 2 - 1
        c = widths[-1]
        if self.loss_name == "cross_entropy":
            self.y = torch.randint(0, c, (self.n,), generator=g)
        elif self.loss_name == "mse":
            self.y = torch.rand(self.n, c, generator=g, dtype=dt)
        else:
            raise ValueError("loss %s not supported here" % self.loss_name)
        params = []
        for i in range(1, len(widths)):
            b = 1.0 / widths[i - 1] ** 0.5
            params.append((torch.rand(widths[i], widths[i - 1], generator=g, dtype=dt) * 2 - 1) * b)
            params.append((torch.rand(widths[i], generator=g, dtype=dt) * 2 - 1) * b)
        self.p0 = [p.detach() for p in params]                  # plain tensors (functorch, functional)
        self.params = [p.clone().requires_grad_() for p in params]  # leaves (autograd variants)
        self.shapes = [p.shape for p in params]
        self.sizes = [p.numel() for p in params]
        self.P = sum(self.sizes)
        self.V = [[torch.randn(s, generator=g, dtype=dt) for s in self.shapes] for _ in range(self.k)]
        self.v = self.V[0]
        self.Vstack = [torch.stack([V[i] for V in self.V]) for i in range(len(self.shapes))]
        act = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid, "identity": lambda x: x,
               "softplus": F.softplus, "gelu": F.gelu}
        self.act = act[wl["activation"]]

    # -- model and losses
    def forward(self, ps):
        h = self.X
        L = len(ps) // 2
        for l in range(L):
            h = self.F.linear(h, ps[2 * l], ps[2 * l + 1])
            if l < L - 1:
                h = self.act(h)
        return h

    def loss_out(self, out):
        """nn.CrossEntropyLoss() / nn.MSELoss() (mean), as PyHessian users write it."""
        if self.loss_name == "cross_entropy":
            return self.F.cross_entropy(out, self.y)
        return self.F.mse_loss(out, self.y)

    def loss_out_fwd(self, out):
        """The same loss in a form forward-mode AD supports in torch 1.13 (nll_loss_backward and
        _log_softmax_backward_data have no forward derivative there): logsumexp − logit_y."""
        if self.loss_name == "cross_entropy":
            t = self.torch
            return (t.logsumexp(out, 1) - out.gather(1, self.y[:, None]).squeeze(1)).mean()
        return ((out - self.y) ** 2).mean()

    def loss(self, ps):
        return self.loss_out(self.forward(ps))

    def loss_fwd(self, *ps):
        return self.loss_out_fwd(self.forward(ps))

    def out_fn(self, *ps):
        return self.forward(ps)

    def hl(self, out, u):
        """Output-space Hessian of the mean loss applied to u (rows = samples), 1/N included."""
        if self.loss_name == "cross_entropy":
            p = self.torch.softmax(out, 1)
            pu = p * u
            return (pu - p * pu.sum(1, keepdim=True)) / self.n
        return u * (2.0 / (self.n * self.widths[-1]))

    def unflat(self, theta):
        return [c.view(s) for c, s in zip(self.torch.split(theta, self.sizes), self.shapes)]

    def flat(self, ts):
        return self.torch.cat([t.reshape(-1) for t in ts])

    def func(self):
        """torch.func (torch >= 2.0; functorch is deprecated there) or functorch (torch 1.13)."""
        if hasattr(self.torch, "func"):
            return self.torch.func
        import functorch
        return functorch

    # -- variants: each returns a zero-argument callable producing the result (a flat tensor)
    def variant(self, product, name):
        torch = self.torch
        grad = torch.autograd.grad
        ps, p0, v, A = self.params, self.p0, self.v, tuple(range(len(self.p0)))
        if product == "gradient":
            if name == "autograd_grad":
                return lambda: self.flat(grad(self.loss(ps), ps))
            if name == "backward":
                def f():
                    for p in ps:
                        p.grad = None
                    self.loss(ps).backward()
                    return self.flat([p.grad for p in ps])
                return f
        if product == "hvp":
            if name == "double_backward":
                def f():
                    g = grad(self.loss(ps), ps, create_graph=True)
                    return self.flat(grad(g, ps, grad_outputs=v))
                return f
            if name == "reused_graph":
                g_fixed = grad(self.loss(ps), ps, create_graph=True)
                return lambda: self.flat(grad(g_fixed, ps, grad_outputs=v, retain_graph=True))
            if name == "functorch_jvp_grad":
                functorch = self.func()
                gf = functorch.grad(self.loss_fwd, argnums=A)
                return lambda: self.flat(functorch.jvp(gf, tuple(p0), tuple(v))[1])
            if name == "forward_ad_over_reverse":
                import torch.autograd.forward_ad as fwAD

                def f():
                    with fwAD.dual_level():
                        prim = [p.detach().requires_grad_() for p in p0]
                        duals = [fwAD.make_dual(p, t) for p, t in zip(prim, v)]
                        gs = grad(self.loss_fwd(*duals), duals)
                        return self.flat([fwAD.unpack_dual(x).tangent for x in gs])
                return f
            if name == "functional_vhp":
                return lambda: self.flat(torch.autograd.functional.vhp(self.loss_fwd, tuple(p0), tuple(v))[1])
            if name == "functional_hvp":
                return lambda: self.flat(torch.autograd.functional.hvp(self.loss_fwd, tuple(p0), tuple(v))[1])
        if product == "ggn_vp":
            if name == "double_backward_rop":
                def f():
                    out = self.forward(ps)
                    u0 = torch.zeros_like(out, requires_grad=True)
                    gp = grad(out, ps, grad_outputs=u0, create_graph=True)
                    jv = grad(gp, u0, grad_outputs=v)[0]
                    return self.flat(grad(out, ps, grad_outputs=self.hl(out.detach(), jv)))
                return f
            if name == "functorch_jvp_vjp":
                functorch = self.func()

                def f():
                    out, jv = functorch.jvp(self.out_fn, tuple(p0), tuple(v))
                    _, vjp_fn = functorch.vjp(self.out_fn, *p0)
                    return self.flat(vjp_fn(self.hl(out, jv)))
                return f
            if name == "forward_ad_jvp_vjp":
                import torch.autograd.forward_ad as fwAD

                def f():
                    with fwAD.dual_level():
                        prim = [p.detach().requires_grad_() for p in p0]
                        out, jv = fwAD.unpack_dual(self.forward([fwAD.make_dual(p, t) for p, t in zip(prim, v)]))
                        return self.flat(grad(out, prim, grad_outputs=self.hl(out.detach(), jv)))
                return f
        if product == "hvp_block":
            if name == "reused_graph_loop":
                def f():
                    g = grad(self.loss(ps), ps, create_graph=True)
                    return torch.cat([self.flat(grad(g, ps, grad_outputs=V, retain_graph=True)) for V in self.V])
                return f
            if name == "batched_grads":
                def f():
                    g = grad(self.loss(ps), ps, create_graph=True)
                    hs = grad(g, ps, grad_outputs=self.Vstack, is_grads_batched=True)
                    return torch.cat([h.reshape(self.k, -1) for h in hs], 1).reshape(-1)
                return f
            if name == "functorch_vmap_jvp_grad":
                functorch = self.func()
                gf = functorch.grad(self.loss_fwd, argnums=A)

                def one(*ts):
                    return functorch.jvp(gf, tuple(p0), ts)[1]
                vm = functorch.vmap(one)

                def f():
                    hs = vm(*self.Vstack)
                    return torch.cat([h.reshape(self.k, -1) for h in hs], 1).reshape(-1)
                return f
        if product == "dense_hessian":
            theta = self.flat(p0)

            def lf(t):
                return self.loss_out(self.forward(self.unflat(t)))

            def lf_fwd(t):
                return self.loss_out_fwd(self.forward(self.unflat(t)))
            if name == "functional_hessian":
                return lambda: torch.autograd.functional.hessian(lf, theta).reshape(-1)
            if name == "functional_hessian_vectorized":
                return lambda: torch.autograd.functional.hessian(lf, theta, vectorize=True).reshape(-1)
            if name == "functorch_hessian":
                functorch = self.func()
                h = functorch.hessian(lf_fwd)
                return lambda: h(theta).reshape(-1)
        raise KeyError("no variant %s for %s" % (name, product))


class EighProblem:
    def __init__(self, n, seed):
        import numpy as np
        self.np = np
        rng = np.random.default_rng(seed)
        b = rng.uniform(-1.0, 1.0, (n, n))
        self.a = np.triu(b) + np.triu(b, 1).T

    def variant(self, name):
        np = self.np
        if name == "numpy_eigh":
            def f():
                w, _ = np.linalg.eigh(self.a)
                return w
            return f
        raise KeyError(name)


def rel_err(a, b):
    d = float((a - b).norm() if hasattr(a, "norm") else ((a - b) ** 2).sum() ** 0.5)
    nb = float(b.norm() if hasattr(b, "norm") else (b ** 2).sum() ** 0.5)
    return d / max(nb, 1e-300)


def worker_main(args):
    t = args.threads
    torch = None
    try:
        import torch  # noqa: F811
        torch.set_default_dtype(torch.float64)
        torch.set_num_threads(args.torch_threads)
    except ImportError:
        if not args.numpy_only:
            print(json.dumps({"fatal": INSTALL_HINT.format(py=sys.executable)}), flush=True)
            return 1
    import numpy as np
    hello = {"python": sys.executable, "python_version": platform.python_version(), "numpy": np.__version__,
             "pid": os.getpid(), "env": {k: os.environ[k] for k in THREAD_VARS if k in os.environ}}
    if torch is not None:
        hello["torch"] = torch.__version__
        hello["torch_threads"] = torch.get_num_threads()
        hello["torch_interop_threads"] = torch.get_num_interop_threads()
        show = torch.__config__.show()
        m = re.search(r"BLAS_INFO=([^,]*)", show)
        hello["torch_blas_info"] = m.group(1) if m else "?"
        hello["torch_parallel_backend"] = next((l.split(":", 1)[1].strip() for l in torch.__config__.parallel_info().splitlines()
                                                if l.startswith("ATen parallel backend")), "?")
        try:
            import functorch
            hello["functorch"] = getattr(functorch, "__version__", "present")
        except ImportError:
            hello["functorch"] = None
        torch.ones(4, 4) @ torch.ones(4, 4)  # map the BLAS now
    np.ones((4, 4)) @ np.ones((4, 4))
    hello["blas"] = loaded_blas()
    print(json.dumps({"hello": hello}), flush=True)

    cache = {}
    for line in sys.stdin:
        req = json.loads(line)
        if req.get("op") == "quit":
            break
        wl = req["workload"]
        res, errors = {}, {}
        try:
            key = wl["id"]
            if key not in cache:
                cache.clear()
                cache[key] = EighProblem(wl["eigh"], req["seed"]) if "eigh" in wl else TorchProblem(wl, req["seed"])
            prob = cache[key]
            for product, names in req["variants"].items():
                res[product] = {}
                ref = None
                for name in names:
                    try:
                        if product == "eigh":
                            fn = prob.variant(name)
                            with OpenBlasThreads(t):
                                times, cpu, out = timed(fn, req["warmup"], req["reps"], req["budget_s"])
                        else:
                            if torch is None:
                                raise RuntimeError("torch is not available in this worker")
                            fn = prob.variant(product, name)
                            times, cpu, out = timed(fn, req["warmup"], req["reps"], req["budget_s"])
                        entry = {"times_ms": times, "cpu_ms": cpu}
                        if name == REFERENCE.get(product):
                            ref = out
                        elif ref is not None:
                            entry["rel_err_vs_" + REFERENCE[product]] = rel_err(out, ref)
                        res[product][name] = entry
                        del out
                    except Exception as e:  # noqa: BLE001 - a failing variant is a result, not a crash
                        errors["%s/%s" % (product, name)] = "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:300] if str(e) else "")
        except Exception as e:  # noqa: BLE001
            errors["setup"] = "%s: %s" % (type(e).__name__, e)
        print(json.dumps({"results": res, "errors": errors}), flush=True)
    return 0


# =================================================================================== parent side

class Worker:
    def __init__(self, name, python, env, threads, torch_threads, numpy_only=False):
        self.name = name
        cmd = [python, os.path.abspath(__file__), "--worker", "--threads", str(threads),
               "--torch-threads", str(torch_threads)] + (["--numpy-only"] if numpy_only else [])
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True, bufsize=1)
        msg = self._read()
        if msg is None:
            raise RuntimeError("worker %s (%s) died at start; is torch installed for %s?\n%s"
                               % (name, " ".join(cmd), python, INSTALL_HINT.format(py=python)))
        if "fatal" in msg:
            raise RuntimeError(msg["fatal"])
        self.hello = msg["hello"]

    def run(self, req):
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        msg = self._read()
        if msg is None:
            raise RuntimeError("worker %s died (workload %s)" % (self.name, req["workload"]["id"]))
        return msg

    def _read(self):
        """The worker's next JSON answer; other lines on its stdout (library chatter) go to stderr."""
        while True:
            line = self.proc.stdout.readline()
            if not line:
                return None
            if line.startswith("{"):
                try:
                    return json.loads(line)
                except ValueError:
                    pass
            sys.stderr.write("[%s] %s" % (self.name, line))

    def close(self):
        try:
            self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)
        except Exception:  # noqa: BLE001
            self.proc.kill()


def worker_env(extra):
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    env.update(extra)
    return env


def run_morse(cmd, wl, args):
    argv = list(cmd) + ["--threads", str(args.threads), "--seed", str(args.seed), "--json"]
    reps = max(1, round(wl["reps"] * args.reps_scale))
    if "eigh" in wl:
        argv += ["--eigh", str(wl["eigh"]), "--products", "none", "--warmup", str(wl["warmup"]), "--reps", str(reps)]
    else:
        argv += ["--model", wl["model"], "--activation", wl["activation"], "--loss", wl["loss"],
                 "--batch", str(wl["n"]), "--k", str(wl.get("k", 16)), "--products", ",".join(wl["products"]),
                 "--warmup", str(wl.get("morse_warmup", max(wl["warmup"], 1))), "--reps", str(reps)]
    env = dict(os.environ)
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "LD_LIBRARY_PATH", "LD_PRELOAD"):
        env.pop(k, None)  # Morse owns its threads (engine workers; OpenBLAS at T only inside eigh)
    p = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError("Morse failed (exit %d): %s\n%s" % (p.returncode, " ".join(argv), p.stderr[-3000:]))
    out = p.stdout
    return json.loads(out[out.index("{"):]), argv


def run_script(wl, args, installs, configs):
    """Runs an issue-13 benchmark script (its own alternation of Morse and every installation),
    returns (rows for build_rows, argv, log file)."""
    import tempfile
    pythons = ",".join(i["python"] for i in installs)
    fd, out = tempfile.mkstemp(prefix="compare-%s-" % wl["id"], suffix=".json")
    os.close(fd)
    log = out[:-5] + ".txt"
    script = os.path.join(HERE, wl["script"])
    if wl["id"] == "sgd_epoch":
        argv = [sys.executable, script, "--pythons", pythons, "--threads", str(args.threads), "--rounds", str(args.rounds),
                "--epochs", str(args.train_epochs), "--configs", ",".join(c for c in configs if c in ("default", "passive")) or "passive",
                "--json", out]
    else:
        argv = [sys.executable, script, "--pythons", pythons, "--threads", str(args.threads), "--rounds", str(args.rounds),
                "--reps", str(max(3, round(10 * args.reps_scale))), "--products", "gradient_norm,hessian_trace",
                "--torch-configs", ",".join(c for c in configs if c in ("default", "passive", "intra1")) or "passive",
                "--json", out]
    with open(log, "w") as f:
        p = subprocess.run(argv, cwd=REPO, stdout=f, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        with open(log) as f:
            raise RuntimeError("%s failed (exit %d):\n%s" % (" ".join(argv), p.returncode, f.read()[-3000:]))
    with open(out) as f:
        doc = json.load(f)
    rows = []
    if wl["id"] == "sgd_epoch":
        cands = []
        for v, d in doc["times"].items():
            if v == "morse" or not d["warm"]:
                continue
            name, cfg = v.split(" [")
            cands.append((1e3 * statistics.median(d["warm"]), cfg.rstrip("]"), name, len(d["warm"])))
        st = doc["settings"]
        rows.append({"label": "%s gelu FMNIST B=%d" % (st["model"], st["batch"]), "product": "sgd_epoch",
                     "morse_ms": 1e3 * statistics.median(doc["times"]["morse"]["warm"]),
                     "morse_n": len(doc["times"]["morse"]["warm"]), "cands": cands, "target": (1.3, "best")})
    else:
        st = doc["settings"]
        for r in doc["rows"]:
            if r["measure"] != "wall":
                continue
            cands = []
            for key, ms in r["torch_medians_ms"].items():
                cfg, variant = key.rsplit("/", 1)
                if r["crosscheck_rel"].get(cfg.split("/")[0] + "/" + variant, r["crosscheck_rel"].get(variant, 0)) > 1e-8:
                    continue
                cands.append((ms, cfg, variant, st["reps"] * st["rounds"]))
            target = (1.3, "variant:double_backward") if r["product"] == "gradient_norm" else (None, "variant:triple_backward")
            rc = next(x for x in doc["rows"] if x["measure"] == "cpu" and x["product"] == r["product"])
            cands_cpu = [(ms, key.rsplit("/", 1)[0], key.rsplit("/", 1)[1], st["reps"] * st["rounds"])
                         for key, ms in rc["torch_medians_ms"].items()
                         if (key.rsplit("/", 1)[0], key.rsplit("/", 1)[1]) in {(c[1], c[2]) for c in cands}]
            rows.append({"label": "%s %s CE B=%d" % (st["model"], st["activation"], st["batch"]),
                         "product": r["morse_step"], "morse_ms": r["morse_ms"], "morse_cpu_ms": rc["morse_ms"],
                         "morse_n": len(doc["morse_times_ms"][r["product"]]["wall"]), "cands": cands, "cands_cpu": cands_cpu,
                         "target": target})
    return rows, argv, log


def median(xs):
    return statistics.median(xs) if xs else None


def fmt_ms(x):
    if x is None:
        return "-"
    return "%.1f" % x if x >= 100 else ("%.2f" % x if x >= 1 else "%.3f" % x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="Install: sudo apt-get install -y python3-torch [libopenblas0-openmp]; bench/compare/install-torch.sh. "
                                        "Not part of CI.")
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
                    help="thread count T for both sides (default: all cores available)")
    ap.add_argument("--morse-cmd", default="bin/morse bench",
                    help="command that runs Morse's bench, relative to the repository root (default: %(default)s)")
    ap.add_argument("--pythons", default="auto",
                    help="PyTorch installations, run side by side: comma-separated interpreters, or 'auto' (default): "
                         "/usr/bin/python3 (Debian's torch 1.13) and the private install of install-torch.sh "
                         "(~/.cache/morse/torch/bin/python, PyTorch 2.x with MKL), each where it imports torch")
    ap.add_argument("--python", default=None, help="one interpreter only (the same as --pythons PYTHON)")
    ap.add_argument("--torch-configs", default="default,intra1,openmp,passive",
                    help="threading configurations to time in every installation (comma-separated among default, consistent, "
                         "blas1, intra1, openmp, passive; 'all' = every one available; default: %(default)s; 'openmp' is "
                         "skipped where libopenblas0-openmp is absent and for installations whose torch uses MKL)")
    ap.add_argument("--extra-numpy", default=None, metavar="PYTHON",
                    help="also time numpy.linalg.eigh under this interpreter (e.g. a pip numpy with its own OpenBLAS)")
    ap.add_argument("--workloads", default=",".join(w["id"] for w in WORKLOADS),
                    help="workload ids (default: all: %(default)s)")
    ap.add_argument("--variants", default=None,
                    help="restrict PyTorch variants (comma-separated names; default: all, see README)")
    ap.add_argument("--rounds", type=int, default=2, help="alternation rounds per workload (default: %(default)s)")
    ap.add_argument("--reps-scale", type=float, default=1.0, help="scale every workload's repetitions and time budget")
    ap.add_argument("--train-epochs", type=int, default=3,
                    help="sgd_epoch: epochs per process and round, the first one cold (default %(default)s)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--json", metavar="FILE", default=None, help="save everything (raw times included) as JSON")
    # worker mode (internal)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--torch-threads", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--numpy-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        if args.torch_threads is None:
            args.torch_threads = args.threads
        return worker_main(args)

    blas_removed = installations.blas_on_its_own(log=lambda m: print(m, file=sys.stderr))
    t = args.threads
    all_cfgs = torch_configs(t)
    names = list(all_cfgs) if args.torch_configs == "all" else [c.strip() for c in args.torch_configs.split(",") if c.strip()]
    skipped = [c for c in names if c not in all_cfgs]
    names = [c for c in names if c in all_cfgs]
    installs = installations.installations(args.python or args.pythons, log=lambda m: print(m, file=sys.stderr))
    for c in skipped:
        print("note: configuration '%s' unavailable here%s" % (c, " (apt-get install libopenblas0-openmp)" if c == "openmp" else ""),
              file=sys.stderr)
    wanted = [w.strip() for w in args.workloads.split(",") if w.strip()]
    workloads = [w for w in WORKLOADS if w["id"] in wanted]
    unknown = set(wanted) - {w["id"] for w in WORKLOADS}
    if unknown:
        ap.error("unknown workloads: %s" % ", ".join(sorted(unknown)))
    only = set(args.variants.split(",")) if args.variants else None
    morse_cmd = shlex.split(args.morse_cmd)

    started = time.time()
    report = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "threads": t, "rounds": args.rounds, "seed": args.seed,
              "morse_cmd": args.morse_cmd, "machine": installations.machine_info(), "alternatives": alternatives(),
              "load_before": os.getloadavg(), "blas_env_removed": blas_removed, "configs": {}, "workloads": {}, "morse_backend": None}
    report["installations"] = installs
    print("compare: T=%d threads, %d round(s), PyTorch %s, configurations %s; %s" % (
        t, args.rounds, ", ".join("%s (%s)" % (i["label"], i["python"]) for i in installs), ", ".join(names),
        report["machine"]["cpu"]), flush=True)
    # Preflight: the Morse command exists and knows 'bench' (bin/morse builds itself here if stale).
    pre = subprocess.run(morse_cmd + ["--help"], cwd=REPO, capture_output=True, text=True)
    if pre.returncode != 0 or "--products" not in pre.stdout:
        print("Morse command %r does not run 'bench' (exit %d):\n%s%s" % (args.morse_cmd, pre.returncode, pre.stdout[-2000:], pre.stderr[-2000:]),
              file=sys.stderr)
        return 2
    load1 = os.getloadavg()[0]
    if load1 > 0.25 * (os.cpu_count() or 1):
        print("WARNING: load average %.2f on %d cores: other processes are running, timings will be noisy "
              "(run on a quiet machine for figures to quote)" % (load1, os.cpu_count() or 1), flush=True)
    workers = {}
    try:
        for inst in installs:
            for cn in names:
                if cn == "openmp" and inst["blas"] == "mkl":
                    continue  # MKL runs on torch's own OpenMP pool: no OpenBLAS to swap
                c = "%s/%s" % (inst["label"], cn)
                desc, env, tt = all_cfgs[cn]
                workers[c] = Worker(c, inst["python"], worker_env(env), t, tt)
                report["configs"][c] = {"description": desc, "env": env, "torch_threads": tt, "worker": workers[c].hello,
                                        "installation": inst["label"], "config": cn}
                print("  [%s] %s\n      -> %s" % (c, desc, describe_worker(workers[c].hello)), flush=True)
        if args.extra_numpy:
            c = "numpy@" + os.path.basename(args.extra_numpy)
            workers[c] = Worker(c, args.extra_numpy, worker_env({}), t, t, numpy_only=True)
            report["configs"][c] = {"description": "numpy.linalg.eigh under %s" % args.extra_numpy, "env": {},
                                    "worker": workers[c].hello, "eigh_only": True}
            print("  [%s] %s" % (c, describe_worker(workers[c].hello)), flush=True)

        for wl in workloads:
            if "script" in wl:
                t0 = time.time()
                srows, argv, log = run_script(wl, args, installs, names)
                report["workloads"][wl["id"]] = {"spec": wl, "script_rows": srows, "argv": argv, "log": log}
                print("  %-9s done (%s, %.0fs) [%.0fs elapsed]" % (wl["id"], log, time.time() - t0, time.time() - started), flush=True)
                continue
            wres = {"spec": wl, "torch": {}, "morse": {}, "errors": {}, "order": []}
            report["workloads"][wl["id"]] = wres
            variants = {}
            for prod in wl["products"]:
                if prod in VARIANTS:
                    vs = [v for v in VARIANTS[prod] if only is None or v in only or v == REFERENCE[prod]]
                    variants[prod] = vs
            for r in range(args.rounds):
                torch_side = [c for c in workers if "eigh" in wl or not report["configs"][c].get("eigh_only")]
                if "eigh" in wl:
                    # numpy's eigh depends on the OpenBLAS library only (its threads are set to T for
                    # it in every configuration): time it once per distinct library.
                    seen, keep = set(), []
                    for c in torch_side:
                        libs = tuple(sorted(os.path.realpath(e["library"]) for e in
                                            report["configs"][c]["worker"].get("blas", {}).get("openblas", []) or []))
                        key = (report["configs"][c]["worker"].get("python"), libs)
                        if key not in seen:
                            seen.add(key)
                            keep.append(c)
                    torch_side = keep
                steps = ["torch:" + c for c in torch_side] + ["morse"]
                if r % 2 == 1:
                    steps = ["morse"] + ["torch:" + c for c in torch_side]
                for step in steps:
                    t0 = time.time()
                    if step == "morse":
                        mj, argv = run_morse(morse_cmd, wl, args)
                        report["morse_backend"] = mj.get("backend")
                        report["morse_machine"] = mj.get("machine")
                        wres["morse_argv"] = argv
                        wres.setdefault("morse_runs", []).append({k2: mj.get(k2) for k2 in ("config", "warmup_done")})
                        for prod, e in mj["products"].items():
                            wres["morse"].setdefault(prod, []).extend(e["times_ms"])
                            wres.setdefault("morse_cpu", {}).setdefault(prod, []).extend(x for x in e.get("cpu_ms") or [] if x is not None)
                            wres.setdefault("morse_round_medians", {}).setdefault(prod, []).append(median(e["times_ms"]))
                    else:
                        c = step.split(":", 1)[1]
                        req = {"op": "bench", "workload": wl, "variants": variants, "seed": args.seed,
                               "warmup": wl["warmup"], "reps": max(1, round(wl["reps"] * args.reps_scale)),
                               "budget_s": wl["budget_s"] * args.reps_scale}
                        ans = workers[c].run(req)
                        for prod, byv in ans["results"].items():
                            for vname, e in byv.items():
                                d = wres["torch"].setdefault(c, {}).setdefault(prod, {}).setdefault(vname, {"times_ms": []})
                                d["times_ms"].extend(e["times_ms"])
                                d.setdefault("cpu_ms", []).extend(e.get("cpu_ms", []))
                                d.setdefault("round_medians", []).append(median(e["times_ms"]))
                                for k2, v2 in e.items():
                                    if k2.startswith("rel_err"):
                                        d[k2] = max(d.get(k2, 0.0), v2)
                        for k2, v2 in ans["errors"].items():
                            wres["errors"]["%s:%s" % (c, k2)] = v2
                    wres["order"].append("%s (%.1fs)" % (step, time.time() - t0))
            print("  %-9s done (%s) [%.0fs elapsed]" % (wl["id"], ", ".join(wres["order"]), time.time() - started), flush=True)
            for k2, v2 in wres["errors"].items():
                print("      variant failed: %s: %s" % (k2, v2), flush=True)
    finally:
        for w in workers.values():
            w.close()
    report["load_after"] = os.getloadavg()
    report["elapsed_s"] = time.time() - started
    rows = build_rows(report)
    report["rows"] = rows
    print_report(report, rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
        print("saved %s" % args.json)
    return 0


def alternatives():
    out = {}
    ma = multiarch()
    for name in ("libblas.so.3", "liblapack.so.3", "libopenblas.so.0"):
        try:
            p = subprocess.run(["update-alternatives", "--query", "%s-%s" % (name, ma)], capture_output=True, text=True)
            status = re.search(r"^Status: (.*)$", p.stdout, re.M)
            value = re.search(r"^Value: (.*)$", p.stdout, re.M)
            alts = re.findall(r"^Alternative: (.*)$", p.stdout, re.M)
            out[name] = {"status": status.group(1) if status else None, "value": value.group(1) if value else None,
                         "alternatives": alts}
        except OSError:
            out[name] = None
    return out


def describe_worker(h):
    ob = h.get("blas", {}).get("openblas") or []
    obs = "; ".join("%s [%s, %s threads]" % (e.get("library"), e.get("parallel"), e.get("threads")) for e in ob) or "no OpenBLAS mapped"
    if "torch" in h:
        return "torch %s (BLAS_INFO=%s, %s backend, %d intra-op threads), numpy %s, %s" % (
            h["torch"], h.get("torch_blas_info"), h.get("torch_parallel_backend"), h.get("torch_threads", 0), h["numpy"], obs)
    return "numpy %s (%s), %s" % (h["numpy"], h["python"], obs)


def make_row(wid, label, prod, morse, morse_n, cands, base_prod, tgt, installs, morse_cpu=None, cands_cpu=()):
    """One table row. cands: (median ms, worker "install/config", variant, n) of the PyTorch side;
    the same in process CPU time (cands_cpu, morse_cpu) where measured."""
    best = min(cands) if cands else None
    dflt = min([x for x in cands if x[1].endswith("/default")], default=None)
    pyh = min([x for x in cands if x[1].endswith("/default") and x[2] == "double_backward"], default=None)
    row = {"workload": wid, "label": label, "product": prod, "morse_ms": morse, "morse_n": morse_n,
           "torch_product": base_prod,
           "best": best and {"ms": best[0], "config": best[1], "variant": best[2], "n": best[3]},
           "default": dflt and {"ms": dflt[0], "config": dflt[1], "variant": dflt[2], "n": dflt[3]},
           "pyhessian_default": pyh and {"ms": pyh[0], "config": pyh[1]}, "by_installation": {}}
    row["speedup_best"] = best[0] / morse if best and morse else None
    bc = min(cands_cpu) if cands_cpu else None
    row["cpu"] = {"morse_ms": morse_cpu, "best": bc and {"ms": bc[0], "config": bc[1], "variant": bc[2]},
                  "speedup": bc[0] / morse_cpu if bc and morse_cpu else None}
    row["speedup_default"] = dflt[0] / morse if dflt and morse else None
    for inst in installs:
        bi = min([x for x in cands if x[1].split("/")[0] == inst], default=None)
        row["by_installation"][inst] = bi and {"ms": bi[0], "config": bi[1], "variant": bi[2],
                                               "speedup": bi[0] / morse if morse else None}
    if tgt:
        need, basis = tgt
        if basis.startswith("variant:"):
            vn = basis.split(":", 1)[1]
            bx = min([x for x in cands if x[2] == vn], default=None)
        else:
            bx = best
        names = {"best": "best numpy" if prod == "eigh" else "best PyTorch", "ggn_vp": "best PyTorch G·v",
                 "variant:functional_hessian": "torch.autograd.functional.hessian",
                 "variant:double_backward": "double backward", "variant:triple_backward": "triple backward"}
        row["target"] = {"required": need, "baseline": names.get(basis, basis), "basis": basis,
                         "baseline_ms": bx[0] if bx else None, "baseline_config": bx[1] if bx else None,
                         "speedup": bx[0] / morse if bx and morse else None}
        row["target"]["met"] = (need is not None and row["target"]["speedup"] is not None
                                and row["target"]["speedup"] >= need)
    return row


def build_rows(report):
    rows = []
    installs = [i["label"] for i in report.get("installations", [])]
    for wid, w in report["workloads"].items():
        spec = w["spec"]
        if "script" in spec:
            for sr in w.get("script_rows", []):
                cands = [tuple(x) for x in sr["cands"]]
                rows.append(make_row(wid, sr["label"], sr["product"], sr["morse_ms"], sr["morse_n"], cands, sr["product"],
                                     sr.get("target") and tuple(sr["target"]), installs, sr.get("morse_cpu_ms"),
                                     [tuple(x) for x in sr.get("cands_cpu", [])]))
            continue
        label = ("eigh n=%d" % spec["eigh"]) if "eigh" in spec else "%s %s %s N=%d" % (spec["model"], spec["activation"], spec["loss"], spec["n"])
        for prod in spec["products"]:
            morse = median(w["morse"].get(prod, []))
            base_prod = prod
            tgt = TARGETS.get((wid, prod))
            if prod == "nme_vp":
                base_prod = "ggn_vp"  # PyTorch has no M·v: compare with its G·v (issue #6)
            # Like with like: Morse "hvp" recomputes its forward/backward passes every call (θ may
            # change), so its baseline excludes PyTorch's reused-graph variant, which keeps them for a
            # fixed θ; Morse "hvp_cached" keeps them too, and its baseline is every PyTorch variant.
            excluded = {"reused_graph"} if prod == "hvp" else set()
            if prod == "hvp_cached":
                base_prod = "hvp"
            cands, cands_cpu = [], []  # (median, config, variant, n)
            for c, byp in w["torch"].items():
                for vname, d in byp.get(base_prod, {}).items():
                    if vname in excluded:
                        continue
                    errs = [v for k, v in d.items() if k.startswith("rel_err")]
                    if errs and max(errs) > CHECK_TOL:
                        continue  # a variant that disagrees with the reference is not a baseline
                    if d["times_ms"]:
                        cands.append((median(d["times_ms"]), c, vname, len(d["times_ms"])))
                    if d.get("cpu_ms"):
                        cands_cpu.append((median(d["cpu_ms"]), c, vname, len(d["cpu_ms"])))
            rows.append(make_row(wid, label, prod, morse, len(w["morse"].get(prod, [])), cands, base_prod, tgt, installs,
                                 median(w.get("morse_cpu", {}).get(prod, [])), cands_cpu))
    return rows


def print_report(report, rows):
    installs = [i["label"] for i in report.get("installations", [])]
    print()
    print("Morse vs PyTorch %s, float64, T=%d threads, median ms over %d alternating round(s); speed-up x = PyTorch ms / Morse ms"
          % (" and ".join(installs), report["threads"], report["rounds"]))
    hdr = "%-34s %-18s %9s | %9s %6s  %-44s | %s| %7s | %s" % (
        "workload", "product", "Morse ms", "best ms", "x", "best PyTorch variant [installation/config]",
        "".join("%-15s " % ("x vs " + i) for i in installs), "x cpu", "target")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        b = r["best"]
        tg = ""
        if "target" in r:
            t = r["target"]
            if r["product"] == "eigh":
                tg = "Morse ≤ 1.1x %s: %s (%.2fx)" % (t["baseline"], "MET" if t["met"] else "not met",
                                                     1 / t["speedup"] if t["speedup"] else float("nan"))
            elif t["required"] is None:
                tg = "(ratio stated) vs %s: %s" % (t["baseline"], "%.2fx" % t["speedup"] if t["speedup"] else "-")
            else:
                tg = "≥ %.1fx vs %s: %s" % (t["required"], t["baseline"], "MET" if t["met"] else "not met")
                if t["basis"].startswith("variant:") and t["baseline_ms"]:
                    tg += " (%s ms [%s], %.2fx)" % (fmt_ms(t["baseline_ms"]), t["baseline_config"], t["speedup"])
        bname = ("%s [%s]" % (b["variant"], b["config"])) if b else "-"
        if r["product"] == "nme_vp" and b:
            bname = "G·v: " + bname
        per = "".join("%-15s " % ("%.2f (%s)" % (bi["speedup"], fmt_ms(bi["ms"])) if bi and bi["speedup"] else "-")
                      for bi in (r["by_installation"].get(i) for i in installs))
        xc = r.get("cpu", {}).get("speedup")
        print("%-34s %-18s %9s | %9s %6s  %-44s | %s| %7s | %s" % (
            r["label"][:34], r["product"], fmt_ms(r["morse_ms"]), fmt_ms(b and b["ms"]),
            "%.2f" % r["speedup_best"] if r["speedup_best"] else "-", bname[:44], per, "%.2f" % xc if xc else "-", tg))
    print("x = PyTorch ms / Morse ms, wall time (> 1: Morse faster); 'x vs I' = against the best variant and configuration of "
          "installation I alone (its ms in parentheses); 'x cpu' = the same ratio in process CPU time (all threads; best "
          "PyTorch by CPU time), the steadier measure on a shared machine; targets are judged on wall time.  nme_vp is compared with PyTorch's G·v (PyTorch has no M·v product).")
    for i in report.get("installations", []):
        print("  PyTorch %s: torch %s (BLAS %s) under %s" % (i["label"], i["torch"], i["blas"], i["python"]))
    used = sorted({(r["torch_product"], r["best"]["variant"]) for r in rows if r["best"]})
    for prod, v in used:
        print("  %-24s %s" % (v, VARIANTS.get(prod, {}).get(v, SCRIPT_VARIANTS.get(v, ""))))
    for c in sorted({r["best"]["config"] for r in rows if r["best"]}):
        if c in report["configs"]:
            print("  [%s] %s" % (c, report["configs"][c]["description"]))
    print()
    print("All timings (median ms; n = timed calls pooled over rounds; per-round medians; rel err vs the reference variant):")
    for wid, w in report["workloads"].items():
        if "script" in w["spec"]:
            for sr in w.get("script_rows", []):
                for ms, c, v, n in sorted(sr["cands"], key=lambda x: (x[1], x[2])):
                    print("  %-9s %-18s %-30s %-18s %9s ms  n=%d" % (wid, sr["product"], v, c, fmt_ms(ms), n))
                print("  %-9s %-18s %-30s %-18s %9s ms  n=%d" % (wid, sr["product"], "morse", "-", fmt_ms(sr["morse_ms"]), sr["morse_n"]))
            print("  %-9s (%s; its own report: %s)" % (wid, " ".join(w.get("argv", [])), w.get("log")))
            continue
        for c, byp in w["torch"].items():
            for prod, byv in byp.items():
                for vname, d in byv.items():
                    errs = {k: v for k, v in d.items() if k.startswith("rel_err")}
                    es = " ".join("%s=%.1e" % (k.replace("rel_err_vs_", "err/"), v) for k, v in errs.items())
                    flag = "  MISMATCH (excluded)" if errs and max(errs.values()) > CHECK_TOL else ""
                    print("  %-9s %-14s %-30s %-12s %9s ms  n=%-3d rounds %-20s %s%s" % (
                        wid, prod, vname, c, fmt_ms(median(d["times_ms"])), len(d["times_ms"]),
                        "/".join(fmt_ms(x) for x in d.get("round_medians", [])), es, flag))
        for k2, v2 in w["errors"].items():
            print("  %-9s FAILED %s: %s" % (wid, k2, v2))
        for prod, ts in w["morse"].items():
            print("  %-9s %-14s %-30s %-12s %9s ms  n=%-3d rounds %s" % (
                wid, prod, "morse", "-", fmt_ms(median(ts)), len(ts),
                "/".join(fmt_ms(x) for x in w.get("morse_round_medians", {}).get(prod, []))))
        for run in w.get("morse_runs", []):
            wd = run.get("warmup_done") or {}
            if wd and not wd.get("jit_quiet", True):
                print("  %-9s morse warm-up hit its cap with the JIT still compiling (%s)" % (wid, wd))
    mb = report.get("morse_backend") or {}
    print()
    print("Morse backend: %s; %s; BLAS %s" % (mb.get("jdk"), mb.get("simd"), mb.get("openblas_config") or mb.get("blas")))
    alt = report["alternatives"].get("libblas.so.3") or {}
    print("system libblas.so.3 alternative: %s (%s)" % (alt.get("value"), alt.get("status")))
    print("load average before %s, after %s (a busy machine makes all of this provisional); %.0f s"
          % (tuple(round(x, 2) for x in report["load_before"]), tuple(round(x, 2) for x in report["load_after"]), report["elapsed_s"]))


if __name__ == "__main__":
    sys.exit(main())
