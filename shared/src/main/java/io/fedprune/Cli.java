package io.fedprune;

import picocli.CommandLine;

/**
 * How every {@code ./fedprune} command runs its picocli command line, one place for all of them: enum values
 * case-insensitive, and a bad option or value is one line on stderr naming the command, with exit code 2 (picocli's
 * default prints the whole usage text after it).
 */
public final class Cli {
    /** The exit code of a bad option or value. */
    public static final int BAD_USAGE = 2;

    private Cli() {
    }

    /** The command line of {@code command} (an object annotated with {@code @Command}). */
    public static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((e, args) -> {   // e's command line may be one a command made to throw it
            cl.getErr().println(e.getCommandLine().getCommandName() + ": " + e.getMessage() + " (--help lists the options)");
            return BAD_USAGE;
        });
        return cl;
    }

    /** Parses {@code args} and runs {@code command}; returns the exit code. */
    public static int execute(Object command, String... args) {
        return commandLine(command).execute(args);
    }
}
