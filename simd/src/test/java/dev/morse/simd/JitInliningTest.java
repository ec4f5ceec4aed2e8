package dev.morse.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The rule that makes C2 inline VectorMath into the kernels: its decision, and its effect in a real JVM. */
class JitInliningTest {

    @Test
    void theCommandLineFlagNeedsNoDirective() {
        JitInlining.Status s = JitInlining.decide(List.of("-XX:CompileCommand=quiet", JitInlining.FLAG), null,
                () -> { throw new AssertionError("no directive when the flag is given"); });
        assertNull(s.warning());
        assertTrue(s.status().contains(JitInlining.FLAG), s.status());
        assertNull(JitInlining.decide(List.of("-XX:CompileCommand=inline,dev/morse/simd/VectorMath.*"), null,
                () -> { throw new AssertionError("the slash spelling is the same rule"); }).warning());
    }

    @Test
    void withoutTheFlagADirectiveIsAdded() {
        int[] calls = {0};
        JitInlining.Status s = JitInlining.decide(List.of("-Xmx1g"), null, () -> { calls[0]++; return null; });
        assertEquals(1, calls[0]);
        assertNull(s.warning());
        assertTrue(s.status().contains("compiler directive added at run time"), s.status());
    }

    @Test
    void aFailedDirectiveWarnsWithTheFix() {
        JitInlining.Status s = JitInlining.decide(null, null, () -> "no DiagnosticCommand MBean");
        assertTrue(s.warning().contains("no DiagnosticCommand MBean") && s.warning().contains(JitInlining.FLAG), s.warning());
        assertTrue(s.status().contains("heuristics"), s.status());
    }

    @Test
    void offSkipsTheDirectiveAndWarns() {
        JitInlining.Status s = JitInlining.decide(List.of(), " OFF ", () -> { throw new AssertionError("off adds nothing"); });
        assertTrue(s.warning().contains("-D" + JitInlining.PROPERTY + "=off") && s.warning().contains(JitInlining.FLAG), s.warning());
    }

    @Test
    void surefireRunsTheRunTimeDirective() {
        // The test JVMs get no CompileCommand (pom.xml), so the kernels added the directive themselves.
        assertTrue(KernelProvider.selectionReason().endsWith("VectorMath inlined (compiler directive added at run time)"),
                KernelProvider.selectionReason());
    }

    /**
     * The directive reaches C2: every VectorMath call C2 compiles in the kernels is force-inlined,
     * none left out of line for any reason. The child runs C2 alone with one compiler thread
     * (-TieredCompilation, CICompilerCount=1), so every PrintInlining line is C2's and whole.
     */
    @Test
    void c2ForceInlinesTheVectorMathWithTheDirective() throws Exception {
        List<String> lines = child(List.of());
        assertTrue(lines.stream().anyMatch(l -> l.contains("selection: ") && l.contains("compiler directive added at run time")), String.join("\n", head(lines)));
        List<String> calls = vectorMathCalls(lines);
        assertFalse(calls.isEmpty(), "C2 should have compiled a kernel calling VectorMath: " + String.join("\n", head(lines)));
        for (String l : calls) {
            assertTrue(l.endsWith("force inline by CompileCommand"), "not force-inlined: " + l);
        }
    }

    /** The control: with -Dmorse.simd.inline=off the same JVM inlines by heuristics (no forced line). */
    @Test
    void withoutTheRuleC2DecidesByItsHeuristics() throws Exception {
        List<String> lines = child(List.of("-D" + JitInlining.PROPERTY + "=off"));
        assertTrue(lines.stream().anyMatch(l -> l.contains("selection: ") && l.contains("heuristics")), String.join("\n", head(lines)));
        List<String> calls = vectorMathCalls(lines);
        assertFalse(calls.isEmpty(), "the kernels were compiled");
        assertFalse(calls.stream().anyMatch(l -> l.contains("force inline by CompileCommand")), "no forced inlining without the rule: " + calls);
    }

    /** PrintInlining's decisions on calls into VectorMath, whatever the message. */
    private static List<String> vectorMathCalls(List<String> lines) {
        return lines.stream().map(String::strip)
                .filter(l -> l.matches("@ \\d+ +dev\\.morse\\.simd\\.VectorMath::\\w+ \\(\\d+ bytes\\) +\\S.*"))
                .toList();
    }

    private static List<String> head(List<String> lines) {
        return lines.subList(0, Math.min(40, lines.size()));
    }

    /**
     * The child's PrintInlining lines once C2 has compiled a kernel calling VectorMath: a 3 s run,
     * and where C2 got no further in it (a machine busy with other builds leaves the one compiler
     * thread little time: seen in 3 of 8 runs at a load of 6 on 2 cores), one run of 20 s.
     */
    private static List<String> child(List<String> extra) throws IOException, InterruptedException {
        List<String> lines = child(extra, 3);
        return vectorMathCalls(lines).isEmpty() ? child(extra, 20) : lines;
    }

    private static List<String> child(List<String> extra, int seconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-XX:-TieredCompilation", "-XX:CICompilerCount=1",
                "-XX:+UnlockDiagnosticVMOptions", "-XX:+PrintInlining"));
        cmd.addAll(extra);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), JitInliningMain.class.getName(), Integer.toString(seconds)));
        Path out = Files.createTempFile("morse-jit-child", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(seconds + 60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("child JVM did not finish in " + (seconds + 60) + " s");
            }
            List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), String.join("\n", head(lines)));
            return lines;
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
