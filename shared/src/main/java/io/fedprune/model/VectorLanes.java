package io.fedprune.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float species of this package's vector loops ({@link VectorSparseProduct}, {@link VectorElementWise}): the
 * preferred one, at most 8 lanes (256 bits), as the DPP kernels (16-lane vectors made the DPP step 3x slower on JDK 17).
 * Loaded only with {@code jdk.incubator.vector}, by those classes.
 */
final class VectorLanes {
    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED.length() >= 8 ? FloatVector.SPECIES_256
            : FloatVector.SPECIES_PREFERRED;

    private VectorLanes() {
    }
}
