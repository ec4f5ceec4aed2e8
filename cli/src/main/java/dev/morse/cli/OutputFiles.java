package dev.morse.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The files a command will write, checked before any work starts: an existing file is never
 * replaced without {@code --force} (exit 2, naming the file), and parent folders are created.
 * What was written is listed for the report and the summary.
 */
final class OutputFiles {

    private final boolean force;
    private final Set<Path> planned = new LinkedHashSet<>();
    private final List<Path> written = new ArrayList<>();

    OutputFiles(boolean force) {
        this.force = force;
    }

    /** Declares that {@code file} will be written; refuses now if it exists and --force is off. */
    Path plan(Path file) {
        Path f = file.normalize();
        if (Files.isDirectory(f)) throw CliException.usage(f + " is a folder; expected a file name to write");
        if (Files.exists(f) && !force) {
            throw CliException.usage("refusing to overwrite " + f + " (it exists; pass --force to replace it, or choose another name)");
        }
        if (!planned.add(f)) throw CliException.usage("two outputs would go to the same file " + f);
        return f;
    }

    /** Creates the parent folders of a planned file. */
    static void parents(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
    }

    void writeText(Path file, String text) throws IOException {
        parents(file);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        written.add(file);
    }

    /** Records a file written by someone else (plots, .npy). */
    void wrote(Path file) {
        written.add(file);
    }

    List<Path> written() {
        return written;
    }
}
