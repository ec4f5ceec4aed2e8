#!/usr/bin/env python3
"""PyTorch float64 references for the training penalties of SPEC §11 (issue 13), and σ…σ‴ of the
activations of SPEC §3 at high precision.

Writes penalties.json next to this script. Run it with the private PyTorch of
bench/compare/install-torch.sh (any torch >= 1.13 works; the JSON records the version):

    PY=$(bench/compare/install-torch.sh --print-python)
    "$PY" engine/src/test/resources/reference/penalties.py            # writes penalties.json
    "$PY" engine/src/test/resources/reference/penalties.py --no-write # checks only

What it computes, per case (a small MLP in PyTorch's layout, explicit θ, data, probes V and noise E,
all stored in the JSON) and per penalty spec:
  objective  L + R + penalty (sam: L(θ + ρ g/‖g‖) + R(θ); weight_noise: (1/k) Σ L(θ + σ εᵢ) + R(θ))
  loss       L(θ), the data loss (mean over samples), R(θ) in `regularizer`
  penalty    objective − loss − regularizer
  gradient   the update direction of SPEC §11 (for every penalty but gradient_norm_ggn and sam it is the
             exact gradient of `objective`), flat in PyTorch's parameter order
Every gradient is checked here, in float64, against a 6-point central difference of its own
objective (exact ones), or against the SPEC formula built from a finite-difference gradient and
dense H, G (gradient_norm_ggn), or against finite differences of L at the SAM point (sam). The
largest error of each check, relative to the largest component, is stored in `check` and printed.

Conventions (SPEC §1-§3): θ = torch.cat([p.flatten() for p in model.parameters()]) of a stack of
nn.Linear (W_l row-major [out][in], then b_l); f = a_L (no output activation); mse = nn.MSELoss()
(mean over N·C entries), cross_entropy = nn.CrossEntropyLoss() (mean over N, integer labels);
gelu = x Φ(x) with erf, beta_gelu(β) = x Φ(βx), softplus = log(1 + e^x) (stable logaddexp; PyTorch's
nn.Softplus would switch to x above 20); l2(λ): R = (λ/2)‖θ‖², biases included.
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
SQRT2 = math.sqrt(2.0)

# ----------------------------------------------------------------------------------- model


def activation(name):
    """σ of SPEC §3 as a torch function (differentiable to any order by autograd)."""
    base, _, param = name.partition(":")
    if base == "identity":
        return lambda x: x
    if base == "tanh":
        return torch.tanh
    if base == "sigmoid":
        return torch.sigmoid
    if base == "softplus":
        return lambda x: torch.logaddexp(x, torch.zeros_like(x))
    if base == "gelu":
        return lambda x: x * 0.5 * (1.0 + torch.erf(x / SQRT2))
    if base == "beta_gelu":
        beta = float(param)
        return lambda x: x * 0.5 * (1.0 + torch.erf(beta * x / SQRT2))
    raise ValueError("activation not used here: " + name)


class Lambda(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class Mlp:
    """widths d0-…-dL, one activation per hidden layer; θ flat in PyTorch's order."""

    def __init__(self, widths, acts):
        assert len(acts) == len(widths) - 2
        self.widths = widths
        self.act_names = acts
        self.acts = [activation(a) for a in acts]
        self.P = sum(widths[l + 1] * (widths[l] + 1) for l in range(len(widths) - 1))

    def layers(self, theta):
        out, o = [], 0
        for l in range(len(self.widths) - 1):
            din, dout = self.widths[l], self.widths[l + 1]
            W = theta[o:o + dout * din].view(dout, din)
            o += dout * din
            b = theta[o:o + dout]
            o += dout
            out.append((W, b))
        assert o == self.P
        return out

    def forward(self, theta, X):
        z = X
        layers = self.layers(theta)
        for l, (W, b) in enumerate(layers):
            a = F.linear(z, W, b)
            z = self.acts[l](a) if l < len(layers) - 1 else a
        return z

    def module(self, theta):
        """The same network as an nn.Sequential of nn.Linear, θ loaded by vector_to_parameters."""
        mods = []
        for l in range(len(self.widths) - 1):
            mods.append(nn.Linear(self.widths[l], self.widths[l + 1]))
            if l < len(self.widths) - 2:
                mods.append(Lambda(self.acts[l]))
        m = nn.Sequential(*mods).double()
        nn.utils.vector_to_parameters(theta.detach().clone(), m.parameters())
        return m


def data_loss(out, target, loss):
    if loss == "mse":
        return F.mse_loss(out, target)          # nn.MSELoss(): mean over N·C
    return F.cross_entropy(out, target)         # nn.CrossEntropyLoss(): mean over N


def loss_hessian_apply(out, u, loss):
    """∇²_F L · u for the whole batch (F = N×C outputs), SPEC §2 with the 1/N of the mean."""
    n, c = out.shape
    if loss == "mse":
        return (2.0 / (n * c)) * u
    p = torch.softmax(out, dim=1)
    return (p * u - p * (p * u).sum(dim=1, keepdim=True)) / n


def reg_value(theta, reg):
    if reg is None:
        return torch.zeros((), dtype=theta.dtype)
    return 0.5 * reg * (theta * theta).sum()


def reg_grad(theta, reg):
    return torch.zeros_like(theta) if reg is None else reg * theta


class Case:
    def __init__(self, spec):
        self.spec = spec
        self.name = spec["name"]
        self.mlp = Mlp(spec["widths"], spec["activations"])
        self.loss = spec["loss"]
        self.reg = spec["l2"]
        g = torch.Generator().manual_seed(spec["seed"])
        w = spec["widths"]
        self.N = spec["N"]
        self.k = spec["k"]
        P = self.mlp.P
        self.theta = spec["theta_scale"] * torch.randn(P, generator=g)
        self.X = torch.randn(self.N, w[0], generator=g)
        if self.loss == "mse":
            self.Y = torch.randn(self.N, w[-1], generator=g)
        else:
            self.Y = torch.randint(0, w[-1], (self.N,), generator=g)
        self.V = torch.randn(self.k, P, generator=g)     # probes of the trace penalties
        self.E = torch.randn(self.k, P, generator=g)     # noise of weight_noise

    # -- the data loss and its pieces
    def L(self, theta):
        return data_loss(self.mlp.forward(theta, self.X), self.Y, self.loss)

    def R(self, theta):
        return reg_value(theta, self.reg)

    def grad_L(self, theta):
        t = theta.detach().clone().requires_grad_(True)
        (g,) = torch.autograd.grad(self.L(t), t)
        return g

    def outputs_jvp(self, t, v, create_graph):
        """(F(t), J v) with J v by the double-vjp trick, differentiable in t when create_graph."""
        out = self.mlp.forward(t, self.X)
        w = torch.zeros_like(out, requires_grad=True)
        (s,) = torch.autograd.grad(out, t, grad_outputs=w, create_graph=True)
        (u,) = torch.autograd.grad(s, w, grad_outputs=v, create_graph=create_graph)
        return out, u

    def hvp(self, theta, v):
        t = theta.detach().clone().requires_grad_(True)
        (g,) = torch.autograd.grad(self.L(t), t, create_graph=True)
        (hv,) = torch.autograd.grad(g, t, grad_outputs=v)
        return hv

    def ggnvp(self, theta, v):
        """G v = Jᵀ H_F J v: jvp (double-vjp), the loss Hessian of SPEC §2, vjp."""
        t = theta.detach().clone().requires_grad_(True)
        out, u = self.outputs_jvp(t, v, create_graph=False)
        hu = loss_hessian_apply(out.detach(), u, self.loss)
        (gv,) = torch.autograd.grad(out, t, grad_outputs=hu)
        return gv

    # -- dense references (independent routes)
    def dense(self):
        theta = self.theta
        H = torch.autograd.functional.hessian(self.L, theta)
        J = torch.autograd.functional.jacobian(lambda t: self.mlp.forward(t, self.X).reshape(-1), theta)
        out = self.mlp.forward(theta, self.X).detach()
        shape = out.shape
        HF = torch.autograd.functional.hessian(lambda f: data_loss(f.reshape(shape), self.Y, self.loss), out.reshape(-1))
        G = J.T @ HF @ J
        return H, G


# ----------------------------------------------------------------------------------- penalties


def penalty_eval(case, spec, theta):
    """(objective, loss, regularizer, direction) at θ for one penalty spec (SPEC §11)."""
    parts = spec.split(":")
    name = parts[0]
    t = theta.detach().clone().requires_grad_(True)
    L = case.L(t)
    R = case.R(t)
    if name in ("gradient_norm", "gradient_norm_ggn"):
        rho = float(parts[1])
        p = int(parts[2]) if len(parts) > 2 else 1
        (g,) = torch.autograd.grad(L, t, create_graph=True)
        gn = g.norm()
        obj = L + R + rho * gn ** p
        if name == "gradient_norm":
            (d,) = torch.autograd.grad(obj, t)                     # double backward: ∇L + ρ p‖g‖^(p−2) H g + ∇R
        else:
            gd = g.detach()
            d = gd + rho * p * gd.norm() ** (p - 2) * case.ggnvp(theta, gd) + reg_grad(theta, case.reg)
        return obj.detach(), L.detach(), R.detach(), d
    if name == "sam":
        rho = float(parts[1])
        g = case.grad_L(theta)
        point = theta + rho * g / g.norm()
        tp = point.detach().clone().requires_grad_(True)
        Lp = case.L(tp)
        (gp,) = torch.autograd.grad(Lp, tp)
        obj = Lp.detach() + R.detach()
        return obj, L.detach(), R.detach(), gp + reg_grad(theta, case.reg)
    if name == "weight_noise":
        s2 = float(parts[1])
        k = int(parts[2]) if len(parts) > 2 else 1
        sigma = math.sqrt(s2)
        noisy = torch.stack([case.L(t + sigma * case.E[i]) for i in range(k)]).mean()
        obj = noisy + R
        (d,) = torch.autograd.grad(obj, t)                         # (1/k) Σ ∇L(θ + σ εᵢ) + ∇R(θ)
        return obj.detach(), L.detach(), R.detach(), d
    if name == "hessian_trace":
        s2 = float(parts[1])
        k = int(parts[2]) if len(parts) > 2 else 1
        (g,) = torch.autograd.grad(L, t, create_graph=True)
        qs = []
        for i in range(k):
            v = case.V[i]
            (hv,) = torch.autograd.grad(g, t, grad_outputs=v, create_graph=True)
            qs.append(v @ hv)
        obj = L + R + 0.5 * s2 * torch.stack(qs).mean()
        (d,) = torch.autograd.grad(obj, t)                         # triple backward
        return obj.detach(), L.detach(), R.detach(), d
    if name == "ggn_trace":
        s2 = float(parts[1])
        k = int(parts[2]) if len(parts) > 2 else 1
        qs = []
        for i in range(k):
            out, u = case.outputs_jvp(t, case.V[i], create_graph=True)
            qs.append((u * loss_hessian_apply(out, u, case.loss)).sum())   # vᵀ G v = (Jv)ᵀ H_F (Jv)
        obj = L + R + 0.5 * s2 * torch.stack(qs).mean()
        (d,) = torch.autograd.grad(obj, t)                         # through J and through H_F(p(θ))
        return obj.detach(), L.detach(), R.detach(), d
    raise ValueError(spec)


def objective_only(case, spec, theta):
    return penalty_eval(case, spec, theta)[0].item()


FD_STENCIL = "(f(x+3h) - 9 f(x+2h) + 45 f(x+h) - 45 f(x-h) + 9 f(x-2h) - f(x-3h)) / (60 h)"


def fd_gradient(fn, theta, h):
    """6-point central differences (truncation O(h⁶)) of a scalar function of θ, one coordinate at a time."""
    g = torch.zeros_like(theta)
    for i in range(theta.numel()):
        e = torch.zeros_like(theta)
        e[i] = h
        f3, f2, f1 = fn(theta + 3 * e), fn(theta + 2 * e), fn(theta + e)
        m1, m2, m3 = fn(theta - e), fn(theta - 2 * e), fn(theta - 3 * e)
        g[i] = ((f3 - m3) - 9 * (f2 - m2) + 45 * (f1 - m1)) / (60 * h)
    return g


def rel_err(a, b):
    """max |a − b| relative to max |b|."""
    return ((a - b).abs().max() / b.abs().max()).item()


# ----------------------------------------------------------------------------------- cases

CASES = [
    {"name": "tanh_gelu_mse", "widths": [4, 6, 5, 3], "activations": ["tanh", "gelu"], "loss": "mse",
     "l2": None, "N": 7, "k": 3, "seed": 1301, "theta_scale": 0.7},
    {"name": "tanh_gelu_cross_entropy", "widths": [4, 6, 5, 3], "activations": ["tanh", "gelu"], "loss": "cross_entropy",
     "l2": None, "N": 7, "k": 3, "seed": 1302, "theta_scale": 0.7},
    {"name": "softplus_mse", "widths": [3, 5, 4, 2], "activations": ["softplus", "softplus"], "loss": "mse",
     "l2": None, "N": 6, "k": 2, "seed": 1303, "theta_scale": 0.8},
    {"name": "softplus_beta_gelu_cross_entropy_l2", "widths": [3, 5, 4, 2], "activations": ["softplus", "beta_gelu:2"],
     "loss": "cross_entropy", "l2": 0.01, "N": 6, "k": 2, "seed": 1304, "theta_scale": 0.8},
]


def penalty_specs(k):
    return [
        "gradient_norm:0.1:1",
        "gradient_norm:0.1:2",
        "gradient_norm_ggn:0.1:1",
        "gradient_norm_ggn:0.1:2",
        "sam:0.05",
        f"weight_noise:0.01:{k}",
        f"hessian_trace:0.1:{k}",
        f"ggn_trace:0.1:{k}",
    ]


FD_H = 1e-3


def run_case(spec, log):
    case = Case(spec)
    theta = case.theta
    log(f"case {case.name}: widths {spec['widths']}, activations {spec['activations']}, loss {case.loss}, "
        f"l2 {case.reg}, P = {case.mlp.P}, N = {case.N}, k = {case.k}")

    # θ order and the network: the functional forward equals nn.Sequential(nn.Linear, …) with θ loaded.
    m = case.mlp.module(theta)
    flat = torch.cat([p.detach().flatten() for p in m.parameters()])
    assert torch.equal(flat, theta), "θ order differs from torch.cat([p.flatten() for p in model.parameters()])"
    f_mod = m(case.X).detach()
    f_fun = case.mlp.forward(theta, case.X)
    log(f"  nn.Sequential vs functional forward: max |Δf| = {(f_mod - f_fun).abs().max().item():.1e}")
    assert torch.allclose(f_mod, f_fun, rtol=0, atol=1e-14)

    H, G = case.dense()
    g = case.grad_L(theta)
    hg = case.hvp(theta, g)
    gg = case.ggnvp(theta, g)
    log(f"  H g (double backward) vs dense H: {rel_err(hg, H @ g):.1e};  G g (jvp, H_F, vjp) vs dense JᵀH_F J: {rel_err(gg, G @ g):.1e}")
    qh = [(v @ case.hvp(theta, v)).item() for v in case.V]
    qg = [(v @ case.ggnvp(theta, v)).item() for v in case.V]
    qh_dense = [(v @ H @ v).item() for v in case.V]
    qg_dense = [(v @ G @ v).item() for v in case.V]
    log(f"  vᵀHv vs dense: {max(abs(a - b) / abs(b) for a, b in zip(qh, qh_dense)):.1e};  "
        f"vᵀGv vs dense: {max(abs(a - b) / abs(b) for a, b in zip(qg, qg_dense)):.1e}")
    fd_g = fd_gradient(lambda t: case.L(t).item(), theta, FD_H)
    log(f"  ∇L vs finite differences: {rel_err(g, fd_g):.1e}")

    out = {
        "name": case.name,
        "widths": spec["widths"],
        "activations": spec["activations"],
        "bias": True,
        "loss_function": case.loss,
        "regularizer": "none" if case.reg is None else f"l2:{case.reg}",
        "P": case.mlp.P,
        "N": case.N,
        "k": case.k,
        "theta": theta.tolist(),
        "inputs": case.X.tolist(),
        "targets": case.Y.tolist(),
        "probes": case.V.tolist(),
        "noise": case.E.tolist(),
        "loss": case.L(theta).item(),
        "regularizer_value": case.R(theta).item(),
        "gradient_loss": g.tolist(),
        "hessian_times_gradient": hg.tolist(),
        "ggn_times_gradient": gg.tolist(),
        "probe_hessian_quadratic_forms": qh,
        "probe_ggn_quadratic_forms": qg,
        "penalties": [],
    }

    worst = 0.0
    for ps in penalty_specs(case.k):
        obj, L, R, d = penalty_eval(case, ps, theta)
        name = ps.split(":")[0]
        extra = {}
        if name in ("gradient_norm_ggn",):
            rho = float(ps.split(":")[1])
            p = int(ps.split(":")[2])
            fd = fd_gradient(lambda t: objective_only(case, ps, t), theta, FD_H)
            gn = g.norm()
            expect = fd - rho * p * gn ** (p - 2) * ((H - G) @ g)   # exact gradient with the NME part of H g taken out
            method = ("SPEC direction: 6-point central differences of the objective, minus ρ p ‖g‖^(p−2) M g with "
                      "M = H − G from dense H (autograd.functional.hessian) and G = Jᵀ H_F J (dense Jacobian, dense loss Hessian)")
            exact = False
        elif name == "sam":
            rho = float(ps.split(":")[1])
            point = theta + rho * g / g.norm()
            fd = fd_gradient(lambda t: case.L(t).item(), point, FD_H)
            expect = fd + reg_grad(theta, case.reg)
            method = "SPEC direction: 6-point central differences of L at θ + ρ g/‖g‖, plus ∇R(θ) = λθ"
            exact = False
            extra["ascent_point"] = point.tolist()
        else:
            fd = fd_gradient(lambda t: objective_only(case, ps, t), theta, FD_H)
            expect = fd
            method = "exact gradient: 6-point central differences of the objective"
            exact = True
            if name == "weight_noise":
                s = math.sqrt(float(ps.split(":")[1]))
                extra["losses_at_noise"] = [case.L(theta + s * case.E[i]).item() for i in range(case.k)]
        err = rel_err(d, expect)
        abs_err = (d - expect).abs().max().item()
        worst = max(worst, err)
        if name == "gradient_norm":
            rho = float(ps.split(":")[1])
            p = int(ps.split(":")[2])
            formula = g + rho * p * g.norm() ** (p - 2) * (H @ g) + reg_grad(theta, case.reg)
            extra["formula_check"] = rel_err(d, formula)       # ∇L + ρ p‖g‖^(p−2) H g + ∇R with dense H
        if name in ("hessian_trace", "ggn_trace"):
            extra["quadratic_forms"] = qh if name == "hessian_trace" else qg
        log(f"  {ps:26s} objective {obj.item(): .15e}  penalty {(obj - L - R).item(): .6e}  "
            f"check {err:.1e} ({'exact gradient' if exact else 'direction'})")
        out["penalties"].append({
            "spec": ps,
            "name": name,
            "objective": obj.item(),
            "loss": L.item(),
            "regularizer": R.item(),
            "penalty": (obj - L - R).item(),
            "gradient": d.tolist(),
            "gradient_norm": d.norm().item(),
            "gradient_is_exact": exact,
            "check": {"method": method, "h": FD_H, "max_abs_error": abs_err, "max_rel_error": err},
            **({"extra": extra} if extra else {}),
        })
    return out, worst


# ----------------------------------------------------------------------------------- activations

ACTIVATIONS = ["tanh", "sigmoid", "softplus", "gelu", "beta_gelu:2", "beta_gelu:0.5"]
POINTS = [-12.0, -6.0, -3.3, -1.7, -0.9, -0.25, 0.0, 0.3, 1.0, 1.9, 2.6, 4.5, 7.0, 12.0]


def activation_references(log):
    """σ, σ′, σ″, σ‴ at POINTS by mpmath at 50 digits (mp.diff), cross-checked with torch autograd."""
    import mpmath as mp
    mp.mp.dps = 50

    def mp_fn(name):
        base, _, param = name.partition(":")
        if base == "tanh":
            return mp.tanh
        if base == "sigmoid":
            return lambda x: 1 / (1 + mp.exp(-x))
        if base == "softplus":
            return lambda x: mp.log(1 + mp.exp(x))
        if base == "gelu":
            return lambda x: x * mp.ncdf(x)
        if base == "beta_gelu":
            b = mp.mpf(param)
            return lambda x: x * mp.ncdf(b * x)
        raise ValueError(name)

    out = {"points": POINTS, "method": "mpmath " + mp.__version__ + " at 50 digits: mp.diff(σ, x, n), rounded to float64",
           "functions": {}}
    worst = 0.0
    for name in ACTIVATIONS:
        f = mp_fn(name)
        ref = {"value": [], "d1": [], "d2": [], "d3": []}
        for x in POINTS:
            xm = mp.mpf(x)
            ref["value"].append(float(f(xm)))
            for n in (1, 2, 3):
                ref[f"d{n}"].append(float(mp.diff(f, xm, n)))
        # torch autograd of the script's own σ, to the third derivative
        t = torch.tensor(POINTS, requires_grad=True)
        y = activation(name)(t)
        d1 = torch.autograd.grad(y.sum(), t, create_graph=True)[0]
        d2 = torch.autograd.grad(d1.sum(), t, create_graph=True)[0]
        d3 = torch.autograd.grad(d2.sum(), t)[0]
        for key, tv in (("value", y), ("d1", d1), ("d2", d2), ("d3", d3)):
            r = torch.tensor(ref[key])
            e = ((tv.detach() - r).abs() / r.abs().clamp(min=1.0)).max().item()
            worst = max(worst, e)
        out["functions"][name] = ref
    log(f"activations: torch autograd (σ of this script, to σ‴) vs mpmath: max error {worst:.1e} (relative, absolute below 1)")
    return out, worst


# ----------------------------------------------------------------------------------- main


def main():
    global FD_H
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "penalties.json"))
    ap.add_argument("--no-write", action="store_true", help="run the checks, write nothing")
    ap.add_argument("--h", type=float, default=FD_H, help="finite-difference step (default %(default)s)")
    args = ap.parse_args()
    FD_H = args.h
    torch.set_num_threads(1)   # reproducible reductions

    def log(s):
        print(s, flush=True)

    log(f"torch {torch.__version__}, python {platform.python_version()}, float64")
    cases, worst = [], 0.0
    for spec in CASES:
        c, w = run_case(spec, log)
        cases.append(c)
        worst = max(worst, w)
    acts, act_worst = activation_references(log)
    log(f"largest check error over all penalties: {worst:.1e}")
    if worst > 1e-10 or act_worst > 1e-13:
        sys.exit(f"a check failed: penalties {worst:.1e} (limit 1e-10), activations {act_worst:.1e} (limit 1e-13)")

    doc = {
        "description": (
            "PyTorch float64 references for the training penalties of SPEC §11 (issue 13), made by penalties.py "
            "beside this file. Per case: a small MLP (widths, one activation per hidden layer, biases on every layer), "
            "theta in PyTorch's order (torch.cat([p.flatten() for p in model.parameters()]) of a stack of nn.Linear: "
            "W_l row-major [out][in], then b_l), data (inputs N x d0; targets N x C for mse, integer labels for "
            "cross_entropy), probes (k x P, the v_i of hessian_trace and ggn_trace) and noise (k x P, the eps_i of "
            "weight_noise, applied as theta + sqrt(sigma2) eps_i). Per penalty spec: objective (L + R + penalty; sam: "
            "L(theta + rho g/|g|) + R(theta); weight_noise: (1/k) sum_i L(theta + sigma eps_i) + R(theta)), loss (L at theta), "
            "regularizer (R at theta), penalty (objective - loss - regularizer), gradient (SPEC's update direction, flat in "
            "theta's order; the exact gradient of objective except for gradient_norm_ggn and sam, see gradient_is_exact), "
            "gradient_norm (its 2-norm), check (how the gradient was verified in float64 and the largest error relative "
            "to its largest component). Case-level vectors: gradient_loss (grad L), hessian_times_gradient (H g), "
            "ggn_times_gradient (G g), probe_*_quadratic_forms (v_i^T H v_i, v_i^T G v_i). 'activations' holds sigma and "
            "its first three derivatives at 'points' computed independently with mpmath."),
        "generated_by": "engine/src/test/resources/reference/penalties.py",
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "dtype": "float64",
        "finite_difference": {"stencil": FD_STENCIL, "h": FD_H},
        "max_check_error": worst,
        "cases": cases,
        "activations": acts,
    }
    if not args.no_write:
        with open(args.out, "w") as fh:
            json.dump(doc, fh, indent=1)
            fh.write("\n")
        log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
