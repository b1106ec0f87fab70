package io.relaxsd.estimator;

import java.util.Objects;
import org.nd4j.linalg.api.rng.Random;

/**
 * What a score-function estimator is given for one node: the draw (built on stop-gradient logits,
 * so nothing the estimator builds sends gradient to θ), the layout, and the downstream loss.
 *
 * @param name      node name, prefix of the control-variate parameter names
 * @param draw      rows {@code [N, K]} (N = batch·L) or {@code [batch, n]}; logits already behind sg
 * @param variables L (1 for Bernoulli nodes)
 * @param loss      f on the example layout {@code [batch, L·K]} / {@code [batch, n]}
 * @param rng       initialises learned control-variate parameters
 */
public record ScoreNode(String name, NodeDraw draw, int variables, SampleLoss loss, Random rng) {
    public ScoreNode {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(draw, "draw");
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(rng, "rng");
        if (variables < 1) {
            throw new IllegalArgumentException("variables must be >= 1, got " + variables);
        }
    }

    /** W = L·K or n, the width of one example. */
    public int exampleWidth() {
        return variables * draw.width();
    }
}
