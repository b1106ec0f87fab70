package io.relaxsd.examples.vae;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Data-parallel training of a {@link Dl4jVaeRun} on a cluster ({@code ./relax dl4j-vae --spark MASTER}).
 * The implementation lives in another module (relax-spark, found with {@link ServiceLoader}), so this
 * module does not depend on a cluster framework.
 */
public interface ClusterTraining {

    /**
     * Checks the master URL and the worker count it implies against {@code config} before any data is
     * loaded.
     *
     * @throws IllegalArgumentException with one line naming the option and its value
     */
    void check(String master, int averaging, VaeRunConfig config);

    /**
     * Trains the remaining epochs of {@code run} on the cluster, handing every finished epoch to
     * {@link Dl4jVaeRun#endEpoch} (which evaluates, writes and reports it).
     */
    List<EpochMetrics> train(Dl4jVaeRun run, String master, int averaging, ImageBatches train, ImageBatches test,
                             VaeRun.Events events) throws IOException;

    /** The implementation on the class path, if any. */
    static Optional<ClusterTraining> find() {
        Iterator<ClusterTraining> it = ServiceLoader.load(ClusterTraining.class).iterator();
        return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
    }
}
