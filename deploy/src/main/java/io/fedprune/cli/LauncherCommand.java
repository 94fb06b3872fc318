package io.fedprune.cli;

import java.nio.file.Path;

/** The command line a report prints so that a reader can reproduce it. */
public final class LauncherCommand {
    private LauncherCommand() {
    }

    /**
     * {@code ./fedprune <subcommand>} and the arguments, without a {@code --data} that names the default directory:
     * the launcher always passes it, as an absolute path of the machine it ran on.
     *
     * @param subcommand  e.g. {@code demo}
     * @param args        the arguments the program received
     * @param defaultData the default data directory (relative paths resolve against the working directory)
     */
    public static String of(String subcommand, String[] args, Path defaultData) {
        StringBuilder sb = new StringBuilder("./fedprune ").append(subcommand);
        Path dflt = defaultData.toAbsolutePath().normalize();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--data") && i + 1 < args.length && Path.of(args[i + 1]).toAbsolutePath().normalize().equals(dflt)) {
                i++;
                continue;
            }
            sb.append(' ').append(args[i]);
        }
        return sb.toString();
    }
}
