package io.relaxsd.layers;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Per-thread mailboxes through which {@link PerExampleScoreLoss} hands the per-example loss f(b) of
 * the current training step to the score-function stochastic layers below it.
 *
 * <p>DL4J starts back-propagation at the output layer, whose {@code backpropGradient} calls its loss
 * function's {@code computeGradient} before any layer below runs its own {@code backpropGradient}
 * (MultiLayerNetwork.calcBackpropGradients walks the layers from the top; ComputationGraph walks its
 * topological order backwards). So the loss publishes f on its channel, and the layers read it in the
 * same thread within the same step. Every publication gets a new sequence number; a layer notes the
 * current number in its training forward pass and accepts only a later publication, so a stale f of an
 * earlier step (or of another network in the same thread) is never used.
 */
final class ScoreChannel {

    /** One publication: the per-example losses {@code [batch]} (detached) and its sequence number. */
    record Published(INDArray perExample, long sequence) {
    }

    private static final ThreadLocal<Map<String, Published>> CHANNELS = ThreadLocal.withInitial(HashMap::new);
    private static final ThreadLocal<long[]> SEQUENCE = ThreadLocal.withInitial(() -> new long[1]);

    private ScoreChannel() {
    }

    /** The sequence number of this thread's latest publication (on any channel). */
    static long current() {
        return SEQUENCE.get()[0];
    }

    /** Publishes {@code perExample} (a detached {@code [batch]} array) on {@code channel}. */
    static void publish(String channel, INDArray perExample) {
        long[] seq = SEQUENCE.get();
        seq[0]++;
        CHANNELS.get().put(channel, new Published(perExample, seq[0]));
    }

    /** The latest publication on {@code channel} in this thread, or null. */
    static Published latest(String channel) {
        return CHANNELS.get().get(channel);
    }
}
