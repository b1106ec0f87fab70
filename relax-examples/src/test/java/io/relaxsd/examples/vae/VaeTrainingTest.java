package io.relaxsd.examples.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import io.relaxsd.mnist.MnistDataException;
import io.relaxsd.mnist.MnistDataset;
import io.relaxsd.mnist.MnistFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class VaeTrainingTest {

    /** Real MNIST (first 2000 / 500 images) when it resolves (cache or one npm fetch), else synthetic digits. */
    private static VaeData.Split data;
    private static String dataName;

    @BeforeAll
    static void loadData() {
        try {
            MnistFiles.Location loc = MnistFiles.standard().resolve(null);
            data = VaeData.of(MnistDataset.load(loc, true), MnistDataset.load(loc, false), loc.directory().toString());
            dataName = "MNIST";
        } catch (MnistDataException e) {
            data = SyntheticDigits.split(2000, 500);
            dataName = "synthetic (MNIST unavailable: " + e.getMessage() + ")";
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"reinmax", "st", "relax"})
    void nelboFallsWellBelowItsInitialValue(String estimator) {
        VaeRunConfig cfg = new VaeRunConfig(VaeSetup.categorical(8, 4),
                EstimatorConfig.builder(estimator).temperature(1.0).build(), OptimizerKind.ADAM, 1e-3, 50, 5, 5, 2000,
                500, VaeRunConfig.Binarization.DYNAMIC, 500);
        VaeTrainer trainer = new VaeTrainer(VaeModel.build(cfg.setup(), cfg.estimator(), 11),
                cfg.optimizer().create(cfg.learningRate()), cfg.seed(), cfg.evalBatch());
        ImageBatches train = data.train(cfg);
        ImageBatches test = data.test(cfg);
        double initial = trainer.evaluate(test, 0);
        EpochMetrics last = null;
        for (int e = 0; e < cfg.epochs(); e++) {      // 5 × 40 = 200 steps
            last = trainer.runEpoch(train, test, null);
        }
        System.out.printf("[vae-test %s] %s 8x4: test -ELBO %.2f -> %.2f (train %.2f, %d steps, E sum g^2 %.4g)%n",
                dataName, estimator, initial, last.testNelbo(), last.trainNelbo(), trainer.iteration(),
                last.gradientVariance());
        assertTrue(initial > 400, "initial -ELBO " + initial);
        assertTrue(last.testNelbo() < 0.5 * initial, "test -ELBO " + last.testNelbo() + " vs initial " + initial);
    }

    @Test
    void binaryLinearNelboFalls() {
        VaeData.Split data = SyntheticDigits.split(1000, 300);
        VaeRunConfig cfg = new VaeRunConfig(VaeSetup.binaryLinear(), EstimatorConfig.of("st"), OptimizerKind.ADAM, 1e-3,
                50, 5, 2, 0, 0, VaeRunConfig.Binarization.DYNAMIC, 300);
        VaeTrainer trainer = new VaeTrainer(VaeModel.build(cfg.setup(), cfg.estimator(), 2),
                cfg.optimizer().create(cfg.learningRate()), 2, 300);
        double initial = trainer.evaluate(data.test(cfg), 0);
        EpochMetrics last = null;
        for (int e = 0; e < cfg.epochs(); e++) {
            last = trainer.runEpoch(data.train(cfg), data.test(cfg), null);
        }
        System.out.printf("[vae-test synthetic] binary-linear st: test -ELBO %.2f -> %.2f%n", initial, last.testNelbo());
        assertTrue(last.testNelbo() < 0.6 * initial, "test -ELBO " + last.testNelbo() + " vs initial " + initial);
    }

    /** RELAX's surrogate pre-training moves φ and nothing else. */
    @Test
    void pretrainingMovesOnlyPhi() {
        SyntheticDigits train = new SyntheticDigits(100, 50, 3);
        VaeModel model = VaeModel.build(VaeSetup.categorical(4, 3),
                EstimatorConfig.builder("relax").pretrainSteps(4).build(), 5);
        VaeTrainer trainer = new VaeTrainer(model, OptimizerKind.ADAM.create(1e-3), 9, 64);
        Map<String, INDArray> params = new java.util.HashMap<>();
        model.parameters().forEach((k, v) -> params.put(k, v.dup()));
        Map<String, INDArray> phi = new java.util.HashMap<>();
        model.controlParameters().forEach((k, v) -> phi.put(k, v.dup()));
        assertTrue(!phi.isEmpty());
        trainer.pretrainControl(train, 4);
        model.parameters().forEach((k, v) -> assertEquals(params.get(k), v, k + " moved during pre-training"));
        double moved = 0;
        for (Map.Entry<String, INDArray> e : model.controlParameters().entrySet()) {
            moved += e.getValue().sub(phi.get(e.getKey())).norm2Number().doubleValue();
        }
        assertTrue(moved > 1e-4, "phi did not move: " + moved);
        assertEquals(0, trainer.iteration());
    }

    /**
     * Also REINFORCE with a running-mean baseline, whose baseline is training state outside the
     * parameters, and RELAX with the context surrogate, whose mean image x̄ is.
     */
    @ParameterizedTest
    @ValueSource(strings = {"reinmax", "reinforce", "relax-context"})
    void resumedRunEqualsUninterruptedRun(String estimator) throws Exception {
        SyntheticDigits train = new SyntheticDigits(300, 50, 3);
        SyntheticDigits test = new SyntheticDigits(100, 100, 4);
        EstimatorConfig cfg = switch (estimator) {
            case "reinmax" -> EstimatorConfig.builder("reinmax").temperature(1.5).build();
            case "reinforce" -> EstimatorConfig.builder("reinforce").baseline(EstimatorConfig.Baseline.RUNNING_MEAN)
                    .build();
            default -> EstimatorConfig.builder("relax").surrogate(
                    EstimatorConfig.SurrogateKind.RELAXED_LOSS_PLUS_CONTEXT_MLP).surrogateWidths(16, 16).build();
        };
        VaeSetup setup = VaeSetup.categorical(4, 3);

        VaeTrainer full = new VaeTrainer(VaeModel.build(setup, cfg, 21), OptimizerKind.RADAM.create(1e-3), 9, 64);
        for (int e = 0; e < 3; e++) {
            full.runEpoch(train, test, null);
        }

        VaeTrainer first = new VaeTrainer(VaeModel.build(setup, cfg, 21), OptimizerKind.RADAM.create(1e-3), 9, 64);
        first.runEpoch(train, test, null);
        ByteArrayOutputStream saved = new ByteArrayOutputStream();
        first.writeCheckpoint(saved, "fp");
        // a fresh process: different initial weights, all of it replaced by the checkpoint
        VaeTrainer resumed = new VaeTrainer(VaeModel.build(setup, cfg, 99), OptimizerKind.RADAM.create(1e-3), 9, 64);
        resumed.readCheckpoint(new ByteArrayInputStream(saved.toByteArray()), "fp");
        assertEquals(1, resumed.epochsDone());
        for (int e = 1; e < 3; e++) {
            resumed.runEpoch(train, test, null);
        }
        List<EpochMetrics> a = full.history();
        List<EpochMetrics> b = resumed.history();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).trainNelbo(), b.get(i).trainNelbo(), 0.0, "train, epoch " + (i + 1));
            assertEquals(a.get(i).testNelbo(), b.get(i).testNelbo(), 0.0, "test, epoch " + (i + 1));
        }
        assertTrue(full.replaying() && resumed.replaying(), "the steps ran from recordings, not the session");
        for (String name : full.model().parameters().keySet()) {
            INDArray pa = full.model().parameters().get(name);
            INDArray pb = resumed.model().parameters().get(name);
            assertEquals(pa, pb, name);
        }
        assertEquals(full.iteration(), resumed.iteration());
        if (estimator.equals("relax-context")) {
            INDArray mean = VaeTrainer.meanImage(train);
            assertTrue(mean.sumNumber().doubleValue() > 1, "a non-trivial mean image");
            INDArray used = resumed.model().sameDiff().getVariable(VaeModel.INPUT_MEAN).getArr();
            assertEquals(0, mean.castTo(used.dataType()).reshape(used.shape()).sub(used).amaxNumber().doubleValue(),
                    1e-6, "the resumed model reads the training set's mean image, restored from the checkpoint");
        }
    }
}
