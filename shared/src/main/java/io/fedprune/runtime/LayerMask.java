package io.fedprune.runtime;

import io.fedprune.dpp.MaskSpec;

import java.util.Objects;

/**
 * A pruned layer's final k-of-n mask: its spec and the group mask ({@code float[G * n]}, 1 for kept candidates).
 * Checked on construction: exactly {@code k} of every group's {@code n} entries are 1, the rest 0.
 */
public record LayerMask(MaskSpec spec, float[] groupMask) {
    public LayerMask {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(groupMask, "groupMask");
        if (groupMask.length != spec.candidates())
            throw new IllegalArgumentException(spec.layer() + ": mask has " + groupMask.length + " entries, expected G*n = " + spec.candidates());
        for (int g = 0; g < spec.groups(); g++) {
            int kept = 0;
            for (int c = 0; c < spec.n(); c++) {
                float v = groupMask[g * spec.n() + c];
                if (v != 0 && v != 1) throw new IllegalArgumentException(spec.layer() + ": mask entry " + v + " is not 0 or 1");
                if (v == 1) kept++;
            }
            if (kept != spec.k()) throw new IllegalArgumentException(spec.layer() + ": group " + g + " keeps " + kept + " candidates, not k=" + spec.k());
        }
        groupMask = groupMask.clone();
    }

    /** The mask from each group's kept candidate indices ({@code [G, k]}); out-of-range or repeated indices are refused. */
    public static LayerMask fromIndices(MaskSpec spec, int[] indices) {
        if (indices.length != spec.groups() * spec.k())
            throw new IllegalArgumentException(spec.layer() + ": " + indices.length + " indices, expected G*k = " + spec.groups() * spec.k());
        float[] m = new float[spec.candidates()];
        for (int g = 0; g < spec.groups(); g++)
            for (int j = 0; j < spec.k(); j++) {
                int c = indices[g * spec.k() + j];
                if (c < 0 || c >= spec.n()) throw new IllegalArgumentException(spec.layer() + ": group " + g + " index " + c + " outside [0, " + spec.n() + ")");
                if (m[g * spec.n() + c] != 0) throw new IllegalArgumentException(spec.layer() + ": group " + g + " lists index " + c + " twice");
                m[g * spec.n() + c] = 1;
            }
        return new LayerMask(spec, m);
    }

    @Override
    public float[] groupMask() {
        return groupMask.clone();
    }

    /** Whether candidate {@code c} of group {@code g} is kept. */
    public boolean kept(int g, int c) {
        return groupMask[g * spec.n() + c] != 0;
    }

    /** The weight-shaped 0/1 mask. */
    public float[] weightMask() {
        return spec.expand(groupMask);
    }
}
