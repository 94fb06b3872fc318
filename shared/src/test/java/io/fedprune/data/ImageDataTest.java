package io.fedprune.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

class ImageDataTest {

    private static byte[] ramp(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 5);
        return b;
    }

    private static float[] floats(byte[] b) {
        float[] f = new float[b.length];
        for (int i = 0; i < b.length; i++) f[i] = b[i] & 0xff;
        return f;
    }

    /** 4 training and 2 test images of 2x2x3 (channels x rows x cols) as rank-4 IDX, 3 classes. */
    static Path idx4(Path dir) throws IOException {
        DataFiles.idx(dir.resolve("train-images-idx4-ubyte"), new int[]{4, 2, 2, 3}, ramp(48));
        DataFiles.idx(dir.resolve("train-labels-idx1-ubyte"), new int[]{4}, new byte[]{0, 1, 2, 1});
        DataFiles.idx(dir.resolve("t10k-images-idx4-ubyte"), new int[]{2, 2, 2, 3}, ramp(24));
        DataFiles.idx(dir.resolve("t10k-labels-idx1-ubyte"), new int[]{2}, new byte[]{2, 0});
        return dir;
    }

    @Test
    void readsRank4Idx(@TempDir Path dir) throws IOException {
        ImageData d = ImageData.load(idx4(dir));
        assertEquals("idx", d.layout());
        assertEquals(4, d.train().n());
        assertEquals("2x2x3", d.train().shape());
        assertEquals(3, d.train().classes());   // largest label 2, plus one
        assertArrayEquals(new int[]{0, 1, 2, 1}, d.train().y());
        assertArrayEquals(floats(ramp(48)), d.train().x());   // raw values, image-major then channel, row, column
        assertArrayEquals(new int[]{2, 0}, d.test().y());
        assertEquals(64, d.sha256().length());
    }

    @Test
    void readsNpyPairsOfBytesAndFloats(@TempDir Path dir) throws IOException {
        DataFiles.npyBytes(dir.resolve("x_train.npy"), new int[]{3, 2, 2}, ramp(12));
        DataFiles.npyLongs(dir.resolve("y_train.npy"), new int[]{4, 0, 4});
        DataFiles.npyBytes(dir.resolve("x_test.npy"), new int[]{1, 2, 2}, ramp(4));
        DataFiles.npyLongs(dir.resolve("y_test.npy"), new int[]{1});
        ImageData d = ImageData.load(dir);
        assertEquals("npy", d.layout());
        assertEquals("1x2x2", d.train().shape());
        assertEquals(5, d.train().classes());
        assertArrayEquals(new int[]{4, 0, 4}, d.train().y());
        assertArrayEquals(floats(ramp(12)), d.train().x());

        Path f = dir.resolve("f");
        Files.createDirectories(f);
        float[] px = {0.5f, -1f, 2f, 0.25f, 3f, 4f, 5f, 6f};   // [2, 2, 1, 2]: 2 images of 2 channels of 1x2
        DataFiles.npyFloats(f.resolve("x_train.npy"), new int[]{2, 2, 1, 2}, px);
        DataFiles.npyLongs(f.resolve("y_train.npy"), new int[]{0, 1});
        DataFiles.npyFloats(f.resolve("x_test.npy"), new int[]{1, 2, 1, 2}, Arrays.copyOf(px, 4));
        DataFiles.npyLongs(f.resolve("y_test.npy"), new int[]{1});
        ImageData g = ImageData.load(f);
        assertEquals("2x1x2", g.train().shape());
        assertArrayEquals(px, g.train().x());
    }

    @Test
    void npyErrorsAreNamed(@TempDir Path dir) throws IOException {
        DataFiles.npyFloats(dir.resolve("labels.npy"), new int[]{2}, new float[]{0, 1});
        NdArray floatLabels = Npy.read(dir.resolve("labels.npy"));
        IllegalArgumentException ie = assertThrows(IllegalArgumentException.class, () -> floatLabels.labels("y"));
        assertTrue(ie.getMessage().contains("integer type"), ie.getMessage());

        byte[] whole = Files.readAllBytes(dir.resolve("labels.npy"));
        IOException e = assertThrows(IOException.class,
                () -> Npy.read(new ByteArrayInputStream(Arrays.copyOf(whole, whole.length - 1)), "t.npy"));
        assertEquals("t.npy: truncated .npy file", e.getMessage());

        String header = new String(whole, 10, whole.length - 10 - 8, java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] fortran = whole.clone();
        byte[] h = header.replace("'fortran_order': False", "'fortran_order': True ").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        System.arraycopy(h, 0, fortran, 10, h.length);
        e = assertThrows(IOException.class, () -> Npy.read(new ByteArrayInputStream(fortran), "f.npy"));
        assertTrue(e.getMessage().contains("Fortran-order"), e.getMessage());

        DataFiles.npy(dir.resolve("c.npy"), "<c8", new int[]{1}, ByteBuffer.allocate(8));
        e = assertThrows(IOException.class, () -> Npy.read(dir.resolve("c.npy")));
        assertTrue(e.getMessage().contains("unsupported dtype '<c8'"), e.getMessage());

        e = assertThrows(IOException.class, () -> Npy.read(new ByteArrayInputStream(new byte[]{1, 2, 3, 4, 5, 6, 7}), "x.npy"));
        assertEquals("x.npy: not a NumPy .npy file", e.getMessage());
    }

    @Test
    void readsBigEndianNpy(@TempDir Path dir) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8).putInt(-7).putInt(300000).flip();   // big-endian by default
        DataFiles.npy(dir.resolve("i.npy"), ">i4", new int[]{2}, b);
        assertArrayEquals(new float[]{-7, 300000}, Npy.read(dir.resolve("i.npy")).values());
    }

    @Test
    void readsGreyImageFolders(@TempDir Path dir) throws IOException {
        // classes sorted by name: cat = 0, dog = 1; 2x3 images
        DataFiles.greyPng(dir.resolve("train/dog/a.png"), 2, 3, new int[]{0, 10, 20, 30, 40, 255});
        DataFiles.greyPng(dir.resolve("train/cat/b.png"), 2, 3, new int[]{1, 2, 3, 4, 5, 6});
        DataFiles.greyPng(dir.resolve("train/cat/c.png"), 2, 3, new int[]{9, 9, 9, 9, 9, 9});
        Files.writeString(dir.resolve("train/cat/notes.txt"), "ignored");
        DataFiles.greyPng(dir.resolve("test/dog/d.png"), 2, 3, new int[]{7, 7, 7, 7, 7, 7});
        ImageData d = ImageData.load(dir);
        assertEquals("folder", d.layout());
        assertEquals("1x2x3", d.train().shape());
        assertEquals(2, d.train().classes());
        assertArrayEquals(new int[]{0, 0, 1}, d.train().y());   // cat/b, cat/c, dog/a
        assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6, 9, 9, 9, 9, 9, 9, 0, 10, 20, 30, 40, 255}, d.train().x());
        assertArrayEquals(new int[]{1}, d.test().y());   // test has only dog, indexed by the training classes
        assertEquals(2, d.test().classes());
    }

    @Test
    void aColourImageMakesThreeChannelsAndGreyIsRepeated(@TempDir Path dir) throws IOException {
        DataFiles.rgbImage(dir.resolve("train/a/rgb.png"), "png", 1, 2, new int[]{0x102030, 0xff0080});
        DataFiles.greyPng(dir.resolve("train/b/grey.png"), 1, 2, new int[]{5, 6});
        DataFiles.rgbImage(dir.resolve("test/a/x.jpg"), "jpg", 1, 2, new int[]{0x808080, 0x808080});
        DataFiles.greyPng(dir.resolve("test/b/y.png"), 1, 2, new int[]{1, 2});
        ImageData d = ImageData.load(dir);
        assertEquals("3x1x2", d.train().shape());
        // image 0: R plane (0x10, 0xff), G plane (0x20, 0x00), B plane (0x30, 0x80); image 1: grey repeated
        assertArrayEquals(new float[]{0x10, 0xff, 0x20, 0x00, 0x30, 0x80, 5, 6, 5, 6, 5, 6}, d.train().x());
        assertEquals("3x1x2", d.test().shape());
        for (int i = 0; i < 6; i++) assertEquals(128, d.test().x()[i], 8, "JPEG is lossy, but a flat grey stays close");
    }

    @Test
    void imageFolderErrorsNameTheFiles(@TempDir Path dir) throws IOException {
        DataFiles.greyPng(dir.resolve("train/a/one.png"), 2, 2, new int[]{1, 2, 3, 4});
        DataFiles.greyPng(dir.resolve("train/b/two.png"), 3, 2, new int[]{1, 2, 3, 4, 5, 6});
        DataFiles.greyPng(dir.resolve("test/a/t.png"), 2, 2, new int[]{1, 2, 3, 4});
        IOException e = assertThrows(IOException.class, () -> ImageData.load(dir));
        assertTrue(e.getMessage().contains("two.png is 2x3 but") && e.getMessage().contains("one.png is 2x2"), e.getMessage());

        Files.delete(dir.resolve("train/b/two.png"));
        DataFiles.greyPng(dir.resolve("train/b/two.png"), 2, 2, new int[]{1, 2, 3, 4});
        DataFiles.greyPng(dir.resolve("test/zebra/z.png"), 2, 2, new int[]{1, 2, 3, 4});
        e = assertThrows(IOException.class, () -> ImageData.load(dir));
        assertTrue(e.getMessage().contains("'zebra' is not one of the training classes [a, b]"), e.getMessage());

        Files.delete(dir.resolve("test/zebra/z.png"));
        Files.delete(dir.resolve("test/zebra"));
        Files.write(dir.resolve("test/a/broken.png"), new byte[]{1, 2, 3});
        e = assertThrows(IOException.class, () -> ImageData.load(dir));
        assertTrue(e.getMessage().contains("broken.png: not a readable PNG or JPEG image"), e.getMessage());
    }

    @Test
    void anEmptyFolderNamesTheLayouts(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> ImageData.load(dir));
        assertTrue(e.getMessage().contains("x_train.npy") && e.getMessage().contains("train-images-idx3-ubyte")
                && e.getMessage().contains("train/<class>"), e.getMessage());
    }

    @Test
    void trainAndTestShapesMustAgree(@TempDir Path dir) throws IOException {
        DataFiles.npyBytes(dir.resolve("x_train.npy"), new int[]{2, 2, 2}, ramp(8));
        DataFiles.npyLongs(dir.resolve("y_train.npy"), new int[]{0, 1});
        DataFiles.npyBytes(dir.resolve("x_test.npy"), new int[]{1, 3, 3}, ramp(9));
        DataFiles.npyLongs(dir.resolve("y_test.npy"), new int[]{1});
        IOException e = assertThrows(IOException.class, () -> ImageData.load(dir));
        assertEquals("training images are 1x2x2 but test images 1x3x3", e.getMessage());
    }

    @Test
    void theHashFollowsTheContentNotTheNamesOrCompression(@TempDir Path dir) throws IOException {
        Path a = idx4(Files.createDirectories(dir.resolve("a")));
        Path b = idx4(Files.createDirectories(dir.resolve("b")));
        String h = ImageData.load(a).sha256();
        assertEquals(h, ImageData.load(b).sha256());
        // the same bytes gzip-compressed: the same content
        byte[] raw = Files.readAllBytes(b.resolve("train-labels-idx1-ubyte"));
        Files.delete(b.resolve("train-labels-idx1-ubyte"));
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(b.resolve("train-labels-idx1-ubyte.gz")))) {
            out.write(raw);
        }
        assertEquals(h, ImageData.load(b).sha256());
        // one label changed: another data set
        DataFiles.idx(b.resolve("t10k-labels-idx1-ubyte"), new int[]{2}, new byte[]{2, 1});
        assertNotEquals(h, ImageData.load(b).sha256());
    }

    @Test
    void normalisesPerChannel() {
        // 1 image of 2 channels of 1x2: channel 0 = (0, 255), channel 1 = (51, 102)
        Dataset raw = new Dataset(new float[]{0, 255, 51, 102}, new int[]{1}, 1, 2, 1, 2, 2);
        Dataset n = raw.normalized(1 / 255f, new float[]{0.5f, 0.2f}, new float[]{0.5f, 0.1f});
        // (0 - 0.5) / 0.5 = -1; (1 - 0.5) / 0.5 = 1; (0.2 - 0.2) / 0.1 = 0; (0.4 - 0.2) / 0.1 = 2
        assertArrayEquals(new float[]{-1, 1, 0, 2}, n.x(), 1e-6f);
        assertArrayEquals(new float[]{0, 1, 0.2f, 0.4f}, raw.normalized(1 / 255f, new float[]{0}, new float[]{1}).x(), 1e-6f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> raw.normalized(1, new float[]{0, 0, 0}, new float[]{1}));
        assertTrue(e.getMessage().contains("3 means") && e.getMessage().contains("2 channels"), e.getMessage());
    }

    @Test
    void mnistNormalisationHasTheBitsOfDividingBy255() {
        float[] px = new float[256];
        for (int p = 0; p < 256; p++) px[p] = p;
        Dataset norm = Mnist.normalize(new Dataset(px, new int[1], 1, 1, 16, 16, 10));
        for (int p = 0; p < 256; p++) {
            float before = (p / 255f - 0.1307f) / 0.3081f;   // the expression of the data path before per-channel scales
            assertEquals(Float.floatToIntBits(before), Float.floatToIntBits(norm.x()[p]), "pixel " + p);
            assertEquals(Float.floatToIntBits(before), Float.floatToIntBits(io.fedprune.model.Preprocessing.MNIST.apply(p, 0)), "pixel " + p);
        }
        // a multiplication by the float nearest 1/255 differs in the last bit for many values: the reason for the division
        int differs = 0;
        for (int p = 0; p < 256; p++) if (p * (1f / 255) != p / 255f) differs++;
        assertTrue(differs > 50, "" + differs);
        assertEquals(0.5f * 0.3f, Dataset.scaled(0.5f, 0.3f));   // not a reciprocal of an integer: multiplied
    }

    @Test
    void aShapeOrClassCountThatDoesNotFitNamesBoth(@TempDir Path dir) throws IOException {
        Dataset d = ImageData.load(idx4(dir)).train();
        d.checkFits(new int[]{2, 2, 3}, 3, "m.onnx", "D");
        d.checkFits(new int[]{12}, 3, "mlp.onnx", "D");   // a flat input of as many values
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.checkFits(new int[]{1, 28, 28}, 10, "m.onnx", "D"));
        assertEquals("model m.onnx takes 1x28x28 images of 10 classes but data D holds 2x2x3 images of 3 classes", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> d.checkFits(new int[]{2, 2, 3}, 10, "m.onnx", "D"));
        assertThrows(IllegalArgumentException.class, () -> d.checkFits(new int[]{784}, 3, "mlp.onnx", "D"));
    }

    @Test
    void partitionersSplitAnyLayout(@TempDir Path dir) throws IOException {
        int[] v = new int[4];
        for (String c : List.of("a", "b", "c"))
            for (int i = 0; i < 20; i++) DataFiles.greyPng(dir.resolve("train/" + c + "/" + i + ".png"), 2, 2, v);
        DataFiles.greyPng(dir.resolve("test/a/0.png"), 2, 2, v);
        Dataset train = ImageData.load(dir).train();
        int[][] parts = Partitioner.dirichlet(train.y(), 4, 0.5, 1);
        PartitionerTest.assertExactCover(parts, 60);
        int[][] iid = Partitioner.iid(train.y(), 4, 1);
        PartitionerTest.assertExactCover(iid, 60);
        for (int[] p : iid) assertEquals(15, train.subset(p).n());
        assertEquals("1x2x2", train.subset(parts[0]).shape());
    }
}
