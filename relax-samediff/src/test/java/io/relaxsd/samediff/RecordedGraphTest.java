package io.relaxsd.samediff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A replay must give what the session gives on feeds other than the one it was recorded with: new
 * logits, new noise, new upstream gradient. Every pathwise estimator's node, both variable kinds.
 */
class RecordedGraphTest {
    /**
     * How far a replayed sample may lie from the session's: float rounding. A relaxed sample is a
     * softmax, which the replay's host loop computes as e^x / Σ e^x, libnd4j as e^(x − max) / Σ.
     */
    private static final float SAMPLE_ROUNDING = 1e-6f;

    private static final int ROWS = 6;
    private static final int VARIABLES = 4;
    private static final int CATEGORIES = 3;

    /** An estimator node on its own: logits and upstream gradient fed, Σ z·dz as loss. */
    private record Node(SameDiff sd, Discrete discrete, String sample) {
        static Node of(String estimator, DistributionKind kind) {
            SameDiff sd = SameDiff.create();
            Discrete discrete = Discrete.in(sd);
            int width = kind == DistributionKind.CATEGORICAL ? VARIABLES * CATEGORIES : VARIABLES;
            SDVariable anchor = sd.var("anchor", Nd4j.scalar(DataType.FLOAT, 0f));
            SDVariable logits = sd.placeHolder("logits", DataType.FLOAT, -1, width).add(anchor);
            SDVariable dz = sd.placeHolder("dz", DataType.FLOAT, -1, width);
            EstimatorConfig config = EstimatorConfig.builder(estimator).temperature(1.5).build();
            SDVariable z = kind == DistributionKind.CATEGORICAL
                    ? discrete.categorical("z", logits, VARIABLES, CATEGORIES, config)
                    : discrete.bernoulli("z", logits, VARIABLES, config);
            SDVariable out = sd.identity("out", z);
            sd.identity("loss", z.mul(dz).sum()).markAsLoss();
            sd.setLossVariables("loss");
            GradFunctions.createQuietly(sd);
            return new Node(sd, discrete, out.name());
        }

        Map<String, INDArray> feed(long seed) {
            return feed(seed, ROWS);
        }

        Map<String, INDArray> feed(long seed, int rows) {
            Random rng = Nd4j.getRandomFactory().getNewRandomInstance(seed);
            Map<String, INDArray> feed = new HashMap<>(discrete.drawNoise(rows, rng));
            long width = sd.getVariable("dz").placeholderShape()[1];
            feed.put("logits", Nd4j.randn(rng, new long[] {rows, width}).castTo(DataType.FLOAT).muli(2));
            feed.put("dz", Nd4j.randn(rng, new long[] {rows, width}).castTo(DataType.FLOAT));
            return feed;
        }
    }

    static Stream<Arguments> pathwise() {
        return Estimators.names().stream().filter(n -> !Estimators.isScoreFunction(n))
                .flatMap(n -> Stream.of(Arguments.of(n, DistributionKind.CATEGORICAL),
                        Arguments.of(n, DistributionKind.BERNOULLI)));
    }

    /**
     * runBefore (dz not read: it holds garbage then) and runAfter (dz filled in) together compute what
     * run does; runBefore returns the forward outputs only. With the variable the logits go through
     * declared late as well, nothing is computed before.
     */
    @Test
    void splitRunEqualsRun() {
        Node node = Node.of("reinmax", DistributionKind.CATEGORICAL);
        Map<String, INDArray> feed = node.feed(3);
        RecordedGraph g = RecordedGraph.ofGradientsAndOutputs(node.sd(), feed, List.of(node.sample()), List.of("logits"));
        Map<String, INDArray> other = node.feed(4);
        INDArray dz = other.get("dz").dup();
        other.get("dz").assign(Double.NaN);
        assertTrue(g.runBefore(other, java.util.Set.of("dz", "anchor")).isEmpty());
        java.util.Set<String> late = java.util.Set.of("dz");
        Map<String, INDArray> before = g.runBefore(other, late);
        assertEquals(java.util.Set.of(node.sample()), before.keySet());
        INDArray sample = before.get(node.sample()).dup();
        other.get("dz").assign(dz);
        Map<String, INDArray> after = g.runAfter(other, late);
        INDArray gradient = after.get("logits").dup();
        assertEquals(sample, after.get(node.sample()));
        Map<String, INDArray> whole = g.run(other);
        assertEquals(sample, whole.get(node.sample()));
        assertEquals(whole.get("logits"), gradient);
        assertTrue(gradient.amaxNumber().doubleValue() > 1e-3, "the gradient must not vanish");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pathwise")
    void replayEqualsSessionOnNewFeeds(String estimator, DistributionKind kind) {
        Node node = Node.of(estimator, kind);
        RecordedGraph forward = RecordedGraph.ofOutputs(node.sd(), node.feed(1), List.of(node.sample()));
        RecordedGraph backward = RecordedGraph.ofGradients(node.sd(), node.feed(1), List.of("logits"));
        RecordedGraph both = RecordedGraph.ofGradientsAndOutputs(node.sd(), node.feed(1), List.of(node.sample()),
                List.of("logits"));
        assertTrue(backward.opCount() > forward.opCount(), "the gradient replay also runs the backward ops");
        for (long seed = 2; seed < 5; seed++) {
            Map<String, INDArray> feed = node.feed(seed);
            INDArray sample = node.sd().output(feed, node.sample()).get(node.sample());
            INDArray grad = node.sd().calculateGradients(feed, "logits").get("logits");
            INDArray replayedSample = forward.run(feed).get(node.sample());
            INDArray replayedGrad = backward.run(feed).get("logits");
            assertArrayEquals(sample.ravel().toFloatVector(), replayedSample.ravel().toFloatVector(), SAMPLE_ROUNDING, "sample, seed " + seed);
            assertArrayEquals(grad.ravel().toFloatVector(), replayedGrad.ravel().toFloatVector(), 1e-6f, "gradient, seed " + seed);
            assertTrue(grad.amaxNumber().doubleValue() > 0, "a zero gradient would compare equal vacuously");
            Map<String, INDArray> together = both.run(feed);
            assertArrayEquals(sample.ravel().toFloatVector(), together.get(node.sample()).ravel().toFloatVector(), SAMPLE_ROUNDING);
            assertArrayEquals(grad.ravel().toFloatVector(), together.get("logits").ravel().toFloatVector(), 1e-6f);
        }
    }

    /**
     * softmax_bp along the last axis runs from the forward softmax's output (SoftmaxBackward) and
     * gives the session's gradient up to float rounding; along another axis it stays libnd4j's op.
     */
    @ParameterizedTest(name = "axis {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {-1, 2, 0})
    void softmaxBackwardFromTheForwardOutputEqualsTheSession(int axis) {
        SameDiff sd = SameDiff.create();
        SDVariable anchor = sd.var("anchor", Nd4j.scalar(DataType.FLOAT, 0f));
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 4, 5, 7).add(anchor);
        SDVariable w = sd.placeHolder("w", DataType.FLOAT, 4, 5, 7);
        SDVariable y = sd.nn().softmax(x, axis);
        sd.identity("loss", y.mul(w).sum().add(y.mul(y).sum())).markAsLoss();
        sd.setLossVariables("loss");
        GradFunctions.createQuietly(sd);
        Map<String, INDArray> feed = softmaxFeed(1);
        RecordedGraph g = RecordedGraph.ofGradients(sd, feed, List.of("x"));
        assertEquals(axis == 0 ? 0 : 1, g.fusedSoftmaxBackwards());
        for (long seed = 2; seed < 5; seed++) {
            Map<String, INDArray> f = softmaxFeed(seed);
            INDArray want = sd.calculateGradients(f, "x").get("x");
            INDArray got = g.run(f).get("x");
            assertTrue(want.amaxNumber().doubleValue() > 1e-2, "a vanishing gradient would compare equal vacuously");
            assertArrayEquals(want.ravel().toFloatVector(), got.ravel().toFloatVector(), 1e-6f, "seed " + seed);
        }
    }

    /**
     * A stop-gradient written as a bitcast round trip (FLOAT → INT32 → FLOAT, as the estimators' sg) runs
     * no op in the replay: the second bitcast is an alias of the first one's input, the first one is then
     * dead. Values and gradients stay the session's; the cut still cuts (only the direct path to w counts).
     */
    @Test
    void bitcastRoundTripsRunNoOps() {
        SameDiff sd = SameDiff.create();
        SDVariable w = sd.var("w", Nd4j.createFromArray(0.5f, -1.5f, 2f, 0.25f).reshape(2, 2));
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 2, 2);
        SDVariable h = x.mul(w);
        SDVariable cut = bitcast(bitcast(h, DataType.INT32), DataType.FLOAT);
        sd.identity("loss", cut.mul(h).sum()).markAsLoss();      // ∂/∂w = sg(h) · x
        sd.setLossVariables("loss");
        GradFunctions.createQuietly(sd);
        Map<String, INDArray> first = Map.of("x", Nd4j.createFromArray(1f, 2f, 3f, 4f).reshape(2, 2));
        RecordedGraph g = RecordedGraph.ofGradientsAndOutputs(sd, first, List.of("loss"), List.of("w"));
        List<RecordedGraph.OpTime> ops = g.profile(first, 1);
        assertTrue(ops.stream().noneMatch(o -> o.op().equals("bitcast")), ops.toString());
        Map<String, INDArray> f = Map.of("x", Nd4j.createFromArray(-2f, 0.5f, 1f, 3f).reshape(2, 2));
        Map<String, INDArray> got = g.run(f);
        INDArray hv = f.get("x").mul(w.getArr());
        assertEquals(hv.mul(hv).sumNumber().doubleValue(), got.get("loss").getDouble(0), 1e-5);
        assertArrayEquals(hv.mul(f.get("x")).ravel().toFloatVector(), got.get("w").ravel().toFloatVector(), 1e-6f);
        assertArrayEquals(sd.calculateGradients(f, "w").get("w").ravel().toFloatVector(),
                got.get("w").ravel().toFloatVector(), 0f);
    }

    private static SDVariable bitcast(SDVariable x, DataType to) {
        SameDiff sd = x.getSameDiff();
        org.nd4j.linalg.api.ops.custom.BitCast op = new org.nd4j.linalg.api.ops.custom.BitCast(sd, x,
                sd.constant(to.toInt()));
        op.addIArgument(to.toInt());
        return op.outputVariable();
    }

    /** Entries below 2⁻¹⁰⁰ of the softmax output are read as 0 by SoftmaxBackward; the others exactly. */
    @Test
    void softmaxBackwardFlushesOnlyEntriesBelowTwoToTheMinus100() {
        for (float tiny : new float[] {Float.MIN_VALUE, 1e-38f, 1e-33f, 7.8e-31f}) {
            assertEquals(0f, SoftmaxBackward.flushTiny(tiny), "" + tiny);
        }
        for (float kept : new float[] {7.9e-31f, 1e-30f, 1e-10f, 0.5f, 1f, Float.NaN}) {
            assertEquals(Float.floatToRawIntBits(kept), Float.floatToRawIntBits(SoftmaxBackward.flushTiny(kept)), "" + kept);
        }
    }

    /** With logits spread by hundreds the softmax has subnormal entries; the gradient is still the session's. */
    @Test
    void softmaxBackwardWithSubnormalEntriesEqualsTheSession() {
        SameDiff sd = SameDiff.create();
        SDVariable anchor = sd.var("anchor", Nd4j.scalar(DataType.FLOAT, 0f));
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 4, 5, 7).add(anchor).mul(30.0);
        SDVariable w = sd.placeHolder("w", DataType.FLOAT, 4, 5, 7);
        SDVariable y = sd.nn().softmax(x, -1);
        sd.identity("loss", y.mul(w).sum()).markAsLoss();
        sd.setLossVariables("loss");
        GradFunctions.createQuietly(sd);
        RecordedGraph g = RecordedGraph.ofGradients(sd, softmaxFeed(1), List.of("x"));
        assertEquals(1, g.fusedSoftmaxBackwards());
        Map<String, INDArray> f = softmaxFeed(2);
        INDArray probs = sd.output(f, y.name()).get(y.name());
        assertTrue(probs.lt(1e-38).castTo(DataType.INT32).sumNumber().intValue() > 0 ,
                "the feed must give the softmax subnormal or zero entries");
        INDArray want = sd.calculateGradients(f, "x").get("x");
        INDArray got = g.run(f).get("x");
        assertArrayEquals(want.ravel().toFloatVector(), got.ravel().toFloatVector(), 1e-5f);
    }

    private static Map<String, INDArray> softmaxFeed(long seed) {
        Random rng = Nd4j.getRandomFactory().getNewRandomInstance(seed);
        Map<String, INDArray> feed = new HashMap<>();
        feed.put("x", Nd4j.randn(rng, new long[] {4, 5, 7}).castTo(DataType.FLOAT).muli(3));
        feed.put("w", Nd4j.randn(rng, new long[] {4, 5, 7}).castTo(DataType.FLOAT));
        return feed;
    }

    /**
     * A recording whose dead intermediate arrays are shared for the split at dz uses fewer arrays and
     * still gives the session's sample and gradient on new feeds, whole and split (dz filled in only
     * after runBefore), for every pathwise estimator.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pathwise")
    void sharedArraysGiveTheSessionsResults(String estimator, DistributionKind kind) {
        Node node = Node.of(estimator, kind);
        java.util.Set<String> late = java.util.Set.of("dz");
        RecordedGraph own = RecordedGraph.ofGradientsAndOutputs(node.sd(), node.feed(1), List.of(node.sample()),
                List.of("logits"));
        RecordedGraph shared = RecordedGraph.ofGradientsAndOutputs(node.sd(), node.feed(1), List.of(node.sample()),
                List.of("logits"), late);
        assertTrue(shared.outputArrayCount() < own.outputArrayCount(),
                shared.outputArrayCount() + " arrays shared against " + own.outputArrayCount());
        assertThrows(IllegalArgumentException.class, () -> shared.runBefore(node.feed(2), java.util.Set.of("dz", "anchor")));
        for (long seed = 2; seed < 5; seed++) {
            Map<String, INDArray> feed = node.feed(seed);
            INDArray sample = node.sd().output(feed, node.sample()).get(node.sample());
            INDArray grad = node.sd().calculateGradients(feed, "logits").get("logits");
            assertTrue(grad.amaxNumber().doubleValue() > 0, "a zero gradient would compare equal vacuously");
            INDArray dz = feed.get("dz").dup();
            feed.get("dz").assign(Double.NaN);
            INDArray before = shared.runBefore(feed, late).get(node.sample()).dup();
            feed.get("dz").assign(dz);
            INDArray splitGrad = shared.runAfter(feed, late).get("logits").dup();
            Map<String, INDArray> whole = shared.run(feed);
            assertArrayEquals(sample.ravel().toFloatVector(), before.ravel().toFloatVector(), SAMPLE_ROUNDING, "sample, seed " + seed);
            assertArrayEquals(grad.ravel().toFloatVector(), splitGrad.ravel().toFloatVector(), 1e-6f, "split, seed " + seed);
            assertArrayEquals(sample.ravel().toFloatVector(), whole.get(node.sample()).ravel().toFloatVector(), SAMPLE_ROUNDING);
            assertArrayEquals(grad.ravel().toFloatVector(), whole.get("logits").ravel().toFloatVector(), 1e-6f,
                    "whole, seed " + seed);
        }
    }

    /** Batch sizes alternating as in an epoch with a smaller last batch: every call equals the session's. */
    @Test
    void replayedCallKeepsARecordingPerBatchSize() {
        Node node = Node.of("reinmax", DistributionKind.CATEGORICAL);
        ReplayedCall call = ReplayedCall.gradientsAndOutputs(node.sd(), List.of(node.sample()), List.of("logits"));
        int[] rows = {ROWS, ROWS, 2, ROWS, 2, 3, 4, 5, ROWS};     // the last: after more sizes than are kept
        for (int i = 0; i < rows.length; i++) {
            Map<String, INDArray> feed = node.feed(20 + i, rows[i]);
            INDArray grad = node.sd().calculateGradients(feed, "logits").get("logits");
            INDArray sample = node.sd().output(feed, node.sample()).get(node.sample());
            Map<String, INDArray> got = call.run(feed);
            assertArrayEquals(sample.ravel().toFloatVector(), got.get(node.sample()).ravel().toFloatVector(), SAMPLE_ROUNDING);
            assertArrayEquals(grad.ravel().toFloatVector(), got.get("logits").ravel().toFloatVector(), 1e-6f,
                    "call " + i + ", " + rows[i] + " rows");
        }
        assertTrue(call.replaying());
    }

    @Test
    void refusesAFeedOfOtherShapesAndReusesItsArrays() {
        Node node = Node.of("st", DistributionKind.CATEGORICAL);
        RecordedGraph backward = RecordedGraph.ofGradients(node.sd(), node.feed(1), List.of("logits"));
        INDArray first = backward.run(node.feed(2)).get("logits");
        assertSame(first, backward.run(node.feed(3)).get("logits"));
        Map<String, INDArray> wider = new HashMap<>(node.feed(2));
        wider.put("logits", Nd4j.zeros(DataType.FLOAT, ROWS + 1, VARIABLES * CATEGORIES));
        assertFalse(backward.accepts(wider));
        Map<String, INDArray> doubles = new HashMap<>(node.feed(2));
        doubles.put("logits", doubles.get("logits").castTo(DataType.DOUBLE));
        assertFalse(backward.accepts(doubles), "same shape, other data type");
        assertTrue(backward.accepts(node.feed(4)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backward.run(wider));
        assertEquals("the feed's shapes or data types differ from the recording's; record again", e.getMessage());
    }

    /**
     * y = tanh(x·Wᵀ)·V + linear(x, U, b) with x [3, 4], W [5, 4], V [5, 2], U [4, 2]: forward 2·3·4·5 +
     * 2·3·5·2 + 2·3·4·2 = 228 FLOPs. The gradient with respect to W, V, U runs the forward again, a
     * {@code matmul_bp} (both input gradients, twice the forward's FLOPs) for each {@code mmul}, and for
     * {@code linear} (whose backward is two separate products) only Uᵀ's product xᵀ·g, since x is a
     * placeholder: 228 + 2·120 + 2·60 + 48 = 636.
     */
    @Test
    void countsTheMatrixProductsARunExecutes() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 4);
        SDVariable w = sd.var("w", Nd4j.rand(DataType.DOUBLE, 5, 4));
        SDVariable v = sd.var("v", Nd4j.rand(DataType.DOUBLE, 5, 2));
        SDVariable u = sd.var("u", Nd4j.rand(DataType.DOUBLE, 4, 2));
        SDVariable b = sd.var("b", Nd4j.rand(DataType.DOUBLE, 2));
        SDVariable y = sd.math().tanh(sd.mmul(x, w, false, true, false)).mmul(v).add(sd.nn().linear(x, u, b));
        y.sum().markAsLoss();
        Map<String, INDArray> feed = Map.of("x", Nd4j.rand(DataType.DOUBLE, 3, 4));
        assertEquals(228.0, RecordedGraph.ofOutputs(sd, feed, List.of(y.name())).matmulFlops());
        assertEquals(636.0, RecordedGraph.ofGradients(sd, feed, List.of("w", "v", "u")).matmulFlops());
    }
}
