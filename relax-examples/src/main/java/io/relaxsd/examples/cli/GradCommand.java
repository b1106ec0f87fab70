package io.relaxsd.examples.cli;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.exact.GradientProbe;
import io.relaxsd.exact.QuadraticLoss;
import io.relaxsd.exact.ScoreFunctionProbe;
import io.relaxsd.examples.bench.CudaSupport;
import io.relaxsd.examples.util.Json;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code relax grad}: an estimator's Monte-Carlo gradient against the exact one, on f(x) = ‖Mx − t‖². */
@Command(name = "grad", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Compare an estimator's Monte-Carlo gradient with the exact one on a small problem.",
        description = {"Estimate the gradient of E[f(x)] w.r.t. the logits with N independent single-sample "
                + "estimates and compare it with the exact gradient by enumeration. f(x) = ||M x - t||^2 where x "
                + "is the sample the forward pass produces (one categorical variable, or n <= 12 Bernoullis).",
                "'expected' is printed for estimators whose mean is a finite sum (st, reinmax, reinmax-alpha); "
                + "the others' means (reinmax-rao, reinmax-cv, ...) are their own, not reinmax's."})
final class GradCommand implements Callable<Integer> {

    @Option(names = "--estimator", required = true, paramLabel = "NAME", description = "Estimator (see 'relax estimators')")
    String estimator;

    @Option(names = "--dist", required = true, paramLabel = "categorical|bernoulli", description = "Distribution")
    String dist;

    @Option(names = "--logits", required = true, paramLabel = "L1,L2,...", description = "Logits, comma-separated")
    String logits;

    @Option(names = "--target", required = true, paramLabel = "T1,T2,...", description = "Target t (length m)")
    String target;

    @Option(names = "--mixing", paramLabel = "\"a,b;c,d\"",
            description = "M, m rows separated by ';' (default: identity, needs m = number of logits)")
    String mixing;

    @Option(names = "--temperature", description = "Temperature tau (default: ${DEFAULT-VALUE})")
    double temperature = EstimatorConfig.DEFAULT_TEMPERATURE;

    @Option(names = "--k", description = "Conditional samples K (default: ${DEFAULT-VALUE})")
    int k = EstimatorConfig.DEFAULT_SAMPLES;

    @Option(names = "--eta", description = "Control-variate weight eta (default: ${DEFAULT-VALUE})")
    double eta = EstimatorConfig.DEFAULT_ETA;

    @Option(names = "--alpha", description = "alpha of reinmax-alpha (default: ${DEFAULT-VALUE})")
    double alpha = EstimatorConfig.DEFAULT_ALPHA;

    @Option(names = "--reinmax-temperature", paramLabel = "TAU_RM", description = "reinmax-cv: temperature of its "
            + "ReinMax term; --temperature is the control variate's (default: ${DEFAULT-VALUE})")
    double reinmaxTemperature = EstimatorConfig.DEFAULT_REINMAX_TEMPERATURE;

    @Option(names = "--cv-noise", paramLabel = "unconditional|conditional", description = "reinmax-cv: noise of the "
            + "single-draw term, fresh (the paper's eq. 18) or conditional on the sample (default: ${DEFAULT-VALUE})")
    String cvNoise = "unconditional";

    @Option(names = "--adapt-steps", description = "REBAR/RELAX/REINFORCE: first train the control variate at the "
            + "fixed logits on the variance loss for N steps of 64 rows (default: ${DEFAULT-VALUE})")
    int adaptSteps = 0;

    @Option(names = "--baseline", description = "REINFORCE baseline: none, running-mean, leave-one-out (default: "
            + "${DEFAULT-VALUE})")
    String baseline = "none";

    @Option(names = "--score-samples", description = "S for the leave-one-out baseline (default: ${DEFAULT-VALUE})")
    int scoreSamples = 2;

    @Option(names = "--surrogate", description = "RELAX surrogate: relaxed-loss-plus-mlp, mlp, mlp-of-relaxed, "
            + "relaxed-loss-plus-context-mlp (no context here) (default: ${DEFAULT-VALUE})")
    String surrogate = "relaxed-loss-plus-mlp";

    @Option(names = "--samples", description = "Number N of single-sample estimates (default: ${DEFAULT-VALUE})")
    long samples = 100_000;

    @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE})")
    long seed = 0;

    @Option(names = "--json", description = "Print one JSON object")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        CudaSupport.requireLoadableBackend();
        DistributionKind kind = DistributionKind.parse(dist);
        double[] theta = numbers("--logits", logits);
        double[] t = numbers("--target", target);
        QuadraticLoss f = mixing == null ? identity(theta.length, t) : QuadraticLoss.of(matrix(mixing), t, theta.length);
        EstimatorConfig.Builder builder = EstimatorConfig.builder(estimator).temperature(temperature).samples(k)
                .eta(eta).alpha(alpha).reinmaxTemperature(reinmaxTemperature)
                .cvNoise(EstimatorConfig.CvNoise.parse(cvNoise));
        GradientProbe.Result r;
        if (Estimators.isScoreFunction(estimator)) {
            EstimatorConfig.Baseline b = EstimatorConfig.Baseline.parse(baseline);
            EstimatorConfig cfg = builder.baseline(b)
                    .scoreSamples(b == EstimatorConfig.Baseline.LEAVE_ONE_OUT ? scoreSamples : 1)
                    .surrogate(EstimatorConfig.SurrogateKind.parse(surrogate)).build();
            if (!Estimators.create(cfg).kinds().contains(kind)) {
                throw new IllegalArgumentException("estimator '" + estimator + "' is not defined for " + kind.id());
            }
            r = GradientProbe.run(estimator, ScoreFunctionProbe.of(cfg, theta, adaptSteps, seed), kind, theta, f,
                    samples, seed);
        } else {
            if (adaptSteps != 0) {
                throw new IllegalArgumentException("--adapt-steps applies to reinforce, rebar and relax only");
            }
            r = GradientProbe.run(builder.build(), kind, theta, f, samples, seed);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("estimator", estimator);
        m.put("dist", kind.id());
        if (EstimatorConfig.usesCvFields(estimator)) {
            m.put("reinmaxTemperature", reinmaxTemperature);
            m.put("cvNoise", EstimatorConfig.CvNoise.parse(cvNoise).id());
        }
        m.put("exact", r.exact());
        m.put("mean", r.mean());
        m.put("stderr", r.stderr());
        m.put("variance", r.variance());
        m.put("samples", r.samples());
        if (r.expected() != null) {
            m.put("expected", r.expected());
        }
        if (json) {
            System.out.println(Json.line(m));
        } else {
            printTable(r);
        }
        return 0;
    }

    private void printTable(GradientProbe.Result r) {
        System.out.printf(Locale.ROOT, "%s, %s, %d samples; total variance %.6g%n", estimator, r.kind().id(),
                r.samples(), r.variance());
        System.out.printf(Locale.ROOT, "%5s %12s %12s %12s %8s%s%n", "logit", "exact", "mean", "stderr",
                "z", r.expected() == null ? "" : String.format(Locale.ROOT, " %12s %8s", "expected", "z(exp)"));
        for (int i = 0; i < r.exact().length; i++) {
            double z = (r.mean()[i] - r.exact()[i]) / r.stderr()[i];
            String exp = r.expected() == null ? "" : String.format(Locale.ROOT, " %12.6f %8.2f", r.expected()[i],
                    (r.mean()[i] - r.expected()[i]) / r.stderr()[i]);
            System.out.printf(Locale.ROOT, "%5d %12.6f %12.6f %12.6f %8.2f%s%n", i + 1, r.exact()[i], r.mean()[i],
                    r.stderr()[i], z, exp);
        }
    }

    private QuadraticLoss identity(int width, double[] t) {
        if (t.length != width) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--target has " + t.length + " entries but there "
                    + "are " + width + " logits; give --mixing for other shapes");
        }
        return QuadraticLoss.identity(t);
    }

    private double[][] matrix(String text) {
        String[] rows = text.split(";");
        double[][] m = new double[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            m[r] = numbers("--mixing row " + (r + 1), rows[r]);
        }
        return m;
    }

    private double[] numbers(String option, String text) {
        String[] parts = text.trim().split("\\s*,\\s*");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Double.parseDouble(parts[i]);
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), option + ": '" + parts[i]
                        + "' is not a number");
            }
            if (!Double.isFinite(out[i])) {
                throw new CommandLine.ParameterException(spec.commandLine(), option + " must be finite, got " + parts[i]);
            }
        }
        return out;
    }
}
