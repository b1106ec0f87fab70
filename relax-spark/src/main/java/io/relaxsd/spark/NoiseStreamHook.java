package io.relaxsd.spark;

import io.relaxsd.layers.NoiseStreams;
import io.relaxsd.samediff.Seeds;
import org.apache.spark.TaskContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Gives every Spark worker's copy of the network its own noise stream ({@link NoiseStreams}) before
 * each of its training steps: stream = derive(derive(seed, round), worker), with round the averaging
 * round of the run (set on the driver before each round; the hook reaches the workers serialized with
 * the round's task) and worker the Spark partition the copy trains on. Within a round, the copy's
 * iteration count tells its steps apart (the layers seed each draw by iteration). So no two workers
 * draw the same noise for their different examples, and a rerun with the same seed and worker count
 * draws the same noise again.
 */
final class NoiseStreamHook implements TrainingHook {
    private static final long serialVersionUID = 1L;

    private final long seed;
    private long round;

    NoiseStreamHook(long seed) {
        this.seed = seed;
    }

    /** The averaging round whose tasks are submitted next (0, 1, … over the whole run). */
    void round(long r) {
        this.round = r;
    }

    /** The noise stream of {@code worker}'s copy in {@code round}. */
    static long stream(long seed, long round, int worker) {
        return Seeds.derive(Seeds.derive(seed, round), worker);
    }

    private void assign(Model model) {
        TaskContext task = TaskContext.get();
        NoiseStreams.assign(model, stream(seed, round, task == null ? 0 : task.partitionId()));
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        assign(model);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
        // the stream stays until the next step's preUpdate
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        assign(model);
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        // as above
    }
}
