package io.relaxsd.exact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ExactGradientTest {

    /** Central finite differences of E[f] = Σ_D p(D) f(D) agree with the score-function sum. */
    @Test
    void categoricalGradientMatchesFiniteDifferences() {
        double[] theta = {0.3, -1.2, 2.0};
        QuadraticLoss f = QuadraticLoss.of(new double[][] {{1, 0.5, 0}, {0, 1, 0.5}}, new double[] {0.1, 0.7}, 3);
        double[] exact = ExactGradient.categorical(theta, f::value);
        for (int i = 0; i < 3; i++) {
            assertEquals(finiteDifference(theta, i, true, f), exact[i], 1e-8);
        }
    }

    @Test
    void bernoulliGradientMatchesFiniteDifferencesAndTheToyClosedForm() {
        double[] theta = {0.4, -0.7, 1.1};
        QuadraticLoss f = QuadraticLoss.of(new double[][] {{1, -1, 0.5}}, new double[] {0.3}, 3);
        double[] exact = ExactGradient.bernoulli(theta, f::value);
        for (int i = 0; i < 3; i++) {
            assertEquals(finiteDifference(theta, i, false, f), exact[i], 1e-8);
        }
        // RELAX toy: E[(b − t)²] has gradient p(1 − p)(1 − 2t)
        double t = 0.499;
        double p = ExactGradient.sigmoid(0.25);
        double[] toy = ExactGradient.bernoulli(new double[] {0.25}, b -> (b[0] - t) * (b[0] - t));
        assertEquals(p * (1 - p) * (1 - 2 * t), toy[0], 1e-15);
    }

    @Test
    void quadraticLossGradientIsTwoMTransposeResidual() {
        QuadraticLoss f = QuadraticLoss.of(new double[][] {{1, 2}, {3, 4}}, new double[] {1, -1}, 2);
        // Mx − t = (1+4−1, 3+8+1) = (4, 12); 2Mᵀr = 2(1·4+3·12, 2·4+4·12) = (80, 112)
        assertEquals(16 + 144, f.value(new double[] {1, 2}), 0);
        assertArrayEquals(new double[] {80, 112}, f.gradient(new double[] {1, 2}), 0);
        assertThrows(IllegalArgumentException.class, () -> QuadraticLoss.of(new double[][] {{1}}, new double[] {1}, 2));
        assertThrows(IllegalArgumentException.class, () -> ExactGradient.bernoulliOutcomes(new double[13]));
    }

    private static double finiteDifference(double[] theta, int i, boolean categorical, QuadraticLoss f) {
        double h = 1e-5;
        double[] up = theta.clone();
        double[] down = theta.clone();
        up[i] += h;
        down[i] -= h;
        return (value(up, categorical, f) - value(down, categorical, f)) / (2 * h);
    }

    private static double value(double[] theta, boolean categorical, QuadraticLoss f) {
        return ExactGradient.expectedValue(categorical ? ExactGradient.categoricalOutcomes(theta)
                : ExactGradient.bernoulliOutcomes(theta), f::value);
    }
}
