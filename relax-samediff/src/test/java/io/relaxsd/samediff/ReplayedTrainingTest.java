package io.relaxsd.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.train.FusedAdam;
import io.relaxsd.train.Updates;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The README's "the same speed for your own graph" loop: a user's graph with a ReinMax node trained
 * by a replayed step and in-place updaters, against the same loop through the session.
 */
class ReplayedTrainingTest {
    private static final int ROWS = 8;

    private record Graph(SameDiff sd, Discrete discrete) {
        static Graph build() {
            SameDiff sd = SameDiff.create();
            Discrete discrete = Discrete.in(sd);
            Random init = Seeds.generator(4);
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 10);
            SDVariable w = sd.var("w", Nd4j.randn(init, new long[] {10, 12}).castTo(DataType.FLOAT).muli(0.3));
            SDVariable b = sd.var("b", Nd4j.zeros(DataType.FLOAT, 12));
            SDVariable v = sd.var("v", Nd4j.randn(init, new long[] {12, 10}).castTo(DataType.FLOAT).muli(0.3));
            SDVariable logits = sd.nn().linear(sd.nn().relu(x, 0.0), w, b);
            SDVariable z = discrete.categorical("z", logits, 4, 3, EstimatorConfig.of("reinmax"));
            SDVariable err = z.mmul(v).sub(x);
            sd.identity("loss", err.mul(err).sum().div(ROWS)).markAsLoss();
            sd.setLossVariables("loss");
            return new Graph(sd, discrete);
        }
    }

    /** Trains 30 steps; returns the first and last loss and leaves the weights in the graph. */
    private static double[] train(Graph g, boolean replay) {
        SameDiff sd = g.sd();
        Discrete discrete = g.discrete();
        Random rng = Seeds.generator(11);
        INDArray batch = Nd4j.rand(Seeds.generator(2), ROWS, 10).castTo(DataType.FLOAT);
        // --- the README's example, from here
        List<String> params = sd.variables().stream()
                .filter(var -> var.getVariableType() == VariableType.VARIABLE).map(SDVariable::name).toList();
        ReplayedCall step = ReplayedCall.gradientsAndOutputs(sd, List.of("loss"), params);
        IUpdater adam = new FusedAdam(1e-2);
        Map<String, GradientUpdater<?>> updaters = new HashMap<>();
        for (String p : params) {
            long n = sd.getArrForVarName(p).length();
            updaters.put(p, adam.clone().instantiate(Nd4j.zeros(DataType.FLOAT, 1, adam.stateSize(n)), true));
        }
        // --- to here (without the line below)
        if (!replay) {
            step.withoutReplay();
        }
        double first = Double.NaN;
        double last = Double.NaN;
        for (int i = 0; i < 30; i++) {
            Map<String, INDArray> feed = new HashMap<>(discrete.drawNoise(ROWS, rng));
            feed.put("x", batch);
            Map<String, INDArray> out = step.run(feed);       // "loss" and one gradient per parameter
            last = out.get("loss").getDouble(0);              // read before the next run: its arrays are reused
            if (i == 0) {
                first = last;
            }
            for (String p : params) {
                Updates.descend(updaters.get(p), sd.getArrForVarName(p), out.get(p), i, 0);
            }
        }
        assertEquals(replay, step.replaying());
        return new double[] {first, last};
    }

    @Test
    void replayedTrainingFollowsTheSession() {
        Graph replayed = Graph.build();
        Graph session = Graph.build();
        double[] r = train(replayed, true);
        double[] s = train(session, false);
        assertTrue(r[1] < 0.8 * r[0], "the loss fell from " + r[0] + " to " + r[1]);
        assertEquals(s[0], r[0], 1e-5 * Math.abs(s[0]));
        for (String p : List.of("w", "b", "v")) {
            INDArray want = session.sd().getArrForVarName(p);
            double diff = want.sub(replayed.sd().getArrForVarName(p)).amaxNumber().doubleValue();
            assertTrue(diff < 1e-4, p + " differs by " + diff + " after 30 steps");
        }
    }
}
