package io.relaxsd.examples.vae;

import io.relaxsd.estimator.StateUpdate;
import io.relaxsd.examples.util.AtomicFiles;
import io.relaxsd.samediff.RecordedGraph;
import io.relaxsd.samediff.ReplayedCall;
import io.relaxsd.samediff.Seeds;
import io.relaxsd.train.TwoGroupTrainer;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The training loop of {@link VaeModel}: per step, fresh noise from a seeded ND4J {@link Random},
 * ONE {@code calculateGradientsAndOutputs} call on the model's graph (gradients of all parameters
 * and the −ELBO of the same sample), replayed by {@link ReplayedCall}, then a per-parameter updater
 * applied in place. Pathwise and score-function estimators, categorical and binary setups alike.
 *
 * <p>Determinism: the noise of epoch e comes from its own generator seeded by (seed, e), and the
 * test noise from another, so a run restored from the checkpoint of epoch e − 1 continues exactly as
 * an uninterrupted run does (given {@link ImageBatches} that are a function of the epoch).
 */
public final class VaeTrainer {
    /** Called after every training step. */
    public interface Listener {
        void onStep(int epoch, int step, int stepsInEpoch, double runningTrainNelbo);

        /** Progress of an IWAE evaluation ({@code what} = "test" or "validation"): images done of total. */
        default void onIwae(int epoch, String what, int done, int total) {
        }
    }

    private static final int CHECKPOINT_MAGIC = 0x52565145;   // "RVQE"
    private static final int CHECKPOINT_VERSION = 2;   // 2: validation and IWAE columns

    private final VaeModel model;
    private final Map<String, INDArray> params;
    private final List<String> paramNames;
    private final ParameterUpdaters updaters;
    private final Map<String, INDArray> controls;
    private final ParameterUpdaters controlUpdaters;      // null without control variates
    private final List<String> stepOutputs;
    private double lastSecondMoment = Double.NaN;
    private final long seed;
    private final int evalBatch;
    private final List<EpochMetrics> history = new ArrayList<>();
    private int iteration;
    private final ReplayedCall graphStep;      // the whole graph: outputs and every parameter's gradient
    private ReplayedCall probe;                // gradient(): the same with θ's gradient, made on first use

    /**
     * @param evalBatch rows per {@code output} call when evaluating the test set
     */
    public VaeTrainer(VaeModel model, IUpdater updater, long seed, int evalBatch) {
        if (evalBatch < 1) {
            throw new IllegalArgumentException("evalBatch must be >= 1, got " + evalBatch);
        }
        this.model = model;
        this.params = model.parameters();
        this.controls = model.controlParameters();
        List<String> names = new ArrayList<>(params.keySet());
        names.addAll(controls.keySet());
        this.paramNames = List.copyOf(names);
        this.updaters = new ParameterUpdaters(params, updater);
        // φ as in the official RELAX code: Adam at phiLrMultiplier × the model's lr, β2 = 0.99999
        this.controlUpdaters = controls.isEmpty() ? null : new ParameterUpdaters(controls,
                TwoGroupTrainer.controlUpdater(updater, model.estimator().phiLrMultiplier()));
        List<String> outs = new ArrayList<>();
        if (model.scoreFunction()) {
            outs.add(VaeModel.NELBO_SUM);
            outs.add(VaeModel.GRADIENT_SECOND_MOMENT);
            for (StateUpdate u : model.stateUpdates()) {
                if (!outs.contains(u.output())) {
                    outs.add(u.output());
                }
            }
        } else {
            outs.add(model.relaxedForward() ? VaeModel.NELBO_SUM : VaeModel.LOSS);
        }
        this.stepOutputs = List.copyOf(outs);
        this.seed = seed;
        this.evalBatch = evalBatch;
        model.prepareGradients();
        // every model trains through its one graph, replayed (RecordedGraph: no session scheduling,
        // arrays allocated once, host loops for the kernels libnd4j runs slowly)
        this.graphStep = ReplayedCall.gradientsAndOutputs(model.sameDiff(), stepOutputs, paramNames);
    }

    /**
     * GEMM FLOPs the graph step executes per step, counted on its recording
     * ({@link ReplayedCall#matmulFlops()}); NaN before the first step.
     */
    public double recordedMatmulFlops() {
        return graphStep.matmulFlops();
    }

    /**
     * A diagnostic: the graph step on the pixel batch {@code x} replayed {@code rounds} times with
     * every op timed alone ({@link ReplayedCall#profile}); no update is applied.
     */
    public List<RecordedGraph.OpTime> profile(INDArray x, Random rng, int rounds) {
        return graphStep.profile(model.feed(x, rng), rounds);
    }

    /** False once the graph step's recording was refused and it runs through the session. */
    boolean replaying() {
        return graphStep.replaying();
    }

    /** One optimisation step on the pixel batch {@code x}; returns its −ELBO (hard sample, batch mean). */
    public double step(INDArray x, Random rng) {
        Map<String, INDArray> feed = model.feed(x, rng);
        // outputs under their names, gradients under their parameters' names (replayed: no session
        // scheduling, no per-step allocation of the graph's arrays)
        Map<String, INDArray> outs = graphStep.run(feed);
        String out = stepOutputs.get(0);
        double value = outs.get(out).getDouble(0);
        if (!out.equals(VaeModel.LOSS)) {
            value /= x.size(0);
        }
        lastSecondMoment = model.scoreFunction() ? outs.get(VaeModel.GRADIENT_SECOND_MOMENT).getDouble(0) : Double.NaN;
        if (!Double.isFinite(value)) {
            throw new IllegalStateException("the -ELBO became " + value + " at step " + (iteration + 1)
                    + "; try a lower learning rate");
        }
        updaters.apply(outs, iteration, history.size());
        if (controlUpdaters != null) {
            // φ's Adam clock runs on from its pre-training steps
            controlUpdaters.apply(outs, iteration + model.estimator().pretrainSteps(), history.size());
        }
        for (StateUpdate u : model.stateUpdates()) {
            u.apply().accept(outs.get(u.output()));
        }
        iteration++;
        return value;
    }

    /**
     * The gradients of one training step on {@code feed} ({@link VaeModel#feed}: pixels and noise),
     * without any update: parameters, φ, optimiser state, step count and graph state (such as a
     * running-mean baseline) stay as they are. The same graph as {@link #step}, replayed
     * ({@link ReplayedCall}), with the encoder's logits θ among the differentiated variables.
     *
     * <p>{@link StepGradient#logits()} is the model-loss gradient with respect to the encoder's
     * logits, per example: row b is ∂(−ELBO_b)/∂θ_b = the estimator's estimate of ∂E[recon_b]/∂θ_b
     * (for score-function estimators ĝ itself: their node's model loss differentiates to ĝ/B in θ and
     * the variance loss reaches φ only) plus the exact ∂KL_b/∂θ_b, both from the graph's autodiff of
     * the batch-mean training loss, times B. {@link StepGradient#parameters()} are the gradients of the
     * batch-mean training loss with respect to the model parameters (encoder and decoder), as
     * {@link #step} applies them. The arrays may be overwritten by the next call.
     */
    public StepGradient gradient(Map<String, INDArray> feed) {
        long b = feed.get(VaeModel.INPUT).size(0);
        String reported = stepOutputs.get(0);
        if (probe == null) {
            List<String> vars = new ArrayList<>(params.keySet());
            vars.add(VaeModel.LOGITS);
            probe = ReplayedCall.gradientsAndOutputs(model.sameDiff(), List.of(reported), vars);
        }
        Map<String, INDArray> outs = probe.run(feed);
        Map<String, INDArray> grads = new LinkedHashMap<>();
        for (String name : params.keySet()) {
            grads.put(name, outs.get(name));
        }
        double value = outs.get(reported).getDouble(0);
        double nelbo = reported.equals(VaeModel.LOSS) ? value : value / b;
        return new StepGradient(nelbo, outs.get(VaeModel.LOGITS).mul(b), grads);
    }

    /**
     * One step's gradients ({@link #gradient}).
     *
     * @param nelbo      −ELBO of the drawn sample, batch mean
     * @param logits     ∂(−ELBO_b)/∂θ_b per example, {@code [B, latent width]}
     * @param parameters ∂(batch-mean loss)/∂w under the parameters' names
     */
    public record StepGradient(double nelbo, INDArray logits, Map<String, INDArray> parameters) {
    }

    /**
     * Surrogate pre-training: {@code steps} updates of φ alone (the model stays put) on training
     * batches, before the first model step; a no-op without φ. Uses its own noise stream, so the
     * training run that follows draws the same noise with and without it. Runs as a replay of
     * the φ-gradient call.
     */
    public void pretrainControl(ImageBatches train, int steps) {
        if (controlUpdaters == null || steps <= 0) {
            return;
        }
        Random rng = epochRandom(seed, 0, 2);
        int done = 0;
        // φ's gradients only, replayed (the session costs ~60 µs per op per step)
        ReplayedCall phiStep = ReplayedCall.gradients(model.sameDiff(), new ArrayList<>(controls.keySet()));
        while (done < steps) {
            Iterator<INDArray> it = train.epoch(0);
            if (!it.hasNext()) {
                throw new IllegalStateException("the training data yielded no batches");
            }
            while (it.hasNext() && done < steps) {
                Map<String, INDArray> grads = phiStep.run(model.feed(it.next(), rng));
                controlUpdaters.apply(grads, done, 0);
                done++;
            }
        }
    }

    /** Trains one epoch, evaluates, records and returns its metrics. */
    public EpochMetrics runEpoch(ImageBatches train, ImageBatches test, Listener listener) {
        return runEpoch(train, null, test, 0, listener);
    }

    /**
     * Trains one epoch and evaluates it: single-sample −ELBO on the test and (if not null) the
     * validation set, and with {@code iwaeSamples} = k > 0 the −IWAE_k bound on both
     * ({@link IwaeBound}; noise seeded by (seed, epoch) on streams of its own).
     */
    public EpochMetrics runEpoch(ImageBatches train, ImageBatches validation, ImageBatches test, int iwaeSamples,
                                 Listener listener) {
        int epoch = history.size() + 1;
        if (epoch == 1 && iteration == 0) {
            prepare(train);
        }
        Random rng = epochRandom(seed, epoch, 0);
        int stepsInEpoch = train.batchCount();
        long start = System.nanoTime();
        double sum = 0;
        double secondMoment = 0;
        long examples = 0;
        int step = 0;
        Iterator<INDArray> it = train.epoch(epoch);
        while (it.hasNext()) {
            INDArray x = it.next();
            double v = step(x, rng);
            secondMoment += lastSecondMoment;
            long b = x.size(0);
            sum += v * b;
            examples += b;
            step++;
            if (listener != null) {
                listener.onStep(epoch, step, Math.max(step, stepsInEpoch), sum / examples);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (examples == 0) {
            throw new IllegalStateException("the training data yielded no batches");
        }
        double test1 = evaluate(test, epoch);
        double valid1 = validation == null ? Double.NaN : evaluate(validation, epoch, 3);
        double testIwae = iwaeSamples > 0 ? iwae(test, epoch, 4, iwaeSamples, "test", listener) : Double.NaN;
        double validIwae = iwaeSamples > 0 && validation != null
                ? iwae(validation, epoch, 5, iwaeSamples, "validation", listener) : Double.NaN;
        EpochMetrics m = new EpochMetrics(epoch, sum / examples, test1, seconds, examples / seconds, step,
                secondMoment / step, valid1, testIwae, validIwae);
        history.add(m);
        return m;
    }

    /**
     * Before the first step: x̄ of {@code train} into the model ({@link VaeModel#initialiseFromData}:
     * the encoder's centring and, in binary setups, the decoder's output bias), then the surrogate's
     * pre-training.
     */
    void prepare(ImageBatches train) {
        if (model.usesInputMean() || model.setup().binary()) {
            model.initialiseFromData(meanImage(train));
        }
        pretrainControl(train, model.estimator() == null ? 0 : model.estimator().pretrainSteps());
    }

    /** x̄: the mean of the training images as the run sees them (its first epoch's batches), {@code [1, 784]}. */
    static INDArray meanImage(ImageBatches train) {
        INDArray sum = null;
        long n = 0;
        Iterator<INDArray> it = train.epoch(1);
        while (it.hasNext()) {
            INDArray b = it.next();
            INDArray s = b.sum(true, 0).castTo(DataType.DOUBLE);
            sum = sum == null ? s : sum.addi(s);
            n += b.size(0);
        }
        if (n == 0) {
            throw new IllegalStateException("the training data yielded no batches");
        }
        return sum.divi(n);
    }

    private double iwae(ImageBatches data, int epoch, int stream, int k, String what, Listener listener) {
        int total = data.size();
        if (listener != null) {
            listener.onIwae(epoch, what, 0, total);   // the bar's clock starts before the first batch
        }
        return IwaeBound.evaluate(model, data, k, evalBatch, epochRandom(seed, epoch, stream),
                listener == null ? null : done -> listener.onIwae(epoch, what, done, total));
    }

    /** Test −ELBO: one sample per image, averaged over the whole set; the noise is seeded by (seed, epoch). */
    public double evaluate(ImageBatches test, int epoch) {
        return evaluate(test, epoch, 1);
    }

    private double evaluate(ImageBatches test, int epoch, int stream) {
        Random rng = epochRandom(seed, epoch, stream);
        double total = 0;
        long n = 0;
        Iterator<INDArray> it = test.epoch(epoch);
        while (it.hasNext()) {
            INDArray batch = it.next();
            for (long from = 0; from < batch.size(0); from += evalBatch) {
                long to = Math.min(batch.size(0), from + evalBatch);
                INDArray x = from == 0 && to == batch.size(0) ? batch
                        : batch.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to),
                        org.nd4j.linalg.indexing.NDArrayIndex.all());
                Map<String, INDArray> out = model.sameDiff().output(model.feed(x, rng), VaeModel.NELBO_SUM);
                total += out.get(VaeModel.NELBO_SUM).getDouble(0);
                n += to - from;
            }
        }
        if (n == 0) {
            throw new IllegalStateException("the test data yielded no images");
        }
        return total / n;
    }

    /** Decoder probabilities of the hard sample for {@code x} (for reconstruction grids). */
    public INDArray reconstruct(INDArray x, long noiseSeed) {
        Random rng = Seeds.generator(noiseSeed);
        return model.sameDiff().output(model.feed(x, rng), VaeModel.RECONSTRUCTION).get(VaeModel.RECONSTRUCTION);
    }

    /**
     * A generator for (seed, epoch, stream): stream 0 = training noise, 1 = test noise, 2 = surrogate
     * pre-training, 3 = validation noise, 4 and 5 = the IWAE samples of the test and validation sets.
     */
    static Random epochRandom(long seed, int epoch, int stream) {
        long s = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch * 31L + stream).nextLong();
        return Seeds.generator(s);
    }

    public List<EpochMetrics> history() {
        return Collections.unmodifiableList(history);
    }

    public int epochsDone() {
        return history.size();
    }

    public int iteration() {
        return iteration;
    }

    public VaeModel model() {
        return model;
    }

    /** Writes params, updater state, step counter and history to {@code out} (a checkpoint payload). */
    public void writeCheckpoint(OutputStream out, String fingerprint) throws IOException {
        DataOutputStream d = new DataOutputStream(new BufferedOutputStream(out));
        d.writeInt(CHECKPOINT_MAGIC);
        d.writeInt(CHECKPOINT_VERSION);
        d.writeUTF(fingerprint);
        d.writeInt(iteration);
        d.writeInt(history.size());
        for (EpochMetrics m : history) {
            d.writeInt(m.epoch());
            d.writeDouble(m.trainNelbo());
            d.writeDouble(m.testNelbo());
            d.writeDouble(m.seconds());
            d.writeDouble(m.samplesPerSec());
            d.writeLong(m.steps());
            d.writeDouble(m.gradientVariance());
            d.writeDouble(m.validationNelbo());
            d.writeDouble(m.testIwae());
            d.writeDouble(m.validationIwae());
        }
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        params.forEach((k, v) -> arrays.put("param:" + k, v));
        updaters.states().forEach((k, v) -> arrays.put("updater:" + k, v));
        controls.forEach((k, v) -> arrays.put("control:" + k, v));
        model.stateVariables().forEach((k, v) -> arrays.put("state:" + k, v));
        if (controlUpdaters != null) {
            controlUpdaters.states().forEach((k, v) -> arrays.put("control-updater:" + k, v));
        }
        d.writeInt(arrays.size());
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            d.writeUTF(e.getKey());
            Nd4j.write(e.getValue(), d);
        }
        d.flush();
    }

    /** A checkpoint's content as written by {@link #writeCheckpoint}. */
    private record Payload(String fingerprint, int iteration, List<EpochMetrics> history, Map<String, INDArray> arrays) {
    }

    private static Payload readPayload(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(new BufferedInputStream(in));
        try {
            if (d.readInt() != CHECKPOINT_MAGIC) {
                throw new IOException("not a relax VAE checkpoint");
            }
            int version = d.readInt();
            if (version != CHECKPOINT_VERSION && version != 1) {
                throw new IOException("unsupported checkpoint version " + version);
            }
            String fingerprint = d.readUTF();
            int iter = d.readInt();
            int epochs = d.readInt();
            List<EpochMetrics> h = new ArrayList<>();
            for (int i = 0; i < epochs; i++) {
                EpochMetrics m = new EpochMetrics(d.readInt(), d.readDouble(), d.readDouble(), d.readDouble(),
                        d.readDouble(), d.readLong(), d.readDouble());
                if (version >= 2) {   // 2: validation and IWAE columns
                    m = new EpochMetrics(m.epoch(), m.trainNelbo(), m.testNelbo(), m.seconds(), m.samplesPerSec(),
                            m.steps(), m.gradientVariance(), d.readDouble(), d.readDouble(), d.readDouble());
                }
                h.add(m);
            }
            int count = d.readInt();
            Map<String, INDArray> arrays = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String key = d.readUTF();
                arrays.put(key, Nd4j.read(d));
            }
            return new Payload(fingerprint, iter, h, arrays);
        } catch (java.io.EOFException e) {
            throw new IOException("the checkpoint is truncated");
        }
    }

    /** Restores a checkpoint written by {@link #writeCheckpoint}; the fingerprint must match. */
    public void readCheckpoint(InputStream in, String fingerprint) throws IOException {
        Payload payload = readPayload(in);
        if (!payload.fingerprint().equals(fingerprint)) {
            throw new IllegalArgumentException("the checkpoint was made with a different configuration:\n  saved:   "
                    + payload.fingerprint() + "\n  current: " + fingerprint);
        }
        Map<String, INDArray> states = new LinkedHashMap<>();
        Map<String, INDArray> controlStates = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : payload.arrays().entrySet()) {
            String key = e.getKey();
            INDArray a = e.getValue();
            if (key.startsWith("param:")) {
                INDArray p = params.get(key.substring(6));
                if (p == null || p.length() != a.length()) {
                    throw new IOException("checkpoint parameter " + key + " does not fit the model");
                }
                p.assign(a.reshape(p.shape()));
            } else if (key.startsWith("updater:")) {
                states.put(key.substring(8), a);
            } else if (key.startsWith("control:")) {
                INDArray p = controls.get(key.substring(8));
                if (p == null || p.length() != a.length()) {
                    throw new IOException("checkpoint control parameter " + key + " does not fit the model");
                }
                p.assign(a.reshape(p.shape()));
            } else if (key.startsWith("state:")) {
                INDArray v = model.stateVariables().get(key.substring(6));
                if (v == null || v.length() != a.length()) {
                    throw new IOException("checkpoint state " + key + " does not fit the model");
                }
                v.assign(a.reshape(v.shape()));
            } else if (key.startsWith("control-updater:")) {
                controlStates.put(key.substring(16), a);
            }
        }
        updaters.restore(states);
        if (controlUpdaters != null) {
            controlUpdaters.restore(controlStates);
        }
        iteration = payload.iteration();
        history.clear();
        history.addAll(payload.history());
    }

    /**
     * Loads only the model parameters (encoder, decoder, prior) of a checkpoint, and x̄ if the model
     * reads it, written by a run of any estimator and optimiser: to evaluate other estimators at the
     * same weights. Everything else
     * (φ, optimiser state, history) stays as it is. Every parameter must be in the checkpoint with
     * exactly this model's shape; nothing is changed otherwise.
     *
     * @return the configuration fingerprint the checkpoint was written with
     * @throws IllegalArgumentException if a parameter is missing or has another shape
     */
    public String loadParameters(Path file) throws IOException {
        Payload payload;
        try (InputStream in = Files.newInputStream(file)) {
            payload = readPayload(in);
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray a = payload.arrays().get("param:" + e.getKey());
            if (a == null) {
                throw new IllegalArgumentException(file + " has no parameter " + e.getKey() + " of the "
                        + model.setup().label() + " model");
            }
            if (!java.util.Arrays.equals(a.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException(file + ": parameter " + e.getKey() + " is "
                        + java.util.Arrays.toString(a.shape()) + " there but " + java.util.Arrays.toString(e.getValue().shape())
                        + " in the " + model.setup().label() + " model");
            }
        }
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            e.getValue().assign(payload.arrays().get("param:" + e.getKey()));
        }
        // x̄ is part of the function the parameters compute (the encoder reads x − x̄)
        INDArray mean = payload.arrays().get("state:" + VaeModel.INPUT_MEAN);
        if (mean != null && model.usesInputMean()) {
            INDArray target = model.inputMean();
            target.assign(mean.reshape(target.shape()));
        }
        return payload.fingerprint();
    }

    /** Saves a checkpoint file atomically (temporary file, then rename). */
    public void saveCheckpoint(Path file, String fingerprint) throws IOException {
        AtomicFiles.write(file, out -> writeCheckpoint(out, fingerprint));
    }

    public void loadCheckpoint(Path file, String fingerprint) throws IOException {
        try (InputStream i = Files.newInputStream(file)) {
            readCheckpoint(i, fingerprint);
        }
    }
}
