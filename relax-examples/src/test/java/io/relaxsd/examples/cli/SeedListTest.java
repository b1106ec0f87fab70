package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SeedListTest {

    @Test
    void rangesListsAndSingleSeeds() {
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), SeedList.parse("--seeds", "0-9"));
        assertEquals(List.of(0L, 1L, 2L), SeedList.parse("--seeds", "0,1,2"));
        assertEquals(List.of(3L), SeedList.parse("--seeds", "3"));
        assertEquals(List.of(7L, 0L, 1L, 2L, 12L), SeedList.parse("--seeds", " 7, 0-2 ,12"));
        assertEquals(List.of(5L), SeedList.parse("--seeds", "5-5"));
    }

    @Test
    void badInputFailsWithOneLineNamingTheOption() {
        for (String bad : new String[] {"", "  ", "a", "1-", "-1", "3-1", "1,,2", "1,", "1,1", "0-2,2", "1.5",
            "0-99999", "99999999999999999999", "1--2"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SeedList.parse("--seeds", bad), bad);
            assertTrue(e.getMessage().startsWith("--seeds: "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }
}
