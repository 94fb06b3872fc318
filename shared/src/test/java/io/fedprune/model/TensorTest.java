package io.fedprune.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class TensorTest {

    @Test
    void validatesShapeAgainstData() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Tensor("w", new int[]{2, 3}, new float[5]));
        assertTrue(e.getMessage().contains("6 values but data has 5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Tensor("w", new int[]{-1}, new float[0]));
        assertThrows(IllegalArgumentException.class, () -> new Tensor(" ", new int[]{1}, new float[1]));
        assertEquals(1, new Tensor("scalar", new int[0], new float[]{3f}).size());
        assertEquals(0, new Tensor("empty", new int[]{4, 0}, new float[0]).size());
    }

    @Test
    void copiesArraysAndComparesByContent() {
        int[] shape = {2, 2};
        float[] data = {1, 2, 3, 4};
        Tensor t = new Tensor("w", shape, data);
        shape[0] = 9;
        data[0] = 9;
        t.data()[1] = 9;
        assertArrayEquals(new int[]{2, 2}, t.shape());
        assertArrayEquals(new float[]{1, 2, 3, 4}, t.data());
        assertEquals(new Tensor("w", new int[]{2, 2}, new float[]{1, 2, 3, 4}), t);
        assertEquals(new Tensor("w", new int[]{2, 2}, new float[]{1, 2, 3, 4}).hashCode(), t.hashCode());
        assertNotEquals(new Tensor("w", new int[]{4}, new float[]{1, 2, 3, 4}), t);
        assertNotEquals(new Tensor("v", new int[]{2, 2}, new float[]{1, 2, 3, 4}), t);
        assertEquals(3f, t.get(2));
    }
}
