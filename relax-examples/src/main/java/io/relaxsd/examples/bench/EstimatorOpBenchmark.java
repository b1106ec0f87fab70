package io.relaxsd.examples.bench;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.samediff.Discrete;
import io.relaxsd.samediff.GradFunctions;
import io.relaxsd.samediff.Seeds;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH: forward + backward of one categorical {@link Discrete} node, batch 100 × 16 variables × 8
 * categories (FLOAT), per estimator. The loss is Σ out ⊙ w for a fixed upstream gradient w, so
 * the measurement is the node alone. Run with {@code ./relax bench --jmh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class EstimatorOpBenchmark {
    static final int BATCH = 100;
    static final int VARIABLES = 16;
    static final int CATEGORIES = 8;

    /** Overridden by {@code ./relax bench --jmh} with every registered pathwise estimator. */
    @Param({"st", "reinmax"})
    public String estimator;

    private SameDiff sd;
    private Discrete discrete;
    private Random rng;
    private final Map<String, INDArray> feed = new HashMap<>();

    @Setup
    public void setup() {
        sd = SameDiff.create();
        discrete = Discrete.in(sd);
        SDVariable logits = sd.var("logits", Nd4j.randn(DataType.FLOAT, BATCH, VARIABLES * CATEGORIES));
        SDVariable z = discrete.categorical("z", logits, VARIABLES, CATEGORIES, EstimatorConfig.of(estimator));
        SDVariable w = sd.constant("w", Nd4j.randn(DataType.FLOAT, 1, VARIABLES * CATEGORIES));
        z.mul(w).sum().markAsLoss();
        GradFunctions.createQuietly(sd);
        rng = Seeds.generator(42);
    }

    @Benchmark
    public INDArray forwardBackward() {
        feed.clear();
        feed.putAll(discrete.drawNoise(BATCH, rng));
        return sd.calculateGradients(feed, "logits").get("logits");
    }
}
