package io.fedprune.data;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The image-folder layout of torchvision's {@code ImageFolder}: one sub-folder per class, named by the class, holding
 * PNG or JPEG files (other files are ignored). Classes are the sub-folder names in sorted order, so class {@code i} is
 * the {@code i}-th name. Every image must have the same width and height. A data set whose images are all grey-scale
 * has one channel; otherwise three (RGB; grey images are repeated over the channels, alpha is dropped). Pixel values
 * are kept raw, in [0, 255].
 */
public final class ImageFolder {

    private ImageFolder() {
    }

    /**
     * Reads {@code dir}; {@code classes} are the class names to index labels by (null: the sub-folders of {@code dir}).
     * Every file read is fed to {@code digest} (its path relative to {@code dir}, then its bytes), in sorted order.
     */
    static Dataset read(Path dir, List<String> classes, MessageDigest digest) throws IOException {
        List<String> found = subfolders(dir);
        if (found.isEmpty()) throw new IOException(dir + ": no class sub-folders");
        if (classes == null) classes = found;
        else for (String c : found)
            if (!classes.contains(c)) throw new IOException(dir + ": class folder '" + c + "' is not one of the training classes " + classes);
        if (classes.size() < 2) throw new IOException(dir + ": one class folder (" + classes.get(0) + "); at least two are needed");
        List<Pixels> pixels = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int width = -1, height = -1;
        boolean colour = false;
        String first = null;
        for (String c : found) {
            for (Path f : images(dir.resolve(c))) {
                byte[] bytes = Files.readAllBytes(f);
                digest.update(dir.relativize(f).toString().replace('\\', '/').getBytes(java.nio.charset.StandardCharsets.UTF_8));
                digest.update(bytes);
                BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
                if (img == null) throw new IOException(f + ": not a readable PNG or JPEG image");
                if (width < 0) {
                    width = img.getWidth();
                    height = img.getHeight();
                    first = f.toString();
                } else if (img.getWidth() != width || img.getHeight() != height) {
                    throw new IOException(f + " is " + img.getWidth() + "x" + img.getHeight() + " but " + first + " is "
                            + width + "x" + height + ": every image must have the same size");
                }
                int[] grey = grey(img);
                colour |= grey == null;
                pixels.add(grey != null ? new Pixels(grey, true) : new Pixels(img.getRGB(0, 0, width, height, null, 0, width), false));
                labels.add(classes.indexOf(c));
            }
        }
        if (pixels.isEmpty()) throw new IOException(dir + ": no PNG or JPEG images in its class folders");
        int ch = colour ? 3 : 1, plane = width * height, n = pixels.size();
        float[] x = new float[n * ch * plane];
        for (int s = 0; s < n; s++) {
            Pixels px = pixels.get(s);
            int base = s * ch * plane;
            for (int i = 0; i < plane; i++) {
                int p = px.values()[i];
                if (px.grey()) {
                    for (int c = 0; c < ch; c++) x[base + c * plane + i] = p;
                } else {
                    x[base + i] = (p >> 16) & 0xff;
                    x[base + plane + i] = (p >> 8) & 0xff;
                    x[base + 2 * plane + i] = p & 0xff;
                }
            }
        }
        return new Dataset(x, labels.stream().mapToInt(Integer::intValue).toArray(), n, ch, height, width, classes.size());
    }

    /** One image's pixels: grey values in [0, 255], or packed ARGB as {@code BufferedImage.getRGB} gives them. */
    private record Pixels(int[] values, boolean grey) {
    }

    /** The sub-folder names of {@code dir}, sorted. */
    static List<String> subfolders(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }

    private static List<Path> images(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return !n.startsWith(".") && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"));
            }).sorted().toList();
        }
    }

    /**
     * The grey values of a single-band grey image (8 or 16 bits, read from the raster, since {@code getRGB} would
     * apply a gamma conversion to Java's linear grey colour space), or null for any other image.
     */
    private static int[] grey(BufferedImage img) {
        Raster r = img.getRaster();
        if (r.getNumBands() != 1 || img.getColorModel().getColorSpace().getType() != java.awt.color.ColorSpace.TYPE_GRAY) return null;
        int bits = img.getColorModel().getComponentSize(0);
        int[] v = r.getSamples(0, 0, img.getWidth(), img.getHeight(), 0, (int[]) null);
        if (bits > 8) for (int i = 0; i < v.length; i++) v[i] >>= bits - 8;
        return v;
    }
}
