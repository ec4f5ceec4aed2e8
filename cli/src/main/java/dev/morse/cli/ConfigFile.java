package dev.morse.cli;

import dev.morse.io.InputException;
import dev.morse.io.DataFiles;
import dev.morse.io.Numbers;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Options from a JSON file ({@code --config run.json}): a flat object whose keys are option names
 * without the leading dashes ({@code "model"}, {@code "reg"}, {@code "no_bias"} or
 * {@code "no-bias"}), and whose values are strings, numbers, booleans or arrays (joined with
 * commas). The key {@code "command"} names the subcommand when the command line has none, and
 * must be the one run when it has one. A
 * report written with {@code --json} is accepted as is: its {@code "config"} member is used, so a
 * report reruns the job that produced it. Values on the command line win over the file. A key
 * that no command knows is an error (exit 2), so typos do not pass silently. The contradictions
 * that one side settles (--refine/--no-refine and --method dense/Lanczos options:
 * {@code BaseCommand.firstSideWins}; --weights/--init and --seed, --init zeros and --seed: {@code BaseCommand.checkThetaOptions})
 * are refused when both sides are given in the same place, both on the command line or both in
 * the file; when one side is on the command line it wins and the file's side is set to agree.
 * Any other contradiction between the command line and the file (e.g. --optimizer adam over a
 * file's momentum, --inputs over a file's data) is refused like one on the command line. A file's value counts as given when it is not the
 * option's default ({@code BaseCommand.given}): a report holds every option.
 */
final class ConfigFile implements CommandLine.IDefaultValueProvider {

    final Path file;
    final Map<String, String> values;
    final String command;
    /** Per key (normalized): as the file spells it, and its number of magnitude 2⁵³ or more, refused for an integer option. */
    private final Map<String, Map.Entry<String, Double>> beyondExactWholes;

    private ConfigFile(Path file, Map<String, String> values, String command, Map<String, Map.Entry<String, Double>> beyondExactWholes) {
        this.file = file;
        this.values = values;
        this.command = command;
        this.beyondExactWholes = beyondExactWholes;
    }

    /**
     * How to write an integer of magnitude 2⁵³ or more in a config file: its numbers are all read as
     * decimals (doubles), and a string reaches the option unchanged, as reports write such seeds.
     */
    static final String EXACT_INTEGER_REMEDY = "write it as a string, e.g. \"9007199254740993\" (a config file reads every number "
            + "as a decimal; reports write such integers as strings)";

    static ConfigFile load(Path file) {
        return parse(new String(DataFiles.readBytes(file), java.nio.charset.StandardCharsets.UTF_8), file);
    }

    /** A config from its JSON text ({@code file} names it in messages). */
    @SuppressWarnings("unchecked")
    static ConfigFile parse(String text, Path file) {
        Object parsed = DataFiles.parseJson(text, file.toString());
        if (!(parsed instanceof Map)) {
            throw new InputException(file + ": expected a JSON object at the top level, found " + dev.morse.json.JsonReader.kind(parsed));
        }
        Map<String, Object> top = (Map<String, Object>) parsed;
        // doctor and bench write reports too, but none that reruns: say so, rather than stumble on their first nested value.
        if (!top.containsKey("command") && top.containsKey("jdk") && (top.containsKey("linalg") || top.containsKey("blas"))) {
            throw new InputException(file + " is a doctor report; it records no config to rerun (run morse doctor again)");
        }
        if ("morse bench".equals(top.get("command"))) {
            throw new InputException(file + " is a bench report; it records no config to rerun (its \"config\" lists the benchmark's "
                    + "settings, not options: run morse bench with its options again)");
        }
        Map<String, Object> cfg = top;
        if (top.containsKey("morse_version") && top.get("config") instanceof Map<?, ?> inner) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) inner;
            cfg = m;
        }
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, Map.Entry<String, Double>> beyond = new LinkedHashMap<>();
        String command = null;
        Map<String, String> spelled = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : cfg.entrySet()) {
            String key = normalize(e.getKey());
            Object v = e.getValue();
            // "no_bias" and "no-bias" are one option: one of them won in silence, as a repeated key must not
            String before = spelled.putIfAbsent(key, e.getKey());
            if (before != null) {
                throw new InputException(file + ": option \"" + key + "\" appears twice (as \"" + before + "\" and \"" + e.getKey()
                        + "\"); keep one");
            }
            if (key.equals("command")) {
                if (!(v instanceof String s)) throw new InputException(file + ": \"command\" must be a string (a morse command such as \"spectrum\")");
                command = s;
                continue;
            }
            if (v == null || (v instanceof List<?> l && l.isEmpty())) continue;   // "not given"
            values.put(key, text(file, e.getKey(), v));
            // no command takes a list of integers: a single number is all there is to check
            if (v instanceof Double d && Numbers.beyondExactWholes(d)) beyond.put(key, Map.entry(e.getKey(), d));
        }
        return new ConfigFile(file, values, command, beyond);
    }

    /** Option key: no leading dashes, underscores as dashes. */
    static String normalize(String key) {
        String k = key.trim();
        while (k.startsWith("-")) k = k.substring(1);
        return k.replace('_', '-');
    }

    private static String text(Path file, String key, Object v) {
        if (v instanceof String s) return s;
        if (v instanceof Boolean b) return b.toString();
        if (v instanceof Double d) {
            // a whole number from 2⁵³ on may not be the one written (Numbers.EXACT_WHOLE): it goes as a
            // decimal, which integer options refuse; reports write such longs as strings
            if (Numbers.isExactWhole(d)) return Long.toString(d.longValue());
            return Double.toString(d);
        }
        if (v instanceof List<?> list) {
            if (normalize(key).equals("model")) {
                throw new InputException(file + ": \"model\" takes one string of widths such as \"784-256-10\", not an array; for several "
                        + "models, run a sweep with a grid of models");
            }
            StringJoiner j = new StringJoiner(",");
            for (Object o : list) {
                if (o instanceof List || o instanceof Map || o == null) throw new InputException(file + ": \"" + key + "\" must be a flat array of values");
                j.add(text(file, key, o));
            }
            return j.toString();
        }
        throw new InputException(file + ": \"" + key + "\" has an object value; expected a string, number, boolean or array");
    }

    /**
     * Fails (exit 2) when a key is not an option of the command that runs ({@code running}, from
     * the command line or the file), so that neither a typo nor a key of another command
     * ({@code "optimizer"} in a spectrum config) is silently ignored.
     */
    void validate(CommandLine root, String running) {
        if (command != null && !root.getSubcommands().containsKey(command)) {
            throw new InputException(file + ": \"command\": \"" + command + "\" is not a morse command; expected one of "
                    + String.join(", ", root.getSubcommands().keySet()));
        }
        // a fit config given to spectrum ran spectrum in silence, with whichever of its keys spectrum has
        if (command != null && running != null && !command.equals(running)) {
            throw new InputException(file + ": \"command\": \"" + command + "\" is not the command run (" + running + "); run morse "
                    + command + " --config " + file + ", or remove \"command\" from the file");
        }
        CommandLine sub = running == null ? null : root.getSubcommands().get(running);
        Set<String> known = new TreeSet<>();
        if (sub == null) {
            for (CommandLine c : root.getSubcommands().values()) known.addAll(options(c));
        } else {
            known.addAll(options(sub));
        }
        for (String k : values.keySet()) {
            if (known.contains(k)) continue;
            List<String> owners = new java.util.ArrayList<>();
            for (Map.Entry<String, CommandLine> e : root.getSubcommands().entrySet()) {
                if (options(e.getValue()).contains(k)) owners.add(e.getKey());
            }
            if (!owners.isEmpty() && sub != null) {
                throw new InputException(file + ": \"" + k + "\" is an option of " + String.join(", ", owners) + ", not of " + running
                        + "; remove it, or run " + (owners.size() == 1 ? owners.get(0) : "one of those commands"));
            }
            throw new InputException(file + ": unknown option \"" + k + "\"" + (sub == null ? "" : " for " + running)
                    + "; known options: " + String.join(", ", known));
        }
        // The rule of sweeps (Numbers.beyondExactWholes) in their words: such a number may not be the
        // integer written (9007199254740993 reads as 2^53), and picocli's refusal of "9.007199254740992E15"
        // would not say why.
        if (sub == null) return;
        for (Map.Entry<String, Map.Entry<String, Double>> e : beyondExactWholes.entrySet()) {
            OptionSpec o = option(sub, e.getKey());
            if (o != null && Main.takesIntegers(o)) {
                throw new InputException(file + ": \"" + e.getValue().getKey() + "\": "
                        + Numbers.notExactWhole(e.getValue().getValue(), EXACT_INTEGER_REMEDY));
            }
        }
    }

    /** The option of {@code cl} that a config file names {@code key} (normalized), or null. */
    private static OptionSpec option(CommandLine cl, String key) {
        for (OptionSpec o : cl.getCommandSpec().options()) {
            if (normalize(o.longestName()).equals(key)) return o;
        }
        return null;
    }

    /**
     * Refuses {@code batch_size} for a command other than {@code train}: it used to be the rows per
     * chunk (now {@code chunk_rows}) and is now train's minibatch, so an old config or report
     * would otherwise lose it silently.
     */
    void checkRenamed(String commandName) {
        if (values.containsKey("batch-size") && !"train".equals(commandName)) {
            throw new InputException(file + ": \"batch_size\" is no option of " + (commandName == null ? "this command" : commandName)
                    + ": the rows per chunk of the data are now \"chunk_rows\" (batch_size is the minibatch of train)");
        }
    }

    /** The options of a command, as config files name them ({@link #normalize}). */
    static Set<String> options(CommandLine cl) {
        Set<String> known = new TreeSet<>();
        for (OptionSpec o : cl.getCommandSpec().options()) {
            if (o.usageHelp() || o.versionHelp()) continue;
            known.add(normalize(o.longestName()));
        }
        return known;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (arg instanceof OptionSpec o) {
            if (o.longestName().equals("--config")) return null;
            return values.get(normalize(o.longestName()));
        }
        return null;
    }
}
