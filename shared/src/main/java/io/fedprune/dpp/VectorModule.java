package io.fedprune.dpp;

/**
 * Loads a class written with {@code jdk.incubator.vector} only when that module is in the boot layer (the launchers,
 * the image and the build add it with {@code --add-modules}); without it the caller keeps its scalar loops, which give
 * the same bits. The one place where fedprune decides whether vector kernels run.
 */
public final class VectorModule {
    private VectorModule() {
    }

    /** A new instance of {@code className} (no-argument constructor) as a {@code type}, or null without the module. */
    public static <T> T load(String className, Class<T> type) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return null;
        try {
            var constructor = Class.forName(className).getDeclaredConstructor();
            constructor.setAccessible(true);
            return type.cast(constructor.newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }
}
