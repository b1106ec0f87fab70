package io.relaxsd.examples.cli;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.examples.vae.EstimatorDefaults;
import io.relaxsd.examples.vae.VaeSetup;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Estimator hyper-parameter options shared by commands that build several estimators by name
 * ({@code vae}, {@code variance}, {@code poly}): each estimator starts from the VAE's defaults on the
 * setup at hand ({@link EstimatorDefaults#of(String, VaeSetup)}: τ, and on binary setups REBAR's and
 * RELAX's η and RELAX's context surrogate) and the library's defaults (K, α, ...), and a given option
 * overrides them for every estimator that reads it.
 */
final class EstimatorOptions {
    @Option(names = "--temperature", description = "temperature tau (default: per estimator and setup, as './relax vae --help' "
            + "lists; 1.0 for every estimator in ./relax poly, as the paper's benchmark)")
    Double temperature;

    @Option(names = "--k", description = "conditional samples K (Gumbel-Rao, ReinMax-Rao/CV; default: library default)")
    Integer k;

    @Option(names = "--eta", description = "control-variate weight eta (default: library default; rebar and relax on "
            + "binary setups 1)")
    Double eta;

    @Option(names = "--alpha", description = "generalised ReinMax alpha (default: library default)")
    Double alpha;

    @Option(names = "--baseline", paramLabel = "KIND",
            description = "reinforce: none | running-mean | leave-one-out (default: none)")
    String baseline;

    @Option(names = "--score-samples", paramLabel = "S",
            description = "reinforce with leave-one-out: samples per example (default: 2)")
    Integer scoreSamples;

    @Option(names = "--reinmax-temperature", paramLabel = "TAU_RM", description = "reinmax-cv: temperature of its "
            + "ReinMax term; --temperature is the control variate's (default: library default, 1)")
    Double reinmaxTemperature;

    @Option(names = "--cv-noise", paramLabel = "unconditional|conditional", description = "reinmax-cv: noise of the "
            + "single-draw term, fresh (the paper's eq. 18) or conditional on the sample (default: unconditional)")
    String cvNoise;

    @Option(names = "--surrogate", paramLabel = "KIND", description = "RELAX's surrogate: relaxed-loss-plus-mlp "
            + "(the paper's), mlp, mlp-of-relaxed, relaxed-loss-plus-context-mlp (the official VAE code's: its "
            + "network also reads x - mean image) (default: relaxed-loss-plus-mlp; binary setups "
            + "relaxed-loss-plus-context-mlp)")
    String surrogate;

    /**
     * The validated config of estimator {@code name} (one of {@code all}, which --surrogate checks)
     * with the defaults of {@code ./relax vae} on {@code setup}.
     */
    EstimatorConfig config(String name, List<String> all, VaeSetup setup) {
        return builder(name, all, setup).build();
    }

    /**
     * The builder of {@link #config(String, List, VaeSetup)}, for commands that add options of their own.
     * On binary setups REBAR and RELAX start at the official code's η, and RELAX's surrogate is the
     * official VAE code's context surrogate (with its pre-training) unless --surrogate names another.
     */
    EstimatorConfig.Builder builder(String name, List<String> all, VaeSetup setup) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        EstimatorConfig.Builder b = builder(n, all, EstimatorDefaults.of(n, setup).temperature());
        double defaultEta = EstimatorDefaults.eta(n, setup);
        if (eta == null && !Double.isNaN(defaultEta)) {
            b.eta(defaultEta);
        }
        if (n.equals("relax")) {
            EstimatorConfig.SurrogateKind kind = surrogate != null ? SurrogateOption.parse(surrogate, all)
                    : setup.binary() ? EstimatorConfig.SurrogateKind.RELAXED_LOSS_PLUS_CONTEXT_MLP : null;
            SurrogateOption.apply(b, kind, null, null, null, true);
        }
        return b;
    }

    /** As {@link #config(String, List, VaeSetup)} with τ {@code defaultTemperature} unless --temperature is given. */
    EstimatorConfig config(String name, List<String> all, double defaultTemperature) {
        return builder(name.trim().toLowerCase(Locale.ROOT), all, defaultTemperature).build();
    }

    private EstimatorConfig.CvNoise parseCvNoise() {
        try {
            return EstimatorConfig.CvNoise.parse(cvNoise);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--cv-noise: unknown value '" + cvNoise
                    + "'; known: unconditional, conditional");
        }
    }

    private EstimatorConfig.Builder builder(String n, List<String> all, double defaultTemperature) {
        if (!Estimators.names().contains(n)) {
            throw new IllegalArgumentException("--estimator: unknown name '" + n + "'; known: "
                    + String.join(", ", Estimators.names()));
        }
        EstimatorConfig.Builder b = EstimatorConfig.builder(n)
                .temperature(temperature != null ? temperature : defaultTemperature);
        if (k != null) {
            b.samples(k);
        }
        if (eta != null) {
            b.eta(eta);
        }
        if (alpha != null) {
            b.alpha(alpha);
        }
        if (reinmaxTemperature != null && n.equals("reinmax-cv")) {
            b.reinmaxTemperature(reinmaxTemperature);
        }
        if (cvNoise != null) {
            EstimatorConfig.CvNoise noise = parseCvNoise();
            if (n.equals("reinmax-cv")) {
                b.cvNoise(noise);
            }
        }
        if (baseline != null && n.equals("reinforce")) {
            try {
                b.baseline(EstimatorConfig.Baseline.parse(baseline));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--" + e.getMessage());
            }
        }
        if (n.equals("reinforce") && (scoreSamples != null
                || (baseline != null && EstimatorConfig.Baseline.parse(baseline) == EstimatorConfig.Baseline.LEAVE_ONE_OUT))) {
            b.scoreSamples(scoreSamples != null ? scoreSamples : 2);
        }
        if (surrogate != null) {
            EstimatorConfig.SurrogateKind kind = SurrogateOption.parse(surrogate, all);
            if (n.equals("relax")) {
                b.surrogate(kind);
            }
        }
        return b;
    }
}
