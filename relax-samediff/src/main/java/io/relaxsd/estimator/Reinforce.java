package io.relaxsd.estimator;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * REINFORCE, the score-function estimator (Williams 1992, "Simple statistical gradient-following
 * algorithms", eq. 11 with a baseline):
 * <pre>
 *   ĝ = (f(D) − b)·∇θ log p(D),   ∇θ log p(D) = D − π   (Bernoulli: b − p)
 * </pre>
 * Baselines ({@link EstimatorConfig#baseline()}): none (b = 0); a running mean of past losses;
 * or leave-one-out over S ≥ 2 independent samples per example (Kool et al. 2019, "Buy 4
 * REINFORCE samples, get a baseline for free!"):
 * ĝ = (1/S) Σ_s (f(D_s) − (1/(S−1)) Σ_{j≠s} f(D_j))·∇θ log p(D_s).
 * Unbiased, categorical and Bernoulli. Cost: 1 evaluation of f per step (S for leave-one-out,
 * whose extra S − 1 samples come from the node's {@code -v} placeholder {@code [S−1, rows, K]}).
 */
final class Reinforce extends ScoreFunctionBase {

    Reinforce(EstimatorConfig config) {
        super(config);
    }

    @Override
    public ScoreEstimate estimate(ScoreNode node) {
        return switch (config.baseline()) {
            case NONE -> ScoreFunctionCore.estimate(node, null);
            case RUNNING_MEAN -> ScoreFunctionCore.estimate(node, new RunningMeanBaseline(config.baselineDecay()));
            case LEAVE_ONE_OUT -> leaveOneOut(node);
        };
    }

    private ScoreEstimate leaveOneOut(ScoreNode node) {
        int s = config.scoreSamples();
        ScoreContext first = new ScoreContext(node);
        SameDiff sd = first.sameDiff();
        NodeDraw draw = node.draw();
        SDVariable[] extra = sd.unstack(draw.conditionalUniforms(), 0, s - 1);
        SDVariable[] losses = new SDVariable[s];
        SDVariable[] scores = new SDVariable[s];
        losses[0] = first.lossAtSample();
        scores[0] = first.score();
        for (int j = 1; j < s; j++) {
            NodeDraw d = NodeDraw.sampled(draw.kind(), draw.logits(), draw.width(), extra[j - 1], null);
            losses[j] = node.loss().value(first.toExamples(d.hard()));
            scores[j] = first.score(d.hard());
        }
        SDVariable total = losses[0];
        for (int j = 1; j < s; j++) {
            total = total.add(losses[j]);
        }
        SDVariable totalSg = Sg.sg(total);
        SDVariable g = null;
        for (int j = 0; j < s; j++) {
            SDVariable fj = Sg.sg(losses[j]);
            SDVariable weight = fj.sub(totalSg.sub(fj).div(s - 1.0));
            SDVariable term = scores[j].mul(sd.reshape(weight, -1, 1));
            g = g == null ? term : g.add(term);
        }
        return new ScoreEstimate(first.sample(), g.div(s), total.div(s), List.of(), List.of(), s);
    }

    @Override
    public int conditionalSamples() {
        return config.baseline() == EstimatorConfig.Baseline.LEAVE_ONE_OUT ? config.scoreSamples() - 1 : 0;
    }
}
