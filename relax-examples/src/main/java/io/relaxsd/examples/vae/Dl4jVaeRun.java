package io.relaxsd.examples.vae;

import org.nd4j.linalg.lossfunctions.ILossFunction;
import io.relaxsd.layers.PerExampleScoreLoss;
import io.relaxsd.estimator.Estimators;
import com.fasterxml.jackson.core.type.TypeReference;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.examples.util.AtomicFiles;
import io.relaxsd.examples.util.Json;
import io.relaxsd.layers.BernoulliStochasticLayer;
import io.relaxsd.layers.CategoricalStochasticLayer;
import io.relaxsd.layers.StochasticLayer;
import io.relaxsd.samediff.Seeds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The VAE of {@code ./relax vae} as a DL4J {@link MultiLayerNetwork} built from the project's
 * stochastic layers and trained with {@code fit()} ({@code ./relax dl4j-vae}):
 *
 * <pre>
 *   x ─ Dense(hidden…, act) ─ Dense(L·C, identity) = θ ─ StochasticLayer(estimator, klWeight 1) = z
 *     ─ Dense(hidden reversed…, act) ─ Output(784, sigmoid, XENT) vs targets x
 * </pre>
 * with the layers of {@link VaeSetup} (categorical: 784-512-256-(L·C), mirrored, ReLU; binary: 200
 * Bernoulli units, tanh).
 *
 * <p><b>Loss and scale.</b> The output layer's binary cross-entropy ({@link SigmoidBceLoss}, from the
 * logits, as DL4J's losses: summed over the 784 outputs, averaged over the mini-batch); the stochastic
 * layer adds {@code klWeight ·} the batch mean of KL(q(z|x) ‖ uniform) to the score. The network score
 * is therefore
 * <pre>
 *   score = (1/B) Σ_batch [ Σ_pixels BCE(σ(dec(z)), x) + KL(q(·|x) ‖ uniform) ]   (nats per image)
 * </pre>
 * which is {@code ./relax vae}'s {@code loss} (−ELBO, {@link VaeModel}). Its gradient has the same scale:
 * the output layer's and the stochastic layer's ε are per-example sums, and DL4J's updater divides the
 * summed gradient by the batch size. (DL4J's own {@code LossBinaryXENT} clips σ to [1e-5, 1 − 1e-5],
 * which changes both numbers, see {@link SigmoidBceLoss}.)
 *
 * <p><b>Reported −ELBO.</b> Train: the running mean over the epoch of the score of each {@code fit()}
 * step, i.e. of the forward sample (the hard sample for st, reinmax and the other straight-through
 * estimators; the relaxed one for plain gumbel-softmax). Test: one hard sample D ~ q(·|x) per test
 * image, as {@code ./relax vae}: a second network with the trained weights whose stochastic layer uses
 * the straight-through forward (a hard sample for every estimator) and its own noise stream, seeded by
 * (seed, epoch), evaluated with {@code score(data, training = true)}. Drawing the test noise there
 * leaves the training network's noise untouched, so evaluating does not change training and a resumed
 * run continues exactly.
 *
 * <p><b>Files</b> (in the run directory, all written atomically): {@code config.json},
 * {@code checkpoint.zip} (a {@link ModelSerializer} file with the updater state, plus the metrics
 * history and the config fingerprint, every epoch), {@code metrics.csv}, {@code metrics.json}, and
 * the plots of {@link VaeReport}.
 */
public final class Dl4jVaeRun {
    public static final String CHECKPOINT = "checkpoint.zip";
    /** The {@code command} field of this run's {@code config.json}. */
    public static final String COMMAND = "dl4j-vae";
    /** Checkpoint entry with the config fingerprint and the metrics history (JSON). */
    private static final String STATE_KEY = "relax-dl4j-vae";
    /** Stream index of the test noise seed, derived from the run seed. */
    private static final long TEST_NOISE_STREAM = 0x7E57L;
    /** Stream index of the bias initialisation. */
    private static final long BIAS_STREAM = 0xB1A5L;

    private final VaeRunConfig config;
    private final Path dir;
    private final MultiLayerNetwork net;
    private final MultiLayerNetwork evalNet;
    private final List<EpochMetrics> history = new ArrayList<>();

    private Dl4jVaeRun(VaeRunConfig config, Path dir, MultiLayerNetwork net) {
        this.config = config;
        this.dir = dir;
        this.net = net;
        this.evalNet = new MultiLayerNetwork(configuration(config.setup(), EstimatorConfig.builder("st").build(),
                config.optimizer().create(config.learningRate()), config.seed(),
                Seeds.derive(config.seed(), TEST_NOISE_STREAM)));
        evalNet.init();
    }

    /**
     * The network configuration: weights U(±1/√fan_in) as PyTorch's {@code nn.Linear} (and
     * {@link Mlp}); biases start at 0 here, and {@link #start} draws them as Mlp does.
     *
     * @param layerSeed seed of the stochastic layer's noise; null derives it from {@code seed}
     * @throws IllegalArgumentException if the stochastic layer rejects the estimator (its {@code build()})
     */
    public static MultiLayerConfiguration configuration(VaeSetup setup, EstimatorConfig estimator, IUpdater updater,
                                                        long seed, Long layerSeed) {
        // score-function layers read f(b) per example from the output layer's loss (the layers' score channel)
        ILossFunction loss = Estimators.isScoreFunction(estimator.name())
                ? new PerExampleScoreLoss(new SigmoidBceLoss(), SCORE_CHANNEL) : new SigmoidBceLoss();
        return network(setup, stochasticLayer(setup, estimator, layerSeed), loss, updater, seed);
    }

    /**
     * The same network with a plain sigmoid bottleneck instead of the stochastic layer: the θ layer's
     * activation is σ and its output feeds the decoder directly (what {@code ./relax bench --dl4j}
     * compares every stochastic layer against).
     */
    public static MultiLayerConfiguration plainConfiguration(VaeSetup setup, IUpdater updater, long seed) {
        return network(setup, null, new SigmoidBceLoss(), updater, seed);
    }

    /** Encoder, θ, {@code bottleneck} (null: θ with a sigmoid activation instead), decoder, output. */
    private static MultiLayerConfiguration network(VaeSetup setup, StochasticLayer bottleneck, ILossFunction loss,
                                                   IUpdater updater, long seed) {
        Activation act = setup.activation() == VaeSetup.Activation.RELU ? Activation.RELU : Activation.TANH;
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                // DL4J seeds ND4J's generator with it, which ignores 0: --seed 0 (the default) drew fresh weights
                .seed(Seeds.forNd4j(seed)).updater(updater).weightInit(WeightInit.UNIFORM).dataType(DataType.FLOAT)
                .list();
        int in = VaeSetup.PIXELS;
        int[] hidden = setup.hidden();
        for (int h : hidden) {
            list.layer(new DenseLayer.Builder().nIn(in).nOut(h).activation(act).build());
            in = h;
        }
        int width = setup.latentWidth();
        list.layer(new DenseLayer.Builder().nIn(in).nOut(width)
                .activation(bottleneck == null ? Activation.SIGMOID : Activation.IDENTITY).build());  // θ
        if (bottleneck != null) {
            list.layer(bottleneck);
        }
        in = width;
        for (int i = hidden.length - 1; i >= 0; i--) {
            list.layer(new DenseLayer.Builder().nIn(in).nOut(hidden[i]).activation(act).build());
            in = hidden[i];
        }
        list.layer(new OutputLayer.Builder(loss).nIn(in).nOut(VaeSetup.PIXELS)
                .activation(Activation.SIGMOID).build());
        return list.build();
    }

    /** The channel on which the reconstruction loss reaches REINFORCE and RELAX layers. */
    static final String SCORE_CHANNEL = "reconstruction";

    /**
     * Biases uniform in ±1/√fan_in, as PyTorch's {@code nn.Linear} and {@link Mlp} (DL4J can only start
     * them at a constant), from a generator seeded by {@code seed}.
     */
    static void initBiases(MultiLayerNetwork net, long seed) {
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, BIAS_STREAM));
        for (Layer l : net.getLayers()) {
            if (l.conf().getLayer() instanceof FeedForwardLayer f && f.getNIn() > 0 && l.getParam("b") != null) {
                INDArray b = l.getParam("b");
                double bound = 1.0 / Math.sqrt(f.getNIn());
                double[] v = new double[(int) b.length()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (2 * rng.nextDouble() - 1) * bound;
                }
                b.assign(Nd4j.createFromArray(v).castTo(b.dataType()).reshape(b.shape()));
            }
        }
    }

    private static StochasticLayer stochasticLayer(VaeSetup setup, EstimatorConfig estimator, Long layerSeed) {
        boolean score = Estimators.isScoreFunction(estimator.name());
        StochasticLayer.Builder<?> b = setup.binary()
                ? new BernoulliStochasticLayer.Builder().units(setup.variables())
                : new CategoricalStochasticLayer.Builder().groups(setup.variables()).categories(setup.categories());
        b.estimator(estimator).klWeight(1.0);
        if (score) {
            b.scoreFrom(SCORE_CHANNEL);
        }
        if (layerSeed != null) {
            b.seed(layerSeed);
        }
        return (StochasticLayer) b.build();
    }

    /** A fresh run; {@code dir} may be null (no files). */
    public static Dl4jVaeRun start(VaeRunConfig config, Path dir) throws IOException {
        if (dir != null && (Files.exists(dir.resolve(CHECKPOINT)) || Files.exists(dir.resolve(VaeRun.CONFIG)))) {
            throw new IllegalArgumentException(dir + " already holds a run; continue it with --resume " + dir
                    + " or choose another --out");
        }
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(config.setup(), config.estimator(),
                config.optimizer().create(config.learningRate()), config.seed(), null));
        net.init();
        initBiases(net, config.seed());
        Dl4jVaeRun r = new Dl4jVaeRun(config, dir, net);
        if (dir != null) {
            Files.createDirectories(dir);
            r.writeConfig();
        }
        return r;
    }

    /** The configuration saved in a {@code dl4j-vae} run directory. */
    public static VaeRunConfig savedConfig(Path dir) throws IOException {
        Path f = dir.resolve(VaeRun.CONFIG);
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException("--resume: no " + VaeRun.CONFIG + " in " + dir + ": not a " + COMMAND
                    + " run directory");
        }
        Map<String, Object> m = Json.mapper().readValue(f.toFile(), new TypeReference<LinkedHashMap<String, Object>>() { });
        if (!COMMAND.equals(m.get("command"))) {
            throw new IllegalArgumentException("--resume: " + dir + " is not a " + COMMAND + " run (a './relax vae' "
                    + "run? continue it with './relax vae --resume')");
        }
        m.remove("command");
        return VaeRunConfig.fromMap(m);
    }

    /**
     * Continues the run in {@code dir} from its last checkpoint (from scratch if it was killed before its
     * first epoch ended), up to {@code config.epochs()}.
     */
    public static Dl4jVaeRun resume(VaeRunConfig config, Path dir) throws IOException {
        Path ckpt = dir.resolve(CHECKPOINT);
        if (!Files.isRegularFile(ckpt)) {
            Files.deleteIfExists(dir.resolve(VaeRun.CONFIG));
            return start(config, dir);
        }
        String stateJson = ModelSerializer.getObjectFromFile(ckpt.toFile(), STATE_KEY);
        if (stateJson == null) {
            throw new IOException(ckpt + " is not a " + COMMAND + " checkpoint (no " + STATE_KEY + " entry)");
        }
        Map<String, Object> state = Json.mapper().readValue(stateJson, new TypeReference<LinkedHashMap<String, Object>>() { });
        if (!config.fingerprint().equals(state.get("fingerprint"))) {
            throw new IllegalArgumentException("the checkpoint in " + dir + " was made with a different configuration");
        }
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(ckpt.toFile(), true);
        Dl4jVaeRun r = new Dl4jVaeRun(config, dir, net);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) state.get("history");
        for (Map<String, Object> row : rows) {
            r.history.add(fromMap(row));
        }
        if (r.history.size() != net.getEpochCount()) {
            throw new IOException("checkpoint " + ckpt + " is inconsistent: " + r.history.size()
                    + " epochs of metrics, network epoch count " + net.getEpochCount());
        }
        r.writeConfig();
        return r;
    }

    private static EpochMetrics fromMap(Map<String, Object> m) {
        Object gv = m.get("gradient_variance");
        return new EpochMetrics(((Number) m.get("epoch")).intValue(), ((Number) m.get("train_nelbo")).doubleValue(),
                ((Number) m.get("test_nelbo")).doubleValue(), ((Number) m.get("seconds")).doubleValue(),
                ((Number) m.get("samples_per_sec")).doubleValue(), ((Number) m.get("steps")).longValue(),
                gv instanceof Number n ? n.doubleValue() : Double.NaN);
    }

    private void writeConfig() throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", COMMAND);
        m.putAll(config.toMap());
        AtomicFiles.writeString(dir.resolve(VaeRun.CONFIG), Json.pretty(m));
    }

    /**
     * Trains the remaining epochs, one {@code fit(DataSet)} per batch (targets = inputs); after each epoch
     * evaluates, then writes metrics and checkpoint.
     */
    public List<EpochMetrics> train(ImageBatches train, ImageBatches test, VaeRun.Events events) throws IOException {
        while (history.size() < config.epochs()) {
            int epoch = history.size() + 1;
            int stepsInEpoch = train.batchCount();
            long start = System.nanoTime();
            double sum = 0;
            long examples = 0;
            int step = 0;
            Iterator<INDArray> it = train.epoch(epoch);
            while (it.hasNext()) {
                INDArray x = it.next();
                net.fit(new DataSet(x, x));
                double v = net.score();
                if (!Double.isFinite(v)) {
                    throw new IllegalStateException("the -ELBO became " + v + " at step " + net.getIterationCount()
                            + "; try a lower learning rate");
                }
                long b = x.size(0);
                sum += v * b;
                examples += b;
                step++;
                events.onStep(epoch, step, Math.max(step, stepsInEpoch), sum / examples);
            }
            endEpoch(sum, examples, (System.nanoTime() - start) / 1e9, step, test, events);
        }
        return history();
    }

    /**
     * Ends the next epoch after its training steps (here or on a cluster, {@link ClusterTraining}): advances
     * the network's epoch count, evaluates the test −ELBO, writes metrics and checkpoint, reports it.
     *
     * @param nelboSum Σ over the epoch's steps of (step −ELBO × examples of the step)
     */
    public EpochMetrics endEpoch(double nelboSum, long examples, double seconds, int steps, ImageBatches test,
                                 VaeRun.Events events) throws IOException {
        if (examples == 0) {
            throw new IllegalStateException("the training data yielded no batches");
        }
        int epoch = history.size() + 1;
        net.incrementEpochCount();
        EpochMetrics m = new EpochMetrics(epoch, nelboSum / examples, evaluate(test, epoch), seconds,
                examples / seconds, steps, Double.NaN);
        history.add(m);
        if (dir != null) {
            VaeRun.writeMetrics(dir, config, history);
            saveCheckpoint();
        }
        events.onEpoch(m);
        return m;
    }

    /**
     * Test −ELBO: one hard sample per image (the evaluation network's noise of (seed, epoch)), the mean
     * over the set of Σ_pixels BCE + KL.
     */
    public double evaluate(ImageBatches test, int epoch) {
        syncEvalNet(epoch);
        double total = 0;
        long n = 0;
        Iterator<INDArray> it = test.epoch(epoch);
        while (it.hasNext()) {
            INDArray x = it.next();
            total += evalNet.score(new DataSet(x, x), true) * x.size(0);
            n += x.size(0);
        }
        if (n == 0) {
            throw new IllegalStateException("the test data yielded no images");
        }
        return total / n;
    }

    /** Decoder probabilities of one hard sample for each row of {@code x} (reconstruction grids). */
    public INDArray reconstruct(INDArray x) {
        syncEvalNet(0);
        return evalNet.output(x, true);
    }

    /** Copies the trained weights into the evaluation network and restarts its noise at (epoch, draw 0). */
    private void syncEvalNet(int epoch) {
        evalNet.setParams(net.params());
        evalNet.setEpochCount(epoch);
        evalNet.setIterationCount(0);
        for (Layer l : evalNet.getLayers()) {
            l.setEpochCount(epoch);
            l.setIterationCount(0);
        }
    }

    private void saveCheckpoint() throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (EpochMetrics m : history) {
            rows.add(m.toMap());
        }
        Path tmp = Files.createTempFile(dir, "." + CHECKPOINT + ".", ".build");
        try {
            ModelSerializer.writeModel(net, tmp.toFile(), true);
            Map<String, Object> state = new LinkedHashMap<>();
            state.put("fingerprint", config.fingerprint());
            state.put("history", rows);
            ModelSerializer.addObjectToFile(tmp.toFile(), STATE_KEY, Json.mapper().writeValueAsString(state));
            AtomicFiles.write(dir.resolve(CHECKPOINT), out -> Files.copy(tmp, out));
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** {@code provenance.json}: versions, machine, command line, config, data checksums (needs a run directory). */
    public void writeProvenance(VaeData.Split split, List<String> commandLine) throws IOException {
        VaeReport.writeProvenance(config, dir, split, commandLine);
    }

    /** The −ELBO curve and the reconstruction grid (needs a run directory). */
    public void writeRunFiles(VaeData.Split split) throws IOException {
        INDArray digits = split.testImages(config, VaeReport.GRID_DIGITS);
        VaeReport.writeRunFiles(config, history, digits, reconstruct(digits), dir);
    }

    public List<EpochMetrics> history() {
        return Collections.unmodifiableList(history);
    }

    public MultiLayerNetwork network() {
        return net;
    }

    public VaeRunConfig config() {
        return config;
    }
}
