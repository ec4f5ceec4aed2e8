package dev.morse.cluster;

import dev.morse.cli.OperatorProvider;
import dev.morse.engine.Part;
import dev.morse.spectra.LinearOperator;
import java.io.PrintWriter;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * {@code --master} of {@code spectrum}, {@code density} and {@code trace}: a Spark session on the
 * master, the command's data cut into partitions on its executors ({@link DistributedProblem}),
 * and products summed over them. Found by the CLI through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.morse.cli.OperatorProvider}); the session stops when the command
 * ends.
 */
public final class SparkOperatorProvider implements OperatorProvider {

    @Override
    public Session open(Request r, PrintWriter log) throws Exception {
        String master = r.master().equals("cluster") ? ClusterMain.recordedMaster(new ClusterMain.StateOption()) : r.master();
        if (!SparkJvm.isLocalMachine(master) && "127.0.0.1".equals(System.getenv("SPARK_LOCAL_IP"))) {
            log.println("morse " + r.command() + ": warning: SPARK_LOCAL_IP=127.0.0.1 but the master " + master
                    + " is elsewhere; its executors cannot reach this driver. Set SPARK_LOCAL_IP to this machine's address.");
        }
        SparkSession spark = SparkJvm.session(master, "morse " + r.command(), Map.of());
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            int n = r.problem().size();
            int parts = r.partitions() > 0 ? r.partitions() : Math.max(1, Math.min(n, jsc.defaultParallelism()));
            if (parts > n) {
                throw new dev.morse.io.InputException("--partitions " + parts + ": more partitions than samples (N = " + n + ")");
            }
            DistributedProblem dp = DistributedProblem.of(jsc, r.problem(), parts, r.threads(), r.chunkRows());
            DistributedProblem.Point point;
            try {
                point = dp.at(r.theta());
            } catch (RuntimeException e) {
                dp.close();
                throw e;
            }
            return new OpenSession(spark, dp, point, r.theta(), master);
        } catch (Exception | Error e) {
            spark.stop();
            throw e;
        }
    }

    /** The open session: Spark, the partitions, the point. */
    private static final class OpenSession implements Session {
        private final SparkSession spark;
        private final DistributedProblem dp;
        private final DistributedProblem.Point point;
        private final double[] theta;
        private final String master;

        OpenSession(SparkSession spark, DistributedProblem dp, DistributedProblem.Point point, double[] theta, String master) {
            this.spark = spark;
            this.dp = dp;
            this.point = point;
            this.theta = theta.clone();
            this.master = master;
        }

        @Override
        public double loss() {
            return point.loss();
        }

        @Override
        public double dataLoss() {
            return point.dataLoss();
        }

        @Override
        public double[] gradient() {
            return point.gradient();
        }

        @Override
        public LinearOperator operator(Part part) {
            return dp.operator(part, theta);
        }

        @Override
        public String describe() {
            return "Spark " + master + ": " + dp.partitions() + " partitions of " + dp.samples() + " samples on " + dp.executors()
                    + " executor(s)";
        }

        @Override
        public int partitions() {
            return dp.partitions();
        }

        @Override
        public void close() {
            try {
                dp.close();
            } finally {
                spark.stop();
            }
        }
    }
}
