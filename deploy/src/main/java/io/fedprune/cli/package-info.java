/** Pieces the command-line programs share: the reproduction command a report prints ({@link io.fedprune.cli.LauncherCommand}). */
package io.fedprune.cli;
