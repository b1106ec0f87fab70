package io.relaxsd.examples.cli;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.examples.vae.EstimatorDefaults;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Estimator hyper-parameter options shared by commands that build several estimators by name: each
 * estimator starts from the VAE's per-estimator defaults ({@link EstimatorDefaults}: τ) and the
 * library's defaults (K, η, α, ...), and a given option overrides them for every estimator that
 * reads it.
 */
final class EstimatorOptions {
    @Option(names = "--temperature", description = "temperature tau (default: per estimator, as ./relax vae; "
            + "1.0 for every estimator in ./relax poly, as the paper's benchmark)")
    Double temperature;

    @Option(names = "--k", description = "conditional samples K (Gumbel-Rao, ReinMax-Rao/CV; default: library default)")
    Integer k;

    @Option(names = "--eta", description = "control-variate weight eta (default: library default)")
    Double eta;

    @Option(names = "--alpha", description = "generalised ReinMax alpha (default: library default)")
    Double alpha;

    @Option(names = "--baseline", paramLabel = "KIND",
            description = "REINFORCE's baseline: none, running-mean, leave-one-out (default: none)")
    String baseline;

    @Option(names = "--score-samples", paramLabel = "S",
            description = "REINFORCE leave-one-out: samples per example (default: 2)")
    Integer scoreSamples;

    @Option(names = "--reinmax-temperature", paramLabel = "TAU_RM", description = "reinmax-cv: temperature of its "
            + "ReinMax term; --temperature is the control variate's (default: library default, 1)")
    Double reinmaxTemperature;

    @Option(names = "--cv-noise", paramLabel = "unconditional|conditional", description = "reinmax-cv: noise of the "
            + "single-draw term, fresh (the paper's eq. 18) or conditional on the sample (default: unconditional)")
    String cvNoise;

    @Option(names = "--surrogate", paramLabel = "KIND", description = "RELAX's surrogate: relaxed-loss-plus-mlp, mlp, "
            + "mlp-of-relaxed (default: relaxed-loss-plus-mlp)")
    String surrogate;

    /** The validated config of estimator {@code name} (one of {@code all}, which --surrogate checks). */
    EstimatorConfig config(String name, List<String> all) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return config(n, all, EstimatorDefaults.of(n).temperature());
    }

    /** As {@link #config(String, List)}, with τ {@code defaultTemperature} unless --temperature is given. */
    EstimatorConfig config(String name, List<String> all, double defaultTemperature) {
        String n = name.trim().toLowerCase(Locale.ROOT);
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
        if (cvNoise != null && n.equals("reinmax-cv")) {
            b.cvNoise(EstimatorConfig.CvNoise.parse(cvNoise));
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
        return b.build();
    }
}
