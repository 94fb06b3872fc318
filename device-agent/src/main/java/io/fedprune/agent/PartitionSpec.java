package io.fedprune.agent;

import io.fedprune.data.Dataset;
import io.fedprune.data.Partitioner;

import java.util.Locale;

/**
 * Which share of a data set a device holds: {@code all}, {@code iid:I/N[:SEED]} or {@code dirichlet:ALPHA:I/N[:SEED]}
 * (device I of N, counting from 0; seed default 1). The same spec cuts the training and the test split
 * ({@link #applyTest}: with the training split's label mix), so every device also has its own local test data.
 *
 * @param kind    ALL, IID or DIRICHLET
 * @param alpha   Dirichlet concentration (DIRICHLET only)
 * @param index   this device's index I in [0, N)
 * @param devices N
 * @param seed    partition seed
 */
public record PartitionSpec(Kind kind, double alpha, int index, int devices, long seed) {
    public enum Kind { ALL, IID, DIRICHLET }

    public PartitionSpec {
        if (kind != Kind.ALL && (devices < 1 || index < 0 || index >= devices))
            throw new IllegalArgumentException("partition: device index " + index + " outside [0, " + devices + ")");
        if (kind == Kind.DIRICHLET && !(alpha > 0)) throw new IllegalArgumentException("partition: alpha must be > 0, was " + alpha);
    }

    /** Parses {@code all}, {@code iid:I/N[:SEED]} or {@code dirichlet:ALPHA:I/N[:SEED]}. */
    public static PartitionSpec parse(String s) {
        String[] p = s.trim().toLowerCase(Locale.ROOT).split(":");
        try {
            switch (p[0]) {
                case "all":
                    if (p.length == 1) return new PartitionSpec(Kind.ALL, 0, 0, 1, 1);
                    break;
                case "iid":
                    if (p.length == 2 || p.length == 3) {
                        int[] in = share(p[1]);
                        return new PartitionSpec(Kind.IID, 0, in[0], in[1], p.length == 3 ? Long.parseLong(p[2]) : 1);
                    }
                    break;
                case "dirichlet":
                    if (p.length == 3 || p.length == 4) {
                        int[] in = share(p[2]);
                        return new PartitionSpec(Kind.DIRICHLET, Double.parseDouble(p[1]), in[0], in[1], p.length == 4 ? Long.parseLong(p[3]) : 1);
                    }
                    break;
                default:
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("partition '" + s + "': " + e.getMessage());
        }
        throw new IllegalArgumentException("partition '" + s + "': expected all, iid:I/N[:SEED] or dirichlet:ALPHA:I/N[:SEED]");
    }

    private static int[] share(String s) {
        String[] in = s.split("/");
        if (in.length != 2) throw new NumberFormatException("expected I/N, got '" + s + "'");
        return new int[]{Integer.parseInt(in[0]), Integer.parseInt(in[1])};
    }

    /**
     * This device's share of the test split: for DIRICHLET, with the per-class proportions of its share of
     * {@code train} (the test labels follow the training labels); otherwise as {@link #apply}.
     */
    public Dataset applyTest(Dataset train, Dataset test) {
        if (kind != Kind.DIRICHLET) return apply(test);
        return test.subset(Partitioner.dirichletLike(train.y(), test.y(), devices, alpha, seed)[index]);
    }

    /** This device's share of {@code data}. */
    public Dataset apply(Dataset data) {
        return switch (kind) {
            case ALL -> data;
            case IID -> data.subset(Partitioner.iid(data.y(), devices, seed)[index]);
            case DIRICHLET -> data.subset(Partitioner.dirichlet(data.y(), devices, alpha, seed)[index]);
        };
    }
}
