package io.relaxsd.examples.cli;

import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code relax}: the command line of relax-samediff. Each subcommand is its own class; this one
 * only lists them and turns errors into one readable line.
 *
 * <p>Exit codes: 0 success, 1 a failure while running (bad data, I/O), 2 a usage error (unknown
 * command or option, bad option value).
 */
@Command(name = "relax",
        mixinStandardHelpOptions = true,
        versionProvider = RelaxCli.Version.class,
        description = "Gradient estimators for discrete random variables on DL4J / SameDiff.",
        synopsisSubcommandLabel = "COMMAND",
        commandListHeading = "%nCommands:%n",
        footer = {"", "Run 'relax COMMAND --help' for the options of a command.",
                "Threads: --threads N sets OMP_NUM_THREADS (default 1, the fastest setting on small CPUs)."},
        subcommands = {
                // one line per command
                BenchCommand.class,
                ChartCommand.class,
                DataCommand.class,
                DL4JVaeCommand.class,
                EstimatorsCommand.class,
                GradCommand.class,
                PolyCommand.class,
                ToyCommand.class,
                VaeCommand.class,
                VarianceCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class RelaxCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code (used by tests and {@link #main}). */
    public static int execute(String... args) {
        CommandLine cl = commandLine();
        try {
            return cl.execute(args);
        } catch (Throwable t) {                       // errors picocli does not handle (e.g. a native library)
            Throwable root = t;
            while (root.getCause() != null && root.getMessage() == null) {
                root = root.getCause();
            }
            cl.getErr().println("relax: " + (root.getMessage() == null ? root.getClass().getName() : root.getMessage()));
            if ("1".equals(System.getenv("RELAX_DEBUG"))) {
                t.printStackTrace(cl.getErr());
            }
            cl.getErr().flush();
            return CommandLine.ExitCode.SOFTWARE;
        }
    }

    /** The configured picocli command line, with one-line error handlers. */
    public static CommandLine commandLine() {
        return withErrorHandlers(new CommandLine(new RelaxCli()));
    }

    /** Gives {@code cl} (this CLI, or one command on its own in tests) the one-line error handlers. */
    static CommandLine withErrorHandlers(CommandLine cl) {
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(RelaxCli::usageError);
        cl.setExecutionExceptionHandler(RelaxCli::runtimeError);
        return cl;
    }

    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        err.println("relax: " + ex.getMessage() + " (see '" + name + " --help')");
        err.flush();
        return CommandLine.ExitCode.USAGE;
    }

    private static int runtimeError(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        if (ex instanceof CommandLine.ParameterException pe) {
            return usageError(pe, new String[0]);
        }
        PrintWriter err = cmd.getErr();
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        err.println("relax: " + msg.lines().findFirst().orElse(msg));
        if ("1".equals(System.getenv("RELAX_DEBUG"))) {
            ex.printStackTrace(err);
        }
        err.flush();
        return ex instanceof IllegalArgumentException ? CommandLine.ExitCode.USAGE : CommandLine.ExitCode.SOFTWARE;
    }

    /** Version line: project version and the DL4J/ND4J release it runs on. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = RelaxCli.class.getPackage().getImplementationVersion();
            return new String[] {String.format(Locale.ROOT, "relax-samediff %s (DL4J/ND4J 1.0.0-M2.1, Java %s)",
                    v == null ? "dev" : v, System.getProperty("java.version"))};
        }
    }
}
