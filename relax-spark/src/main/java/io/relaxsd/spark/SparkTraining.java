package io.relaxsd.spark;

import io.relaxsd.examples.vae.ClusterTraining;
import io.relaxsd.examples.vae.Dl4jVaeRun;
import io.relaxsd.examples.vae.EpochMetrics;
import io.relaxsd.examples.vae.ImageBatches;
import io.relaxsd.examples.vae.VaeRun;
import io.relaxsd.examples.vae.VaeRunConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import scala.Tuple2;

/**
 * {@code ./relax dl4j-vae --spark MASTER}: the run's network trained by DL4J's {@link SparkDl4jMultiLayer}
 * with a {@link ParameterAveragingTrainingMaster}.
 *
 * <p><b>One round.</b> W workers (the master's default parallelism: N for {@code local[N]}); every batch
 * of B images is cut into W consecutive slices of B/W rows, slice w going to worker w. A round hands each
 * worker {@code --averaging} A slices; each worker starts from the driver's parameters and updater state,
 * takes A optimizer steps on its slices, and the driver replaces parameters and updater state by the mean
 * over workers (DL4J's parameter averaging, with the updater state averaged too). With A = 1 a round is
 * one step on B examples, the gradient of each worker's B/W examples averaged through the parameters.
 *
 * <p><b>Noise.</b> {@link NoiseStreamHook}: each worker's stochastic layers draw from their own stream
 * of (seed, round, worker), and by iteration within the round.
 *
 * <p><b>Reported train −ELBO</b>: per round the mean over workers of the score of each worker's last
 * step (DL4J's {@code getScore()}), weighted by the round's examples; with A = 1 the running mean of
 * every step's −ELBO, as in single-process training. The test −ELBO is {@link Dl4jVaeRun#evaluate}'s,
 * on the driver.
 */
public final class SparkTraining implements ClusterTraining {
    private final List<TrainingHook> extraHooks;

    /** The service instance (found by {@link ClusterTraining#find}). */
    public SparkTraining() {
        this(List.of());
    }

    /** With hooks run after the noise hook on every worker step (tests record what the workers saw). */
    SparkTraining(List<TrainingHook> extraHooks) {
        this.extraHooks = List.copyOf(extraHooks);
    }

    @Override
    public void check(String master, int averaging, VaeRunConfig config) {
        SparkMaster m = SparkMaster.parse(master);
        if (averaging < 1) {
            throw new IllegalArgumentException("--averaging must be >= 1, got " + averaging);
        }
        if (m.localWorkers().isPresent()) {
            SparkMaster.examplesPerWorker(m.url(), m.localWorkers().getAsInt(), config.batch());
        }
    }

    @Override
    public List<EpochMetrics> train(Dl4jVaeRun run, String master, int averaging, ImageBatches train,
                                    ImageBatches test, VaeRun.Events events) throws IOException {
        VaeRunConfig cfg = run.config();
        check(master, averaging, cfg);
        SparkConf conf = new SparkConf().setAppName("relax dl4j-vae " + cfg.estimator().name()).setMaster(master.strip())
                .setIfMissing("spark.ui.enabled", "false");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            try {
                trainEpochs(sc, run, master, averaging, train, test, events);
            } catch (IllegalStateException e) {
                if (sc.sc().isStopped()) {      // Spark says only "Cannot call methods on a stopped SparkContext"
                    throw new IllegalStateException("--spark " + master + ": Spark stopped the application (an "
                            + "unreachable master, or executors that failed: see Spark's error above)", e);
                }
                throw e;
            }
        }
        return run.history();
    }

    private void trainEpochs(JavaSparkContext sc, Dl4jVaeRun run, String master, int averaging, ImageBatches train,
                             ImageBatches test, VaeRun.Events events) throws IOException {
        VaeRunConfig cfg = run.config();
        sc.setLogLevel("WARN");
        int workers = sc.defaultParallelism();
        int perWorker = SparkMaster.examplesPerWorker(master, workers, cfg.batch());
        NoiseStreamHook noise = new NoiseStreamHook(cfg.seed());
        List<TrainingHook> hooks = new ArrayList<>();
        hooks.add(noise);
        hooks.addAll(extraHooks);
        ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(workers, perWorker)
                .batchSizePerWorker(perWorker)
                .averagingFrequency(averaging)
                .workerPrefetchNumBatches(0)
                .saveUpdater(true)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .repartionData(Repartition.Never)
                .collectTrainingStats(false)
                .rngSeed(cfg.seed())
                .trainingHooks(hooks)
                .build();
        MultiLayerNetwork net = run.network();
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, net, tm);
        long round = (long) run.history().size() * roundsPerEpoch(train.batchCount(), averaging);
        while (run.history().size() < cfg.epochs()) {
            int epoch = run.history().size() + 1;
            int rounds = roundsPerEpoch(train.batchCount(), averaging);
            long start = System.nanoTime();
            double sum = 0;
            long examples = 0;
            int steps = 0;
            Iterator<INDArray> it = train.epoch(epoch);
            for (int r = 1; it.hasNext(); r++) {
                List<Tuple2<Integer, DataSet>> slices = new ArrayList<>();
                long n = 0;
                int k = 0;
                for (; k < averaging && it.hasNext(); k++) {
                    INDArray x = it.next();
                    n += x.size(0);
                    slice(x, workers, slices);
                }
                noise.round(round++);
                long iterations = net.getIterationCount();
                JavaRDD<DataSet> rdd = sc.parallelizePairs(slices, workers)
                        .partitionBy(new HashPartitioner(workers)).values();
                sparkNet.fit(rdd);
                if (sparkNet.getNetwork() != net) {
                    throw new IllegalStateException("DL4J's Spark master replaced the network object");
                }
                // the averaged copies took k steps each: the driver's Adam/RAdam step count follows
                net.setIterationCount((int) (iterations + k));
                double v = sparkNet.getScore();
                if (!Double.isFinite(v)) {
                    throw new IllegalStateException("the -ELBO became " + v + " in epoch " + epoch + ", round " + r
                            + "; try a lower learning rate");
                }
                sum += v * n;
                examples += n;
                steps += k;
                events.onStep(epoch, r, Math.max(r, rounds), sum / examples);
            }
            run.endEpoch(sum, examples, (System.nanoTime() - start) / 1e9, steps, test, events);
        }
    }

    private static int roundsPerEpoch(int batches, int averaging) {
        return (batches + averaging - 1) / averaging;
    }

    /**
     * Cuts a batch into {@code workers} consecutive row slices keyed by worker (sizes differ by at most one
     * when the batch is short; a worker gets no slice of a batch with fewer rows than workers).
     */
    static void slice(INDArray x, int workers, List<Tuple2<Integer, DataSet>> out) {
        long rows = x.size(0);
        for (int w = 0; w < workers; w++) {
            long from = rows * w / workers;
            long to = rows * (w + 1) / workers;
            if (to > from) {
                INDArray part = x.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup();
                out.add(new Tuple2<>(w, new DataSet(part, part)));
            }
        }
    }
}
