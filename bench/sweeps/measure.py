#!/usr/bin/env python3
"""Sweep overhead on Spark, for bench/RESULTS.md ("Sweeps on Spark"): bench/sweeps/measure.py [OUT_DIR]

1. One CLI process per analysis: `bin/morse fit …` then `bin/morse morse …` for 8 of the tasks of
   tasks64.json, sequentially (JVM start, class loading, JIT warm-up and the work, every time).
2. The 64 tasks of tasks64.json as sweeps at local[1] and local[2] (fresh folders): the driver's
   wall clock, the Spark job's (from its summary line), and per task from results.jsonl: time.total
   (the task in the executor), the steps' own timings (inside the commands) and the difference
   (in-process dispatch: picocli, the config file, reading the report, moving paths).
Prints a summary; the raw outputs stay in OUT_DIR. Run on a quiet machine for figures worth keeping.
"""
import json, os, re, shutil, statistics, subprocess, sys, time

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/morse-sweep-bench"
spec = os.path.join(root, "bench", "sweeps", "tasks64.json")
morse = os.path.join(root, "bin", "morse")
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)

def run(args, log):
    t0 = time.monotonic()
    with open(log, "w") as f:
        subprocess.run(args, stdout=f, stderr=subprocess.STDOUT, check=True, cwd=root)
    return time.monotonic() - t0

# warm the builds (not timed)
subprocess.run([morse, "doctor"], stdout=subprocess.DEVNULL, check=True)
subprocess.run([morse, "sweep", "status", "/nonexistent"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start")
cfg = json.load(open(spec))
base = cfg["base"]
fit_opts = cfg["steps"][0]["fit"]
proc = []
for seed in range(8):
    d = os.path.join(out, f"cli-{seed}")
    os.makedirs(d)
    common = ["--model", base["model"], "--activation", base["activation"], "--loss", base["loss"], "--data", base["data"],
              "--reg", "l2:1e-3", "-q"]
    # the seed makes fit's θ; morse, on --weights, would draw nothing from it (and refuses it)
    t_fit = run([morse, "fit", *common, "--seed", str(seed), "--optimizer", fit_opts["optimizer"], "--grad-tol", fit_opts["grad_tol"],
                 "--max-iter", str(fit_opts["max_iter"]), "--newton-iter", str(fit_opts["newton_iter"]),
                 "--save", os.path.join(d, "fit-theta.npy"), "--json", os.path.join(d, "fit.json")], os.path.join(d, "fit.log"))
    t_morse = run([morse, "morse", *common, "--weights", os.path.join(d, "fit-theta.npy"), "--json", os.path.join(d, "morse.json")],
                  os.path.join(d, "morse.log"))
    inside = json.load(open(os.path.join(d, "fit.json")))["timings"]["total"] + json.load(open(os.path.join(d, "morse.json")))["timings"]["total"]
    proc.append((t_fit + t_morse, inside))
walls = [p[0] for p in proc]
insides = [p[1] for p in proc]
print(f"CLI, one process per step (fit + morse), 8 tasks: median {statistics.median(walls):.2f} s per task "
      f"(min {min(walls):.2f}); inside the commands: median {statistics.median(insides):.3f} s; "
      f"outside (JVM start, loading, launcher): median {statistics.median([w - i for w, i in proc]):.2f} s")

for master in ["local[1]", "local[2]"]:
    d = os.path.join(out, "sweep-" + master.replace("[", "").replace("]", ""))
    log = d + ".log"
    wall = run([morse, "sweep", "run", spec, "--out", d, "--master", master], log)
    text = open(log).read()
    m = re.search(r"in a ([0-9.]+) s job", text)
    job = float(m.group(1)) if m else float("nan")
    rows = [json.loads(l) for l in open(os.path.join(d, "results.jsonl"))]
    done = sum(r["status"] == "done" for r in rows)
    total = [r["time.total"] for r in rows]
    inside = [r.get("fit.timings.total", 0) + r.get("morse.timings.total", 0) for r in rows]
    dispatch = [t - i for t, i in zip(total, inside)]
    first = sorted(total)[-2:]
    print(f"sweep {master}: 64 tasks ({done} done), driver wall {wall:.1f} s, Spark job {job:.1f} s "
          f"= {job / 64:.3f} s per task; per task in the executor: median {statistics.median(total):.3f} s "
          f"(slowest two, JIT warm-up: {first[0]:.2f}, {first[1]:.2f}), inside the commands median "
          f"{statistics.median(inside):.3f} s, dispatch median {statistics.median(dispatch) * 1000:.0f} ms")
print(f"load average at end {os.getloadavg()[0]:.1f}")
