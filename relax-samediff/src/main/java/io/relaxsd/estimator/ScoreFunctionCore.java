package io.relaxsd.estimator;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The score-function core with one control variate:
 * ĝ = (sg f(D) − offset)·∇θ log p(D) + correction, per example on the example layout.
 */
final class ScoreFunctionCore {
    private ScoreFunctionCore() {
    }

    static ScoreEstimate estimate(ScoreNode node, ControlVariate controlVariate) {
        ScoreContext ctx = new ScoreContext(node);
        SDVariable f = Sg.sg(ctx.lossAtSample());
        List<String> phi = new ArrayList<>();
        List<StateUpdate> updates = new ArrayList<>();
        int evaluations = 1;
        SDVariable weight = f;
        SDVariable correction = null;
        SDVariable penalty = null;
        if (controlVariate != null) {
            ControlVariate.Terms t = controlVariate.terms(ctx);
            weight = f.sub(t.offset());
            correction = t.correction();
            penalty = t.penalty();
            phi.addAll(t.parameterNames());
            updates.addAll(t.updates());
            evaluations += t.lossEvaluations();
        }
        SDVariable g = ctx.score().mul(ctx.sameDiff().reshape(weight, -1, 1));
        if (correction != null) {
            g = g.add(correction);
        }
        return new ScoreEstimate(ctx.sample(), g, ctx.lossAtSample(), phi, updates, evaluations, penalty);
    }
}
