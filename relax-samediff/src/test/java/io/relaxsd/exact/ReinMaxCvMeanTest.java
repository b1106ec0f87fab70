package io.relaxsd.exact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.EstimatorConfig.CvNoise;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ReinMax-CV's Monte-Carlo mean through the SameDiff node against {@link ReinMaxCvReference}, an
 * independent plain-Java computation of its expectation. At τ = 0.5 and η = 1.5 the paper's form
 * (fresh noise in ĝ_STGS) has a mean many standard errors away from ReinMax's, which the old
 * zero-conditional-mean form (now {@link CvNoise#CONDITIONAL}) cannot have.
 */
class ReinMaxCvMeanTest {
    static final int SAMPLES = 40_000;
    static final int DRAWS = 200_000;
    static final double Z = 4.0;
    /** How far (in standard errors) the paper form's mean must be from ReinMax's somewhere. */
    static final double APART = 6.0;
    static final double TAU = 0.5;
    static final double ETA = 1.5;

    static final double[] CAT_LOGITS = {0.3, -1.2, 2.0};
    static final QuadraticLoss CAT_F = QuadraticLoss.of(new double[][] {{1, 0.5, 0}, {0, 1, 0.5}, {0.2, 0, 1}},
            new double[] {0.1, 0.7, 0.2}, 3);
    static final double[] BERN_LOGITS = {0.4, -0.7, 1.1};
    static final QuadraticLoss BERN_F = QuadraticLoss.of(new double[][] {{1, -1, 0.5}, {0.3, 0.8, -1}},
            new double[] {0.3, 0.2}, 3);

    static EstimatorConfig config(double tauRm, CvNoise noise) {
        return EstimatorConfig.builder("reinmax-cv").temperature(TAU).reinmaxTemperature(tauRm).eta(ETA).samples(4)
                .cvNoise(noise).build();
    }

    @Test
    void categoricalPaperFormHasItsOwnMeanNotReinmaxs() {
        checkPaperForm(DistributionKind.CATEGORICAL, CAT_LOGITS, CAT_F, 1.0, 31);
    }

    @Test
    void categoricalPaperFormWithItsOwnReinmaxTemperature() {
        double[] logits = {0.5, 0.1, -0.4};
        QuadraticLoss f = QuadraticLoss.of(new double[][] {{1, 0.5, 0}, {0, 1, 0.5}}, new double[] {0.9, -0.3}, 3);
        checkPaperForm(DistributionKind.CATEGORICAL, logits, f, 1.5, 32);
    }

    @Test
    void bernoulliPaperFormHasItsOwnMeanNotReinmaxs() {
        checkPaperForm(DistributionKind.BERNOULLI, BERN_LOGITS, BERN_F, 0.8, 33);
    }

    @Test
    void conditionalFormHasReinmaxsMeanAtTheReinmaxTemperature() {
        for (DistributionKind kind : DistributionKind.values()) {
            double[] logits = kind == DistributionKind.CATEGORICAL ? CAT_LOGITS : BERN_LOGITS;
            QuadraticLoss f = kind == DistributionKind.CATEGORICAL ? CAT_F : BERN_F;
            GradientProbe.Result node = GradientProbe.run(config(1.5, CvNoise.CONDITIONAL), kind, logits, f, SAMPLES, 34);
            double[] rm = ReinMaxCvReference.reinmaxMean(kind, logits, f, 1.5);
            double[] rmAtTau = ReinMaxCvReference.reinmaxMean(kind, logits, f, TAU);
            double apart = 0;
            for (int i = 0; i < logits.length; i++) {
                assertEquals(rm[i], node.mean()[i], Z * node.stderr()[i], kind + " coordinate " + i);
                apart = Math.max(apart, Math.abs(rmAtTau[i] - node.mean()[i]) / node.stderr()[i]);
            }
            assertTrue(apart > APART, kind + ": the ReinMax term runs at reinmaxTemperature, not at temperature; "
                    + "ReinMax at tau is only " + apart + " s.e. away");
        }
    }

    /** A Bernoulli with logit θ is the categorical with logits (θ, 0); f sees the first coordinate only. */
    @Test
    void bernoulliEqualsTheTwoClassCategoricalReduction() {
        double theta = 0.6;
        QuadraticLoss bern = QuadraticLoss.of(new double[][] {{1.5}}, new double[] {0.4}, 1);
        QuadraticLoss cat = QuadraticLoss.of(new double[][] {{1.5, 0}}, new double[] {0.4}, 2);
        EstimatorConfig cfg = config(0.8, CvNoise.UNCONDITIONAL);
        GradientProbe.Result b = GradientProbe.run(cfg, DistributionKind.BERNOULLI, new double[] {theta}, bern,
                SAMPLES, 35);
        GradientProbe.Result c = GradientProbe.run(cfg, DistributionKind.CATEGORICAL, new double[] {theta, 0}, cat,
                SAMPLES, 36);
        ReinMaxCvReference.Mean refB = ReinMaxCvReference.mean(DistributionKind.BERNOULLI, new double[] {theta}, bern,
                TAU, 0.8, ETA, false, DRAWS, 37);
        ReinMaxCvReference.Mean refC = ReinMaxCvReference.mean(DistributionKind.CATEGORICAL, new double[] {theta, 0},
                cat, TAU, 0.8, ETA, false, DRAWS, 38);
        assertEquals(c.mean()[0], b.mean()[0], Z * Math.hypot(b.stderr()[0], c.stderr()[0]), "node means");
        assertEquals(refC.mean()[0], refB.mean()[0], Z * Math.hypot(refB.stderr()[0], refC.stderr()[0]), "references");
        assertEquals(refB.mean()[0], b.mean()[0], Z * Math.hypot(b.stderr()[0], refB.stderr()[0]), "Bernoulli node");
        double rm = ReinMaxCvReference.reinmaxMean(DistributionKind.BERNOULLI, new double[] {theta}, bern, 0.8)[0];
        assertTrue(Math.abs(refB.mean()[0] - rm) > APART * b.stderr()[0], "the control variate moves the mean here: "
                + refB.mean()[0] + " vs ReinMax's " + rm);
    }

    @Test
    void reinmaxTemperatureAndCvNoiseAreValidatedAndRecorded() {
        assertMessage("reinmaxTemperature", () -> EstimatorConfig.builder("reinmax-cv").reinmaxTemperature(0).build());
        assertMessage("reinmaxTemperature", () -> EstimatorConfig.builder("reinmax-cv").reinmaxTemperature(-1).build());
        assertMessage("reinmaxTemperature",
                () -> EstimatorConfig.builder("reinmax-cv").reinmaxTemperature(Double.NaN).build());
        assertMessage("reinmaxTemperature",
                () -> EstimatorConfig.builder("reinmax-cv").reinmaxTemperature(Double.POSITIVE_INFINITY).build());
        assertMessage("cvNoise", () -> EstimatorConfig.builder("reinmax-cv").cvNoise(null).build());
        assertMessage("cvNoise", () -> CvNoise.parse("sometimes"));
        assertEquals(CvNoise.CONDITIONAL, CvNoise.parse("conditional"));
        assertEquals(CvNoise.UNCONDITIONAL, CvNoise.parse("Unconditional"));

        EstimatorConfig defaults = EstimatorConfig.of("reinmax-cv");
        assertEquals(1.0, defaults.reinmaxTemperature());
        assertEquals(CvNoise.UNCONDITIONAL, defaults.cvNoise());
        EstimatorConfig cfg = config(0.8, CvNoise.CONDITIONAL);
        assertEquals(cfg, cfg.toBuilder().build());
        assertFalse(cfg.equals(cfg.toBuilder().cvNoise(CvNoise.UNCONDITIONAL).build()));
        assertFalse(cfg.equals(cfg.toBuilder().reinmaxTemperature(1.0).build()));
        Map<String, Object> m = cfg.toMap();
        assertEquals(0.8, m.get("reinmaxTemperature"));
        assertEquals("conditional", m.get("cvNoise"));
        Map<String, Object> other = EstimatorConfig.of("reinmax").toMap();
        assertFalse(other.containsKey("reinmaxTemperature") || other.containsKey("cvNoise"),
                "other estimators' maps (and checkpoint fingerprints) are unchanged: " + other);
    }

    private static void checkPaperForm(DistributionKind kind, double[] logits, QuadraticLoss f, double tauRm,
                                       long seed) {
        GradientProbe.Result node = GradientProbe.run(config(tauRm, CvNoise.UNCONDITIONAL), kind, logits, f, SAMPLES,
                seed);
        ReinMaxCvReference.Mean ref = ReinMaxCvReference.mean(kind, logits, f, TAU, tauRm, ETA, false, DRAWS, seed + 100);
        double[] rm = ReinMaxCvReference.reinmaxMean(kind, logits, f, tauRm);
        double apart = 0;
        for (int i = 0; i < logits.length; i++) {
            double se = Math.hypot(node.stderr()[i], ref.stderr()[i]);
            assertEquals(ref.mean()[i], node.mean()[i], Z * se, kind + " coordinate " + i);
            apart = Math.max(apart, Math.abs(rm[i] - node.mean()[i]) / node.stderr()[i]);
        }
        assertTrue(apart > APART, kind + ": the paper form's mean is not ReinMax's; here it is only " + apart
                + " s.e. from it");
    }

    private static void assertMessage(String field, org.junit.jupiter.api.function.Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }
}
