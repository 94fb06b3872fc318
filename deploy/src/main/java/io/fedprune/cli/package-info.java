/**
 * Pieces the command-line programs share: the reproduction command a report prints
 * ({@link io.fedprune.cli.LauncherCommand}) and the model and data a command names, read and checked against each
 * other ({@link io.fedprune.cli.ModelInput}).
 */
package io.fedprune.cli;
