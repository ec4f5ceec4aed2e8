package dev.morse.cli;

import picocli.CommandLine.Option;

/**
 * {@code --master} and {@code --partitions}: products over a Spark data set (spectrum, density,
 * trace). The work goes through an {@link OperatorProvider}, which only {@code bin/morse-cluster}'s
 * class path has.
 */
final class MasterOptions {

    @Option(names = "--master", paramLabel = "URL", order = 60,
            description = {"Sum every product over data partitions held by Spark executors: local[N], spark://HOST:PORT, or cluster "
                    + "(the one 'morse cluster start' recorded). bin/morse hands such commands to bin/morse-cluster. Results equal "
                    + "the local ones to rounding, and do not depend on the number of executors."})
    String master;

    @Option(names = "--partitions", converter = Checks.Positive.class, paramLabel = "N", order = 61,
            description = "Data partitions with --master (default: the cluster's cores). Fixed partitions give bit-identical results.")
    Integer partitions;
}
