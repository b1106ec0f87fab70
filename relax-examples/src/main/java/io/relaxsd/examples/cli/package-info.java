/** The {@code relax} command line: one class per command, registered in {@link io.relaxsd.examples.cli.RelaxCli}. */
package io.relaxsd.examples.cli;
