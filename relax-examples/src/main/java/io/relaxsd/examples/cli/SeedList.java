package io.relaxsd.examples.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A list of seeds as the command line writes it: {@code 0,1,2}, {@code 0-9}, or a mix such as {@code 0-2,7}. */
final class SeedList {
    /** More runs than this is a typo, not a sweep. */
    static final int MAX_SEEDS = 1000;

    private SeedList() {
    }

    /**
     * Parses {@code text} into distinct seeds in the order given.
     *
     * @throws IllegalArgumentException naming {@code option} and the bad part
     */
    static List<Long> parse(String option, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(option + " needs at least one seed, e.g. 0,1,2 or 0-9");
        }
        Set<Long> seeds = new LinkedHashSet<>();
        for (String raw : text.split(",", -1)) {
            String part = raw.trim();
            int dash = part.indexOf('-', 1);
            try {
                if (dash > 0) {
                    long from = Long.parseLong(part.substring(0, dash).trim());
                    long to = Long.parseLong(part.substring(dash + 1).trim());
                    if (to < from) {
                        throw new IllegalArgumentException(option + ": range '" + part + "' runs backwards");
                    }
                    if (to - from >= MAX_SEEDS) {
                        throw new IllegalArgumentException(option + ": range '" + part + "' has more than " + MAX_SEEDS + " seeds");
                    }
                    for (long s = from; s <= to; s++) {
                        seeds.add(s);
                    }
                } else {
                    seeds.add(Long.parseLong(part));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": '" + part + "' is not a seed or a range such as 0-9");
            }
            if (seeds.size() > MAX_SEEDS) {
                throw new IllegalArgumentException(option + ": more than " + MAX_SEEDS + " seeds");
            }
        }
        return new ArrayList<>(seeds);
    }
}
