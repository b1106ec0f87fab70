package io.relaxsd.samediff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** Seeded generators repeat, seed 0 included; ND4J's own seed 0 does not (the trap Seeds works around). */
class SeedsTest {
    private static double[] draw(org.nd4j.linalg.api.rng.Random rng) {
        return Nd4j.rand(rng, new long[] {1000}).toDoubleVector();
    }

    @Test
    void everySeedRepeatsItsStream() {
        for (long seed : new long[] {0, 1, 7, -3, Seeds.ZERO}) {
            assertArrayEquals(draw(Seeds.generator(seed)), draw(Seeds.generator(seed)), 0.0, "seed " + seed);
        }
        assertFalse(Arrays.equals(draw(Seeds.generator(1)), draw(Seeds.generator(2))), "seeds 1 and 2");
    }

    @Test
    void nd4jSeedZeroDoesNotRepeat() {
        assertFalse(Arrays.equals(draw(Nd4j.getRandomFactory().getNewRandomInstance(0)),
                draw(Nd4j.getRandomFactory().getNewRandomInstance(0))),
                "ND4J now honours seed 0; Seeds' replacement of it is no longer needed");
    }
}
