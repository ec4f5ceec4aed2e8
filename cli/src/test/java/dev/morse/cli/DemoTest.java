package dev.morse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.morse.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code morse demo}: runs, states the nullities, writes its files, and refuses to overwrite them. */
class DemoTest {

    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void demoStatesTheNullitiesAndWritesItsFiles() throws Exception {
        Path out = dir.resolve("morse-out");
        Cli.Result r = Cli.run("demo", "--out", out.toString(), "-q");
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> rep = Cli.json(out.resolve("demo.json"));
        Map<String, Object> plain = (Map<String, Object>) rep.get("unregularized");
        Map<String, Object> l2 = (Map<String, Object>) rep.get("l2");
        int p = DemoCommand.P, n = DemoCommand.N;
        assertEquals(p, Cli.num(rep, "P"), 0);
        // Interpolating minimum of an overparameterized net: rank G = N, so P − N zero eigenvalues; weight decay removes them.
        assertEquals(p - n, Cli.num(plain, "nullity"), 0, "nullity without regularizer");
        assertEquals(0, Cli.num(plain, "index"), 0);
        assertEquals(0, Cli.num(l2, "nullity"), 0, "nullity with l2");
        assertEquals(Boolean.TRUE, l2.get("nondegenerate"));
        assertTrue(r.out().contains("nullity " + (p - n)) && r.out().contains("nullity 0"), r.out());
        assertTrue(r.out().contains("NOT MORSE") && r.out().split("MORSE: ", -1).length == 3, "two verdicts, the first NOT MORSE: " + r.out());
        assertTrue(r.out().contains(out.toString()), "the summary says where the files are");
        assertEquals(p, Npy.read(out.resolve("theta.npy")).values().length);
        for (String plot : new String[] {"fit", "eigenvalues", "ggn-nme", "density"}) {
            assertTrue(ImageIO.read(out.resolve(plot + ".png").toFile()).getWidth() > 0, plot + ".png is a readable image");
            assertTrue(Files.size(out.resolve(plot + ".svg")) > 0, plot + ".svg");
        }

        Cli.Result again = Cli.run("demo", "--out", out.toString(), "-q");
        assertEquals(2, again.code(), "a second run does not overwrite the first");
        assertTrue(again.err().contains("--force"), again.err());

        // Its report reruns it, like every command's ("Unknown options: '--config'" before). Like the
        // other commands' outputs, --out is not recorded: into the same folder the rerun is refused as above.
        Path report = out.resolve("demo.json");
        Cli.Result rerun = Cli.run("--config", report.toString(), "--out", out.toString(), "-q");
        assertEquals(2, rerun.code(), rerun.toString());
        assertTrue(rerun.err().startsWith("morse demo: ") && rerun.err().contains("--force"), rerun.err());
        Path other = dir.resolve("rerun");
        rerun = Cli.run("--config", report.toString(), "--out", other.toString(), "--plot-format", "svg", "-q");
        assertEquals(0, rerun.code(), rerun.toString());
        Map<String, Object> rep2 = Cli.json(other.resolve("demo.json"));
        assertEquals(rep.get("config"), rep2.get("config"), "the same config");
        assertEquals(((Map<String, Object>) rep.get("l2")).get("index"), ((Map<String, Object>) rep2.get("l2")).get("index"));
        assertEquals(Cli.num(l2, "nullity"), Cli.num((Map<String, Object>) rep2.get("l2"), "nullity"), 0);
    }
}
