package io.relaxsd.examples.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A list of seeds from the command line: {@code "3"}, {@code "0,1,2"}, {@code "0-9"} (inclusive) or
 * a mix ({@code "0-4,7,9"}). Seeds are non-negative, in the order given, without repeats. A bad
 * value fails with one line naming the option and the offending part.
 */
public final class SeedList {
    /** More seeds than this is almost certainly a typo ({@code 0-99999}). */
    static final int MAX_SEEDS = 10_000;

    private SeedList() {
    }

    /**
     * The seeds {@code text} names; {@code option} (e.g. {@code "--seeds"}) prefixes the error.
     *
     * @throws IllegalArgumentException one line, for empty, malformed, negative, descending or
     *                                  repeated entries
     */
    public static List<Long> parse(String option, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(option + ": empty; give seeds as N, N,M,... or A-B (e.g. 0-9)");
        }
        Set<Long> seeds = new LinkedHashSet<>();
        for (String raw : text.split(",", -1)) {
            String part = raw.strip();
            if (part.isEmpty()) {
                throw new IllegalArgumentException(option + ": empty entry in '" + text + "'");
            }
            int dash = part.indexOf('-', 1);
            long from = number(option, part, dash < 0 ? part : part.substring(0, dash));
            long to = dash < 0 ? from : number(option, part, part.substring(dash + 1));
            if (to < from) {
                throw new IllegalArgumentException(option + ": range '" + part + "' runs backwards");
            }
            if (to - from >= MAX_SEEDS || seeds.size() + (to - from + 1) > MAX_SEEDS) {
                throw new IllegalArgumentException(option + ": more than " + MAX_SEEDS + " seeds in '" + text + "'");
            }
            for (long s = from; s <= to; s++) {
                if (!seeds.add(s)) {
                    throw new IllegalArgumentException(option + ": seed " + s + " appears twice in '" + text + "'");
                }
            }
        }
        return List.copyOf(new ArrayList<>(seeds));
    }

    private static long number(String option, String part, String s) {
        String t = s.strip();
        if (t.isEmpty() || !t.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException(option + ": '" + part + "' is not a seed (N) or a range (A-B) of "
                    + "non-negative integers");
        }
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + t + "' is too large for a seed");
        }
    }
}
