package io.relaxsd.exact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.Estimator;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.estimator.PathwiseEstimator;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every pathwise estimator meets, for both distributions and several problems
 * (including a non-separable mixing M), checked against exact enumeration.
 */
class PathwiseContractTest {
    static final int SAMPLES = 12_000;
    static final double Z = 4.0;
    static final double TAU = 1.3;

    /** A small problem: logits, loss. */
    record Problem(String name, DistributionKind kind, double[] logits, QuadraticLoss f) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Problem> problems() {
        return List.of(
                new Problem("cat-identity", DistributionKind.CATEGORICAL, new double[] {0.3, -1.2, 2.0},
                        QuadraticLoss.identity(new double[] {0.1, 0.7, 0.2})),
                new Problem("cat-mixed", DistributionKind.CATEGORICAL, new double[] {0.5, 0.1, -0.4},
                        QuadraticLoss.of(new double[][] {{1, 0.5, 0}, {0, 1, 0.5}}, new double[] {0.9, -0.3}, 3)),
                new Problem("bern-mixed", DistributionKind.BERNOULLI, new double[] {0.4, -0.7, 1.1},
                        QuadraticLoss.of(new double[][] {{1, -1, 0.5}, {0.3, 0.8, -1}}, new double[] {0.3, 0.2}, 3)));
    }

    static List<String> pathwiseNames() {
        List<String> out = new ArrayList<>();
        for (String n : Estimators.names()) {
            if (Estimators.create(EstimatorConfig.of(n)) instanceof PathwiseEstimator) {
                out.add(n);
            }
        }
        return out;
    }

    static Stream<Arguments> table() {
        List<Arguments> args = new ArrayList<>();
        for (String name : pathwiseNames()) {
            for (Problem p : problems()) {
                args.add(Arguments.of(name, p));
            }
        }
        return args.stream();
    }

    static EstimatorConfig config(String name) {
        return EstimatorConfig.builder(name).temperature(TAU).samples(4).eta(0.5).alpha(0.75).build();
    }

    static GradientProbe.Result probe(String name, Problem p, long seed) {
        return GradientProbe.run(config(name), p.kind(), p.logits(), p.f(), SAMPLES, seed);
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("table")
    void finiteSeededAndWithinItsExpectationWhereThatIsAFiniteSum(String name, Problem p) {
        GradientProbe.Result a = probe(name, p, 11);
        GradientProbe.Result b = probe(name, p, 11);
        assertArrayEquals(a.mean(), b.mean(), 0.0, "same seed, same estimates");
        for (int i = 0; i < a.mean().length; i++) {
            assertTrue(Double.isFinite(a.mean()[i]) && a.stderr()[i] > 0, name + " coordinate " + i);
        }
        Estimator e = Estimators.create(config(name));
        if (e.deterministicGivenSample()) {
            assertNotNull(a.expected());
            for (int i = 0; i < a.mean().length; i++) {
                assertEquals(a.expected()[i], a.mean()[i], Z * a.stderr()[i], name + " coordinate " + i);
            }
        } else {
            assertNull(a.expected());
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("closedFormTable")
    void perOutcomeEstimateEqualsAnIndependentClosedForm(String name, Problem p) {
        ExactGradient.Outcome[] outcomes = p.kind() == DistributionKind.CATEGORICAL
                ? ExactGradient.categoricalOutcomes(p.logits()) : ExactGradient.bernoulliOutcomes(p.logits());
        double[][] graph = GradientProbe.perOutcomeEstimates(Estimators.pathwise(config(name)), p.kind(), p.logits(),
                p.f(), outcomes);
        for (int o = 0; o < outcomes.length; o++) {
            double[] expected = ClosedForms.estimate(name, p.kind(), p.logits(), outcomes[o].value(),
                    p.f().gradient(outcomes[o].value()), TAU, 0.75);
            assertArrayEquals(expected, graph[o], 1e-9, name + " at outcome " + o);
        }
    }

    static Stream<Arguments> closedFormTable() {
        return table().filter(a -> List.of("st", "reinmax", "reinmax-alpha").contains((String) a.get()[0]));
    }

    @Test
    void reinmaxAlphaAtOneIsReinmaxSampleBySample() {
        for (Problem p : problems()) {
            EstimatorConfig one = EstimatorConfig.builder("reinmax-alpha").alpha(1.0).temperature(TAU).build();
            EstimatorConfig rm = EstimatorConfig.builder("reinmax").temperature(TAU).build();
            GradientProbe.Result a = GradientProbe.run(one, p.kind(), p.logits(), p.f(), 5_000, 3);
            GradientProbe.Result b = GradientProbe.run(rm, p.kind(), p.logits(), p.f(), 5_000, 3);
            assertArrayEquals(b.mean(), a.mean(), 1e-12, p.name());
            assertEquals(b.variance(), a.variance(), 1e-12, p.name());
        }
    }

    /** ReinMax(α = 1) and ReinMax are deterministic given D: equal at every outcome, not only on average. */
    @Test
    void reinmaxAlphaAtOneIsReinmaxAtEveryOutcome() {
        PathwiseEstimator one = Estimators.pathwise(EstimatorConfig.builder("reinmax-alpha").alpha(1.0)
                .temperature(TAU).build());
        PathwiseEstimator rm = Estimators.pathwise(EstimatorConfig.builder("reinmax").temperature(TAU).build());
        PathwiseEstimator half = Estimators.pathwise(EstimatorConfig.builder("reinmax-alpha").alpha(0.5)
                .temperature(TAU).build());
        for (Problem p : problems()) {
            ExactGradient.Outcome[] outcomes = p.kind() == DistributionKind.CATEGORICAL
                    ? ExactGradient.categoricalOutcomes(p.logits()) : ExactGradient.bernoulliOutcomes(p.logits());
            double[][] a = GradientProbe.perOutcomeEstimates(one, p.kind(), p.logits(), p.f(), outcomes);
            double[][] b = GradientProbe.perOutcomeEstimates(rm, p.kind(), p.logits(), p.f(), outcomes);
            double[][] c = GradientProbe.perOutcomeEstimates(half, p.kind(), p.logits(), p.f(), outcomes);
            double differsAtHalf = 0;
            for (int o = 0; o < outcomes.length; o++) {
                assertArrayEquals(b[o], a[o], 1e-12, p.name() + " outcome " + o);
                for (int i = 0; i < b[o].length; i++) {
                    differsAtHalf = Math.max(differsAtHalf, Math.abs(b[o][i] - c[o][i]));
                }
            }
            assertTrue(differsAtHalf > 1e-3, "alpha = 1/2 is a different rule on " + p.name() + ": " + differsAtHalf);
        }
    }

    @Test
    void gumbelRaoHasTheMeanOfStraightThroughGumbelSoftmax() {
        for (Problem p : problems()) {
            GradientProbe.Result gr = probe("gumbel-rao", p, 5);
            GradientProbe.Result st = probe("st-gumbel-softmax", p, 6);
            assertMeansAgree(gr, st, p.name());
            assertTrue(gr.variance() < st.variance(), "Rao-Blackwellisation lowers the variance on " + p.name()
                    + ": " + gr.variance() + " vs " + st.variance());
        }
    }

    /**
     * Only ReinMax-CV's conditional form has ReinMax's mean (with the ReinMax term at τ); the paper's
     * form has its own, checked in {@link ReinMaxCvMeanTest}.
     */
    @Test
    void conditionalReinmaxCvHasTheMeanOfReinmax() {
        EstimatorConfig conditional = config("reinmax-cv").toBuilder().reinmaxTemperature(TAU)
                .cvNoise(EstimatorConfig.CvNoise.CONDITIONAL).build();
        for (Problem p : problems()) {
            GradientProbe.Result cv = GradientProbe.run(conditional, p.kind(), p.logits(), p.f(), SAMPLES, 7);
            GradientProbe.Result rm = probe("reinmax", p, 8);
            for (int i = 0; i < cv.mean().length; i++) {
                assertEquals(rm.expected()[i], cv.mean()[i], Z * cv.stderr()[i], p.name() + " coordinate " + i);
            }
        }
    }

    /** A Bernoulli with logit θ is the categorical with logits (θ, 0); f sees only the first coordinate. */
    @Test
    void bernoulliEqualsTheTwoClassCategoricalReduction() {
        double theta = 0.6;
        QuadraticLoss bern = QuadraticLoss.of(new double[][] {{1.5}}, new double[] {0.4}, 1);
        QuadraticLoss cat = QuadraticLoss.of(new double[][] {{1.5, 0}}, new double[] {0.4}, 2);
        for (String name : pathwiseNames()) {
            Estimator e = Estimators.create(config(name));
            if (e.deterministicGivenSample()) {
                double[][] b = GradientProbe.perOutcomeEstimates((PathwiseEstimator) e, DistributionKind.BERNOULLI,
                        new double[] {theta}, bern, ExactGradient.bernoulliOutcomes(new double[] {theta}));
                double[][] c = GradientProbe.perOutcomeEstimates((PathwiseEstimator) e, DistributionKind.CATEGORICAL,
                        new double[] {theta, 0}, cat, new ExactGradient.Outcome[] {
                                new ExactGradient.Outcome(new double[] {0, 1}, 0), new ExactGradient.Outcome(new double[] {1, 0}, 0)});
                for (int o = 0; o < 2; o++) {
                    assertEquals(c[o][0], b[o][0], 1e-12, name + " outcome b=" + o);
                    assertEquals(-c[o][0], c[o][1], 1e-12, name + ": categorical estimates sum to zero");
                }
            } else {
                GradientProbe.Result b = GradientProbe.run(config(name), DistributionKind.BERNOULLI, new double[] {theta},
                        bern, SAMPLES, 21);
                GradientProbe.Result c = GradientProbe.run(config(name), DistributionKind.CATEGORICAL,
                        new double[] {theta, 0}, cat, SAMPLES, 22);
                double se = Math.hypot(b.stderr()[0], c.stderr()[0]);
                assertEquals(c.mean()[0], b.mean()[0], Z * se, name);
            }
        }
    }

    @Test
    void badInputIsAClearIllegalArgument() {
        EstimatorConfig st = EstimatorConfig.of("st");
        QuadraticLoss f = QuadraticLoss.identity(new double[] {0, 1});
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> GradientProbe.run(st, DistributionKind.CATEGORICAL, new double[] {Double.NaN, 1}, f, 10, 0));
        assertTrue(nan.getMessage().contains("logits must be finite"), nan.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> GradientProbe.run(st, DistributionKind.CATEGORICAL, new double[] {0, 1, 2}, f, 10, 0));
        assertThrows(IllegalArgumentException.class,
                () -> GradientProbe.run(st, DistributionKind.BERNOULLI, new double[13], QuadraticLoss.identity(new double[13]),
                        10, 0));
        assertMessage("temperature", () -> EstimatorConfig.builder("st").temperature(0).build());
        assertMessage("temperature", () -> EstimatorConfig.builder("st").temperature(Double.NaN).build());
        assertMessage("samples", () -> EstimatorConfig.builder("gumbel-rao").samples(0).build());
        assertMessage("eta", () -> EstimatorConfig.builder("reinmax-cv").eta(Double.NaN).build());
        assertMessage("alpha", () -> EstimatorConfig.builder("reinmax-alpha").alpha(-1).build());
        assertMessage("unknown name", () -> EstimatorConfig.of("nope"));
    }

    private static void assertMessage(String field, org.junit.jupiter.api.function.Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }

    private static void assertMeansAgree(GradientProbe.Result a, GradientProbe.Result b, String what) {
        for (int i = 0; i < a.mean().length; i++) {
            double se = Math.hypot(a.stderr()[i], b.stderr()[i]);
            assertEquals(b.mean()[i], a.mean()[i], Z * se, what + " coordinate " + i);
        }
    }
}
