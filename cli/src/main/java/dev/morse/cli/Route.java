package dev.morse.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Asked by {@code bin/morse} before it runs a command line with {@code --config}: prints
 * {@code cluster} when the command runs products over a Spark data set ({@link Main#runsOnSpark}:
 * {@code --master} on the command line or in the file, as a report of a {@code --master} run
 * holds it), and the launcher hands it to {@code bin/morse-cluster}; prints {@code cli} otherwise,
 * a command line that does not parse included (the CLI then says what is wrong). Runs nothing.
 *
 * <p>A config that is not a regular file (a pipe, as {@code --config <(…)} gives) is not read:
 * it can be read only once, by the command itself: {@code cli} then ({@code bin/morse} hands a
 * command line with {@code --master} to {@code bin/morse-cluster} without asking).
 */
public final class Route {
    private Route() {}

    public static void main(String[] args) {
        System.out.println(route(args));
    }

    static String route(String... args) {
        Path config;
        try {
            config = Main.configFile(args);
        } catch (RuntimeException e) {
            return "cli";
        }
        if (config != null && !Files.isRegularFile(config)) return "cli";
        return Main.runsOnSpark(args) ? "cluster" : "cli";
    }
}
