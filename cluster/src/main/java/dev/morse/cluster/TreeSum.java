package dev.morse.cluster;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import scala.Tuple2;

/**
 * Sums of vectors keyed by partition index, in an order fixed by the indices alone: the result
 * has the same bits whatever the number of executors, the placement of partitions, or the order
 * in which tasks finish.
 *
 * <p>Spark's {@code treeAggregate} and {@code reduce} merge partial results in task-completion
 * order at the driver (and within an executor, in the order its tasks ran), and floating-point
 * addition is not associative: two runs can differ in the last bits. Here the tree is explicit.
 * Level 0 is the partials v₀ … v_{n−1}. Each level groups entries by {@code index / fanout} and
 * sums a group in index order, left to right ({@code ((v₀ + v₁) + v₂) + …}); it repeats until at
 * most {@code fanout} entries are left, which the driver collects and sums in index order. With
 * {@code n ≤ fanout} that is a single collect: the driver receives n vectors. Levels above run on
 * the executors (one shuffle each, {@code groupByKey} keyed by group), so the driver receives at
 * most {@code fanout} vectors whatever n is. {@link #reference} computes the same tree in one JVM.
 */
public final class TreeSum {
    private TreeSum() {}

    /** Vectors per group; the driver gets at most this many. */
    public static final int DEFAULT_FANOUT = 8;

    /**
     * The sum of {@code parts} (exactly one entry for each index 0..n−1, vectors of equal length)
     * through the fixed tree. Consumes the RDD by one job.
     */
    public static double[] sum(JavaPairRDD<Integer, double[]> parts, int n, int fanout) {
        if (n < 1) throw new IllegalArgumentException("nothing to sum: n = " + n);
        if (fanout < 2) throw new IllegalArgumentException("fanout must be ≥ 2, got " + fanout);
        JavaPairRDD<Integer, double[]> level = parts;
        int count = n;
        while (count > fanout) {
            int groups = (count + fanout - 1) / fanout;
            final int f = fanout;
            level = level.mapToPair(t -> new Tuple2<>(t._1() / f, new Indexed(t._1(), t._2())))
                    .groupByKey(new HashPartitioner(groups))
                    .mapValues(TreeSum::inIndexOrder);
            count = groups;
        }
        List<Tuple2<Integer, double[]>> top = new ArrayList<>(level.collect());
        if (top.size() != count) {
            throw new IllegalStateException("tree sum: expected " + count + " partial sums at the top, got " + top.size());
        }
        top.sort(Comparator.comparingInt(Tuple2::_1));
        List<Indexed> list = new ArrayList<>(top.size());
        for (int i = 0; i < top.size(); i++) {
            if (top.get(i)._1() != i) throw new IllegalStateException("tree sum: partial " + i + " is missing (got " + top.get(i)._1() + ")");
            list.add(new Indexed(i, top.get(i)._2()));
        }
        return inIndexOrder(list);
    }

    /** The same tree in this JVM: what {@link #sum} returns for partials {@code byIndex} (index i at position i). */
    public static double[] reference(List<double[]> byIndex, int fanout) {
        List<double[]> level = byIndex;
        while (level.size() > fanout) {
            List<double[]> next = new ArrayList<>();
            for (int g = 0; g * fanout < level.size(); g++) {
                List<Indexed> group = new ArrayList<>();
                for (int i = g * fanout; i < Math.min(level.size(), (g + 1) * fanout); i++) group.add(new Indexed(i, level.get(i)));
                next.add(inIndexOrder(group));
            }
            level = next;
        }
        List<Indexed> top = new ArrayList<>();
        for (int i = 0; i < level.size(); i++) top.add(new Indexed(i, level.get(i)));
        return inIndexOrder(top);
    }

    /** A partial sum and the index it is ordered by. */
    record Indexed(int index, double[] values) implements Serializable {}

    /** Σ values in increasing index, left to right, into a new array. */
    static double[] inIndexOrder(Iterable<Indexed> group) {
        List<Indexed> l = new ArrayList<>();
        group.forEach(l::add);
        if (l.isEmpty()) throw new IllegalStateException("tree sum: empty group");
        l.sort(Comparator.comparingInt(Indexed::index));
        double[] acc = l.get(0).values().clone();
        for (int j = 1; j < l.size(); j++) {
            double[] v = l.get(j).values();
            if (v.length != acc.length) throw new IllegalStateException("tree sum: lengths differ: " + acc.length + " vs " + v.length);
            if (l.get(j).index() == l.get(j - 1).index()) throw new IllegalStateException("tree sum: index " + l.get(j).index() + " twice");
            for (int i = 0; i < acc.length; i++) acc[i] += v[i];
        }
        return acc;
    }
}
