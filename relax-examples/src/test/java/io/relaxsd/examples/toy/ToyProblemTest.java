package io.relaxsd.examples.toy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import org.junit.jupiter.api.Test;

class ToyProblemTest {
    @Test
    void scratch() {
        try {
            ToyProblem.Result r = ToyProblem.run(EstimatorConfig.builder("relax").surrogate(EstimatorConfig.SurrogateKind.MLP).build(),
                    new ToyProblem.Settings(0.499, 20, 0.01, 1, 0, 10, 1000), i -> { });
            System.out.println(r);
        } catch (RuntimeException e) {
            e.printStackTrace(System.out);
            throw e;
        }
    }
}
