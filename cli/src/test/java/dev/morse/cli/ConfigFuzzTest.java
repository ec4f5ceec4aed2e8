package dev.morse.cli;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.morse.io.ReadersFuzzTestHook;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * Fuzz test of config files (Jazzer; see {@link dev.morse.io.ReadersFuzzTest} for the modes and
 * the contract): the JSON reader (depth limit, strict numbers) and the config checks against the
 * command the file names (or all commands). Only typed input errors, no hang, memory within a
 * small multiple of the text.
 */
class ConfigFuzzTest {

    private static final CommandLine ROOT = new CommandLine(new Main());

    @FuzzTest(maxDuration = "30s")
    @Timeout(10)
    void config(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        ReadersFuzzTestHook.within(data.length, () -> {
            ConfigFile cfg = ConfigFile.parse(text, Path.of("c.json"));
            cfg.validate(ROOT, cfg.command);
            for (String value : cfg.values.values()) value.length();
        });
    }
}
