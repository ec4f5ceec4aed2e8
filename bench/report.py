#!/usr/bin/env python3
"""Summarizes JMH JSON results (bench/results/*.json) with GFLOP/s and the fraction of FP64 peak.

Flop models come from the Java side (dev.morse.bench.Workloads.main), so there is one source.
Peak = cores x 16 flop/cycle (two 256-bit FMA pipes: 2 x 4 doubles x 2) x nominal clock from
/proc/cpuinfo; override with MORSE_PEAK_GFLOPS.
"""
import json, os, subprocess, sys

def peak():
    if os.environ.get("MORSE_PEAK_GFLOPS"):
        return float(os.environ["MORSE_PEAK_GFLOPS"]), "given"
    mhz = [float(l.split(":")[1]) for l in open("/proc/cpuinfo") if l.startswith("cpu MHz")]
    cores = os.cpu_count()
    return cores * 16 * mhz[0] / 1000, f"{cores} cores x 16 flop/cycle x {mhz[0]:.0f} MHz"

def flop_models(workloads):
    if not workloads:
        return {}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    jar = os.path.join(root, "bench", "target", "benchmarks.jar")
    java = os.path.join(os.environ.get("JAVA_HOME", "/usr"), "bin", "java")
    out = subprocess.run([java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                          "-cp", jar, "dev.morse.bench.Workloads", *sorted(workloads)],
                         capture_output=True, text=True, check=True).stdout
    return {d["workload"]: d for d in map(json.loads, filter(None, out.splitlines()))}

PRODUCT = {"gradient": "gradient", "hvp": "hvp", "ggnVp": "ggn_vp", "nmeVp": "nme_vp"}

def main(paths):
    rows = []
    for p in paths:
        data = json.load(open(p))
        if isinstance(data, list):   # JMH results; other JSON here (compare.json) is not JMH's
            rows += data
    pk, how = peak()
    workloads = {r["params"]["workload"] for r in rows if "workload" in r.get("params", {})}
    models = flop_models(workloads)
    print(f"FP64 peak: {pk:.1f} GFLOP/s ({how})")
    print(f"{'benchmark':58s} {'score':>12s} {'unit':8s} {'GFLOP/s':>8s} {'% peak':>7s}  alloc B/op")
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
        elif name.startswith("KernelBench.Gemm"):
            n = int(params_d["size"]); flops = 2.0 * n ** 3
        elif name.startswith("KernelBench."):
            flops = 2.0 * int(params_d["n"])
        gf = pct = ""
        if flops is not None:
            sec = score * {"ms/op": 1e-3, "us/op": 1e-6, "ns/op": 1e-9, "s/op": 1.0}[unit]
            g = flops / sec / 1e9
            gf, pct = f"{g:8.1f}", f"{100 * g / pk:6.1f}%"
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        alloc = f"{alloc:.0f}" if alloc is not None else ""
        label = f"{name} [{params}]" if params else name
        print(f"{label[:58]:58s} {score:12.3f} {unit:8s} {gf:>8s} {pct:>7s}  {alloc}  (±{err:.3g})")

if __name__ == "__main__":
    main(sys.argv[1:])
