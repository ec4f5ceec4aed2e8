"""The PyTorch installations the comparison scripts run side by side (compare.py, train_epoch.py,
penalties.py): one interpreter each, probed once for its torch version and BLAS.

`--pythons auto` (the default of the three scripts) takes every one of these that imports torch,
skipping duplicates (two interpreters that load the same torch package):

  /usr/bin/python3                       Debian's python3-torch (1.13, system OpenBLAS)
  $MORSE_TORCH_DIR/bin/python            the private install of install-torch.sh (default
                                         ~/.cache/morse/torch: a PyTorch 2.x CPU wheel with MKL)

or a comma-separated list of interpreters. Each installation is labelled by its version and
BLAS, e.g. `1.13` (OpenBLAS) and `2.13-mkl`, and a worker is named `<label>/<configuration>`.
"""

import json
import os
import platform
import subprocess

PROBE = r"""
import json, re, sys
try:
    import torch
except Exception as e:
    print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)})); sys.exit(0)
m = re.search(r"BLAS_INFO=([^,]*)", torch.__config__.show())
print(json.dumps({"torch": torch.__version__, "file": torch.__file__, "blas": m.group(1) if m else "?",
                  "mkl": bool(torch.backends.mkl.is_available()), "func": hasattr(torch, "func"),
                  "executable": sys.executable}))
"""


def private_python():
    d = os.environ.get("MORSE_TORCH_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "morse", "torch")
    return os.path.join(d, "bin", "python")


def probe(python):
    """{"python", "torch", "blas", "mkl", "func", "label"} or {"python", "error"}."""
    try:
        p = subprocess.run([python, "-c", PROBE], capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        return {"python": python, "error": str(e)}
    line = next((l for l in reversed(p.stdout.splitlines()) if l.startswith("{")), None)
    if line is None:
        return {"python": python, "error": "exit %d: %s" % (p.returncode, p.stderr.strip()[-300:])}
    info = json.loads(line)
    info["python"] = python
    if "torch" in info:
        info["label"] = info["torch"].split("+")[0].rsplit(".", 1)[0] + ("-mkl" if info["blas"] == "mkl" else "")
    return info


def installations(spec, log=None):
    """The installations named by spec ("auto" or a comma-separated list of interpreters), each
    probed; duplicates (same torch package) dropped; labels made unique. Raises SystemExit when an
    explicitly named interpreter has no torch, or when "auto" finds none."""
    auto = spec in (None, "", "auto")
    names = ["/usr/bin/python3", private_python()] if auto else [s.strip() for s in spec.split(",") if s.strip()]
    out, seen = [], set()
    for py in names:
        if auto and not os.path.exists(py):
            continue
        info = probe(py)
        if "error" in info:
            if auto:
                if log:
                    log("note: %s has no usable torch (%s); skipped" % (py, info["error"]))
                continue
            raise SystemExit("--pythons: %s cannot import torch: %s" % (py, info["error"]))
        key = os.path.realpath(os.path.dirname(info["file"]))
        if key in seen:
            if log:
                log("note: %s loads the same torch as an earlier interpreter; skipped" % py)
            continue
        seen.add(key)
        labels = {i["label"] for i in out}
        base, n = info["label"], 2
        while info["label"] in labels:
            info["label"] = "%s#%d" % (base, n)
            n += 1
        out.append(info)
    if not out:
        raise SystemExit("no PyTorch installation found: apt-get install -y python3-torch, or run "
                         "bench/compare/install-torch.sh (private PyTorch 2.x CPU wheel), or pass --pythons")
    return out


def machine_info():
    """The CPU model, core count, highest current clock (MHz) and kernel, for the reports' headers."""
    cpu, mhz = "?", []
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and cpu == "?":
                    cpu = line.split(":", 1)[1].strip()
                if line.startswith("cpu MHz"):
                    mhz.append(float(line.split(":", 1)[1]))
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "mhz": max(mhz) if mhz else None, "kernel": platform.release()}


# OpenBLAS variables that override its own choices for the CPU: the kernels and the L2 blocking.
FORCING_BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def blas_on_its_own(log=None):
    """Removes FORCING_BLAS_VARS from this process's environment, which every worker inherits
    (Morse's and both PyTorches'), so that each BLAS runs the kernels it picks for this CPU: the
    comparison is between best configurations. Returns {name: value} of what was removed.

    Why: one machine's environment had OPENBLAS_CORETYPE=Haswell on an AMD EPYC with AVX-512;
    Morse's bundled OpenBLAS then measured a dgemm ceiling of 99-103 GFLOP/s on 2 cores instead of
    144-192 with its own choice (Cooperlake), and every product ran 35-40 % slower."""
    removed = {k: os.environ.pop(k) for k in FORCING_BLAS_VARS if k in os.environ}
    if removed and log:
        log("note: removed %s from the environment: each BLAS picks its own kernels for this CPU"
            % ", ".join("%s=%s" % kv for kv in removed.items()))
    return removed

