package io.fedprune;

/** The fedprune version, one place for every command's {@code --version} and the agent's hello. */
public final class Version {
    /** The release number. */
    public static final String NUMBER = "0.1.0";
    /** What {@code --version} prints. */
    public static final String LINE = "fedprune " + NUMBER;

    private Version() {
    }
}
