package dev.morse.cli;

import dev.morse.engine.Part;
import dev.morse.engine.Problem;
import dev.morse.spectra.LinearOperator;
import java.io.PrintWriter;
import java.util.ServiceLoader;

/**
 * Curvature products over data held by other JVMs: how {@code spectrum}, {@code density} and
 * {@code trace} take {@code --master} without the command-line tool depending on Apache Spark.
 * The {@code cluster} module implements it (listed in its
 * {@code META-INF/services/dev.morse.cli.OperatorProvider}) and {@code bin/morse} hands every
 * command with {@code --master} (on the command line, or in its {@code --config} file: {@link Route})
 * to {@code bin/morse-cluster}, whose class path has that module;
 * on the CLI's own class path there is no provider and {@code --master} is refused with a message
 * saying so.
 *
 * <p>Layering: cluster → cli → engine. The CLI sees only this interface, the engine's
 * {@link Problem} and {@link Part}, and the {@link LinearOperator} that every spectral method
 * already takes: Lanczos, SLQ, trace estimators and dense materialization run unchanged on a
 * distributed operator.
 */
public interface OperatorProvider {

    /**
     * What to open.
     *
     * @param master     a Spark master: {@code local[N]}, {@code spark://HOST:PORT}, or {@code cluster}
     *                   (the cluster that {@code morse cluster start} recorded)
     * @param problem    the objective (model, the whole data set, loss, terms); the provider cuts the
     *                   data into partitions and sends them to executors
     * @param theta      the point θ (length P)
     * @param partitions data partitions; 0 for the provider's default (the cluster's cores)
     * @param threads    engine threads per partition's evaluator; 0 for the provider's default
     *                   (the cores Spark gives a task, {@code spark.task.cpus})
     * @param chunkRows  rows per chunk of each partition's evaluator (as {@code --chunk-rows})
     * @param command    the command's name, for the application's name
     */
    record Request(String master, Problem problem, double[] theta, int partitions, int threads, int chunkRows,
                   String command) {}

    /** Products at θ over the partitions, until closed (which stops what the provider started). */
    interface Session extends AutoCloseable {
        /** L_R(θ): the data loss over all partitions plus the terms. */
        double loss();

        /** L(θ), the data loss alone. */
        double dataLoss();

        /** ∇L_R(θ) (a copy). */
        double[] gradient();

        /** A curvature part at θ whose products are sums over the partitions. */
        LinearOperator operator(Part part);

        /** One line for summaries: the master, partitions and executors. */
        String describe();

        /** The number of data partitions. */
        int partitions();

        @Override
        void close();
    }

    /** Opens a session; progress and warnings go to {@code log}. */
    Session open(Request request, PrintWriter log) throws Exception;

    /**
     * The provider on the class path.
     *
     * @throws CliException (exit 2) when there is none, saying how to get one
     */
    static OperatorProvider find(String master) {
        for (OperatorProvider p : ServiceLoader.load(OperatorProvider.class)) return p;
        throw CliException.usage("--master " + master + ": products over a Spark data set need the cluster module (Apache Spark), "
                + "which is not on this class path. Run through bin/morse, which hands commands with --master (on the command line, or in "
                + "a --config file that is a regular file) to bin/morse-cluster, "
                + "or put morse-cluster and Spark on the class path (README, \"Curvature over distributed data\").");
    }
}
