package io.relaxsd.examples.vae;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which epochs of a run keep a numbered checkpoint ({@code checkpoint-epoch-N.bin}) besides the
 * rolling {@code checkpoint.bin}: the listed epochs, and every {@code every}-th epoch if
 * {@code every > 0}. Immutable and validated; {@link #NONE} keeps none.
 *
 * @param epochs listed epochs, each ≥ 1
 * @param every  keep every N-th epoch (0 = none)
 */
public record CheckpointPolicy(SortedSet<Integer> epochs, int every) {
    public static final CheckpointPolicy NONE = new CheckpointPolicy(new TreeSet<>(), 0);

    public CheckpointPolicy {
        epochs = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(epochs));
        for (int e : epochs) {
            if (e < 1) {
                throw new IllegalArgumentException("keep-checkpoints: epochs must be >= 1, got " + e);
            }
        }
        if (every < 0) {
            throw new IllegalArgumentException("checkpoint-every must be >= 0 (0 = none), got " + every);
        }
    }

    /** The policy of {@code --keep-checkpoints} (may be null or empty) and {@code --checkpoint-every} (may be null). */
    public static CheckpointPolicy of(List<Integer> epochs, Integer every) {
        return new CheckpointPolicy(epochs == null ? new TreeSet<>() : new TreeSet<>(epochs), every == null ? 0 : every);
    }

    /** True if epoch {@code epoch} keeps a numbered checkpoint. */
    public boolean keeps(int epoch) {
        return epochs.contains(epoch) || (every > 0 && epoch % every == 0);
    }

    /** True if no epoch keeps one. */
    public boolean isNone() {
        return epochs.isEmpty() && every == 0;
    }

    /** As stored in {@code config.json}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs", new ArrayList<>(epochs));
        m.put("every", every);
        return m;
    }

    /** Reads {@link #toMap()} back; null (a config written before numbered checkpoints) is {@link #NONE}. */
    @SuppressWarnings("unchecked")
    static CheckpointPolicy fromMap(Object value) {
        if (value == null) {
            return NONE;
        }
        if (!(value instanceof Map<?, ?> m) || !(m.get("epochs") instanceof List<?> l) || !(m.get("every") instanceof Number n)) {
            throw new IllegalArgumentException("config field 'keep_checkpoints' is not {epochs: [...], every: N}: " + value);
        }
        List<Integer> e = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof Number x)) {
                throw new IllegalArgumentException("config field 'keep_checkpoints.epochs' holds a non-number: " + o);
            }
            e.add(x.intValue());
        }
        return of(e, n.intValue());
    }
}
