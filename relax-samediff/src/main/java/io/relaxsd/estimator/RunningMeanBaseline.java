package io.relaxsd.estimator;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Baseline b = exponential running mean of past batch-mean losses: after each step
 * b ← d·b + (1 − d)·mean_batch f(D) (the first step sets b to the batch mean). b depends only on
 * earlier samples, so the estimator stays unbiased. The state is the graph variable
 * {@code <node>-baseline} (with its update count {@code <node>-baseline-updates}), used behind
 * stop-gradient and changed only by this update.
 */
final class RunningMeanBaseline implements ControlVariate {
    private final double decay;

    RunningMeanBaseline(double decay) {
        this.decay = decay;
    }

    @Override
    public Terms terms(ScoreContext ctx) {
        String name = ctx.node().name();
        SDVariable state = ctx.sameDiff().var(name + "-baseline",
                Nd4j.scalar(0.0).castTo(ctx.lossAtSample().dataType()));
        // how many updates b has had; a graph variable too, so a checkpoint of the graph's variables
        // captures the whole baseline state (no Java-side flag)
        SDVariable updates = ctx.sameDiff().var(name + "-baseline-updates",
                Nd4j.scalar(0.0).castTo(ctx.lossAtSample().dataType()));
        SDVariable meanLoss = ctx.sameDiff().identity(name + "-loss-mean", Sg.sg(ctx.lossAtSample()).mean());
        StateUpdate update = new StateUpdate(meanLoss.name(), (INDArray m) -> {
            INDArray arr = state.getArr();
            INDArray count = updates.getArr();
            double now = m.getDouble(0);
            arr.assign(count.getDouble(0) > 0 ? decay * arr.getDouble(0) + (1 - decay) * now : now);
            count.assign(count.getDouble(0) + 1);
        });
        return new Terms(Sg.sg(state), null, List.of(), List.of(update), 0);
    }
}
