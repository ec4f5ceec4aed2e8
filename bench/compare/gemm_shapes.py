#!/usr/bin/env python3
"""GEMM at the engine's shapes: Morse's BLAS (the bundled OpenBLAS, through Linalg, one thread)
and Morse's Vector API GEMM against torch.matmul in every PyTorch installation (MKL in the
private 2.x wheel, the system OpenBLAS under Debian's 1.13), float64, one thread. The diagnosis
tool of issue 11 part 4: are the products' GEMMs slower or faster than PyTorch's at the shapes
each side actually runs?

    bench/compare/gemm_shapes.py                      # the default shapes (see GemmShapes.java)
    bench/compare/gemm_shapes.py NT:128:256:784 TN:256:784:128
    bench/compare/gemm_shapes.py --threads 2 NT:1024:256:784   # torch with 2 threads (Morse: 1)
    bench/compare/gemm_shapes.py --model 784-256-256-10:128:8  # the GEMMs of a gradient and an H·v, timed

Needs bench/target/benchmarks.jar (`mvn -pl bench -am -DskipTests package`). NOT PART OF CI.
A shape is NN|NT|TN:m:n:k, row-major C[m×n] = op(A)·op(B), op(A) m×k (T: stored transposed).
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import installs as installations  # noqa: E402

TORCH_TIMER = r"""
import json, sys, time, statistics, torch
torch.set_num_threads(int(sys.argv[1]))
# one thread: this thread's CPU time (steady on a shared machine, as GemmShapes.java); more: wall time
clock = time.thread_time if int(sys.argv[1]) == 1 else time.perf_counter
out = []
for s in sys.argv[2:]:
    t, m, n, k = s.split(":"); m, n, k = int(m), int(n), int(k)
    a = torch.rand(k, m, dtype=torch.float64).t() if t[0] == "T" else torch.rand(m, k, dtype=torch.float64)
    b = torch.rand(n, k, dtype=torch.float64).t() if t[1] == "T" else torch.rand(k, n, dtype=torch.float64)
    c = torch.empty(m, n, dtype=torch.float64)
    flops = 2.0 * m * n * k
    per = max(1, min(100000, int(2e-2 * 20e9 / flops)))
    for _ in range(5 * per + 50):
        torch.mm(a, b, out=c)
    ts = []
    for _ in range(15):
        t0 = clock()
        for _ in range(per):
            torch.mm(a, b, out=c)
        ts.append((clock() - t0) / per)
    out.append({"shape": s, "us": statistics.median(ts) * 1e6, "flops": flops})
print(json.dumps(out))
"""

def product_shapes(product, rows, d):
    """The GEMMs (shape -> count) of one chunk of `rows` rows in Morse's ChunkPass for a product:
    gradient = forward + backward (2F + F'); hvp = a fresh H·v (forward, backward signals, tangent
    pass, R-backward: 3F + 5F')."""
    from collections import Counter
    c = Counter()
    L = len(d) - 1
    for l in range(1, L + 1):
        c["NT:%d:%d:%d" % (rows, d[l], d[l - 1])] += 1                      # A_l = Z_{l-1} W_l^T
        if l > 1:
            c["NN:%d:%d:%d" % (rows, d[l - 1], d[l])] += 1                  # dZ_{l-1} = Gr_l W_l
        if product == "gradient":
            c["TN:%d:%d:%d" % (d[l], d[l - 1], rows)] += 1                  # dW_l = Gr_l^T Z_{l-1}
        else:
            c["NT:%d:%d:%d" % (rows, d[l], d[l - 1])] += 1 + (l > 1)        # Z V^T (+ RZ W^T)
            c["TN:%d:%d:%d" % (d[l], d[l - 1], rows)] += 1 + (l > 1)        # RG^T Z (+ Gr^T RZ)
            if l > 1:
                c["NN:%d:%d:%d" % (rows, d[l - 1], d[l])] += 2              # RG W, Gr V
    return c


DEFAULT = []
for rows, d in ((128, (784, 256, 256, 10)), (64, (100, 100, 100, 10)), (125, (20, 50, 50, 1))):
    for l in range(1, len(d)):
        DEFAULT.append("NT:%d:%d:%d" % (rows, d[l], d[l - 1]))
        DEFAULT.append("TN:%d:%d:%d" % (d[l], d[l - 1], rows))
        if l > 1:
            DEFAULT.append("NN:%d:%d:%d" % (rows, d[l - 1], d[l]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("shapes", nargs="*", default=DEFAULT)
    ap.add_argument("--pythons", default="auto", help="PyTorch installations (as compare.py; default auto)")
    ap.add_argument("--threads", type=int, default=1, help="torch's threads (default 1, as each Morse worker's BLAS)")
    ap.add_argument("--json", help="save the table here")
    ap.add_argument("--model", action="append", default=[], metavar="d0-...-dL:ROWS:CHUNKS",
                    help="instead of shapes: the GEMMs of one gradient and one H·v over CHUNKS chunks of ROWS rows "
                         "(e.g. 784-256-256-10:128:8), and the GEMM time of each product at each library's rates")
    args = ap.parse_args()
    installations.blas_on_its_own(log=lambda m: print(m, file=sys.stderr))
    insts = installations.installations(args.pythons, log=lambda m: print(m, file=sys.stderr))
    models = []
    for spec in args.model:
        widths, rows, chunks = spec.split(":")
        d = [int(w) for w in widths.split("-")]
        models.append((spec, {p: product_shapes(p, int(rows), d) for p in ("gradient", "hvp")}, int(chunks)))
    if models:
        args.shapes = sorted({sh for _, byp, _ in models for c in byp.values() for sh in c})
    jar = os.path.join(REPO, "bench", "target", "benchmarks.jar")
    if not os.path.exists(jar):
        sys.exit("gemm_shapes: %s missing: mvn -B -ntp -o -DskipTests -pl bench -am package" % jar)
    java = os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "java")
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "LD_LIBRARY_PATH")}
    p = subprocess.run([java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-cp", jar,
                        "dev.morse.bench.GemmShapes", "--json"] + args.shapes, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit("GemmShapes failed:\n" + p.stderr[-3000:])
    morse = {e["shape"]: e for e in json.loads(p.stdout.strip().splitlines()[-1])}
    torch = {}
    for i in insts:
        q = subprocess.run([i["python"], "-c", TORCH_TIMER, str(args.threads)] + args.shapes, capture_output=True, text=True,
                           env=dict(env, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads),
                                    OPENBLAS_NUM_THREADS=str(args.threads)))
        if q.returncode != 0:
            sys.exit("torch timer under %s failed:\n%s" % (i["python"], q.stderr[-3000:]))
        torch[i["label"]] = {e["shape"]: e for e in json.loads(q.stdout.strip().splitlines()[-1])}
    labels = [i["label"] for i in insts]
    print("GFLOP/s, float64; Morse 1 thread (CPU time of the thread); torch %d thread(s) (%s); load average %.2f"
          % (args.threads, "CPU time of the thread" if args.threads == 1 else "wall time", os.getloadavg()[0]))
    print("%-16s %10s %10s %s" % ("shape", "morse blas", "morse vec", " ".join("%12s" % ("torch " + l) for l in labels)))
    rows = []
    for s in args.shapes:
        m = morse[s]
        f = m["flops"]
        r = {"shape": s, "morse_blas_gflops": f / m["blas_us"] / 1e3, "morse_vector_gflops": f / m["vector_us"] / 1e3,
             "torch_gflops": {l: f / torch[l][s]["us"] / 1e3 for l in labels}}
        rows.append(r)
        print("%-16s %10.1f %10.1f %s" % (s, r["morse_blas_gflops"], r["morse_vector_gflops"],
                                           " ".join("%12.1f" % r["torch_gflops"][l] for l in labels)))
    est = []
    for spec, byp, chunks in models:
        print()
        print("%s: GEMM time of one product (all chunks, one thread), ms, at each library's rates above" % spec)
        print("%-10s %10s %10s %s" % ("product", "morse blas", "morse vec", " ".join("%12s" % ("torch " + l) for l in labels)))
        for prod, cnt in byp.items():
            tb = chunks * sum(n * morse[s]["blas_us"] for s, n in cnt.items()) / 1e3
            tv = chunks * sum(n * morse[s]["vector_us"] for s, n in cnt.items()) / 1e3
            tt = {l: chunks * sum(n * torch[l][s]["us"] for s, n in cnt.items()) / 1e3 for l in labels}
            gflop = chunks * sum(n * morse[s]["flops"] for s, n in cnt.items()) / 1e9
            est.append({"model": spec, "product": prod, "gflop": gflop, "morse_blas_ms": tb, "morse_vector_ms": tv, "torch_ms": tt})
            print("%-10s %10.2f %10.2f %s   (%.3f GFLOP)" % (prod, tb, tv, " ".join("%12.2f" % tt[l] for l in labels), gflop))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"threads": args.threads, "installations": insts, "rows": rows, "products": est,
                       "load": os.getloadavg()}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
