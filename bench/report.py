#!/usr/bin/env python3
"""Summarizes JMH JSON results (bench/results/*.json) with GFLOP/s and the fraction of the measured
dgemm ceiling.

Flop models come from the Java side (dev.morse.bench.Workloads.main), so there is one source.
The ceiling is dev.morse.linalg.DgemmCeiling (the best dgemm rate on the backend in use, with one
thread and with all cores, measured once per machine and cached in ~/.cache/morse/ceiling/); a
benchmark run with t threads is compared with min(all cores, t x one thread): KernelBench with one
thread, the rest with their `threads` parameter, or all cores. MORSE_PEAK_GFLOPS replaces the ceiling (all cores; one thread = it / cores). The nominal
peak (cores x 2 FMA units x vector lanes x 2 x clock) is printed for information only.
"""
import json, os, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "bench", "target", "benchmarks.jar")
JAVA = os.path.join(os.environ.get("JAVA_HOME", "/usr"), "bin", "java")
FLAGS = ["--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"]

def ceiling():
    """{'all': GFLOP/s, 'single': GFLOP/s, 'cores': n, 'how': text, 'nominal': text}."""
    out = subprocess.run([JAVA, *FLAGS, "-cp", JAR, "dev.morse.linalg.DgemmCeiling"],
                         capture_output=True, text=True, check=True).stdout
    kv = dict(l.split("=", 1) for l in out.splitlines() if "=" in l)
    cores = int(kv["cores"])
    nominal = f"nominal {float(kv['nominal_gflops']):.1f} GFLOP/s, information only: {kv['nominal_formula']}"
    if os.environ.get("MORSE_PEAK_GFLOPS"):
        allg = float(os.environ["MORSE_PEAK_GFLOPS"])
        return {"all": allg, "single": allg / cores, "cores": cores, "how": "MORSE_PEAK_GFLOPS", "nominal": nominal}
    how = (f"measured dgemm n={kv['n']}, {'cached from' if kv['cached'] == 'true' else 'measured'} {kv['measured_at']}, "
           f"load average {kv['load_average']} then; {kv['key']}")
    return {"all": float(kv["all_gflops"]), "single": float(kv["single_gflops"]), "cores": cores, "how": how,
            "nominal": nominal}

def threads_of(name, params):
    if "threads" in params:
        return int(params["threads"])
    if name.startswith("KernelBench"):
        return 1
    return None  # all cores

def flop_models(workloads):
    if not workloads:
        return {}
    out = subprocess.run([JAVA, *FLAGS, "-cp", JAR, "dev.morse.bench.Workloads", *sorted(workloads)],
                         capture_output=True, text=True, check=True).stdout
    return {d["workload"]: d for d in map(json.loads, filter(None, out.splitlines()))}

PRODUCT = {"gradient": "gradient", "hvp": "hvp", "ggnVp": "ggn_vp", "nmeVp": "nme_vp"}

def main(paths):
    rows = []
    for p in paths:
        data = json.load(open(p))
        if isinstance(data, list):   # JMH results; other JSON here (compare.json) is not JMH's
            rows += data
    ceil = ceiling()
    workloads = {r["params"]["workload"] for r in rows if "workload" in r.get("params", {})}
    models = flop_models(workloads)
    print(f"FP64 ceiling: {ceil['all']:.1f} GFLOP/s with {ceil['cores']} cores, {ceil['single']:.1f} with one thread ({ceil['how']})")
    print(f"({ceil['nominal']})")
    print(f"{'benchmark':58s} {'score':>12s} {'unit':8s} {'GFLOP/s':>8s} {'% ceil':>7s}  alloc B/op")
    for r in rows:
        name = r["benchmark"].replace("dev.morse.bench.", "")
        params = ",".join(f"{k}={v}" for k, v in r.get("params", {}).items())
        score, unit = r["primaryMetric"]["score"], r["primaryMetric"]["scoreUnit"]
        err = r["primaryMetric"].get("scoreError", float("nan"))
        flops = None
        method = name.split(".")[-1]
        params_d = r.get("params", {})
        if "workload" in params_d and params_d["workload"] in models:
            m = models[params_d["workload"]]
            if method in PRODUCT:
                key = PRODUCT[method]
                if params_d.get("mode") == "cached" and key != "gradient":
                    key += "_cached"
                flops = m[key]
            elif method == "hvpBlock":
                flops = int(params_d["k"]) * m["hvp_cached"]
            elif method == "denseHessian":
                flops = m["P"] * m["hvp_cached"]
            elif method == "step" and "penalty" in params_d:   # PenaltyBench: one training step with the penalty (k = 1)
                flops = m.get(params_d["penalty"].split(":")[0] + "_step")
        elif name.startswith("KernelBench.Gemm"):
            n = int(params_d["size"]); flops = 2.0 * n ** 3
        elif name.startswith("KernelBench."):
            flops = 2.0 * int(params_d["n"])
        gf = pct = ""
        if flops is not None:
            sec = score * {"ms/op": 1e-3, "us/op": 1e-6, "ns/op": 1e-9, "s/op": 1.0}[unit]
            g = flops / sec / 1e9
            t = threads_of(name, params_d)
            c = ceil["all"] if t is None else min(ceil["all"], t * ceil["single"])
            gf, pct = f"{g:8.1f}", f"{100 * g / c:6.1f}%"
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        alloc = f"{alloc:.0f}" if alloc is not None else ""
        label = f"{name} [{params}]" if params else name
        print(f"{label[:58]:58s} {score:12.3f} {unit:8s} {gf:>8s} {pct:>7s}  {alloc}  (±{err:.3g})")

if __name__ == "__main__":
    main(sys.argv[1:])
