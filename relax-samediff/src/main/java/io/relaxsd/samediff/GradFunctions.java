package io.relaxsd.samediff;

import java.io.OutputStream;
import java.io.PrintStream;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Builds a graph's gradient function once, quietly. In DL4J 1.0.0-M2.1
 * {@code SameDiff.createGradFunction} prints one line per differentiated op to {@code System.out},
 * outside any logger, which would corrupt a command's JSON output; every later
 * {@code calculateGradients} / {@code fit} reuses the function built here.
 */
public final class GradFunctions {
    private GradFunctions() {
    }

    /**
     * {@code sd.createGradFunction(variablesNeedingGradients)} with {@code System.out} silenced for
     * the call (serialised, since the stream is global).
     *
     * @param variablesNeedingGradients placeholders whose gradients are wanted; none for variables only
     */
    public static void createQuietly(SameDiff sd, String... variablesNeedingGradients) {
        synchronized (GradFunctions.class) {
            PrintStream original = System.out;
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            try {
                sd.createGradFunction(variablesNeedingGradients);
            } finally {
                System.setOut(original);
            }
        }
    }
}
