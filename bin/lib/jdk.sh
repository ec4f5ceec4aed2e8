# shellcheck shell=bash
# Sourced by bin/morse, bin/test, .ci/run and the bench scripts: select a JDK >= 25 and export JAVA_HOME.
# Order: $JAVA_HOME if it is new enough, then the newest JDK in the system's JVM folder
# (/usr/lib/jvm on Debian, where our machines keep Temurin 25 beside the default Java 17).

morse_jdk_major() {  # prints the feature version of the JDK at $1, or nothing
  local rel="$1/release"
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -f "$rel" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel"
  else
    "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'
  fi
}

# Removes the OpenBLAS variables that override its own choice of kernels for the CPU (the list is
# NetlibLoader.FORCING's), saying so on stderr under the name $1: benchmarks must measure the machine,
# not a variable (one machine's environment had OPENBLAS_CORETYPE=Haswell on an AVX-512 EPYC).
morse_unforce_blas() {
  local v
  for v in OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; do
    if [ -n "${!v+x}" ]; then echo "$1: unsetting $v=${!v} (each BLAS picks its own kernels)" >&2; unset "$v"; fi
  done
}

morse_select_jdk() {
  local need=25 cand major best="" best_major=0
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(morse_jdk_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge "$need" ]; then export JAVA_HOME; return 0; fi
  fi
  for cand in /usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$cand" ] || continue
    major=$(morse_jdk_major "$cand")
    if [ -n "$major" ] && [ "$major" -ge "$need" ] && [ "$major" -gt "$best_major" ]; then
      best="$cand"; best_major="$major"
    fi
  done
  if [ -z "$best" ]; then
    echo "morse: no JDK >= $need found (JAVA_HOME=${JAVA_HOME:-unset}; looked in /usr/lib/jvm)." >&2
    echo "morse: install one, e.g. 'apt-get install temurin-25-jdk' (Adoptium repository) or any JDK 25 build, and set JAVA_HOME to it." >&2
    return 1
  fi
  export JAVA_HOME="$best"
}

# Flags every Morse JVM needs: the incubating Vector API, and native access for OpenBLAS (JNI, FFM).
# The CompileCommands make C2 always inline the vector math into the kernels (see JitInlining in
# simd/; without them the library adds the same rule at run time, which costs about 0.25 s);
# 'quiet' first, or the JVM announces them on standard output.
MORSE_JVM_FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
  -XX:CompileCommand=quiet '-XX:CompileCommand=inline,dev.morse.simd.VectorMath::*')
# Transparent huge pages for the heap where the kernel offers them ('always' or 'madvise'): a dense
# P×P result is a fresh array per call, and faulting it in 4 KiB pages cost whole JVMs dearly on a
# VM. Measured (AMD EPYC, 2 vCPUs, THP 'madvise'; dense Hessian of 30-40-40-1, N = 256, a 68 MB
# matrix per call; 5–6 JVMs each): 170–515 ms per call, 3 JVMs of 5 above 480 ms with 6–8 s of
# system time, against 156–185 ms in every JVM with the flag.
if grep -qE '\[(always|madvise)\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
  MORSE_JVM_FLAGS+=(-XX:+UseTransparentHugePages)
fi

# Maven 3.8's bundled Guava calls sun.misc.Unsafe, which JDK 24+ warns about on every run.
case " ${MAVEN_OPTS:-} " in
  *sun-misc-unsafe-memory-access*) ;;
  *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;;
esac
