package io.relaxsd.samediff;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One SameDiff call made repeatedly, replayed from {@link RecordedGraph} recordings: a recording per
 * feed signature (shapes and data types; the last {@value #KEPT} are kept, so an epoch's smaller
 * last batch does not evict the full-batch recording), and the session itself once a recording is
 * refused (the values are the same, only slower; {@link #replaying()} tells).
 *
 * <pre>{@code
 * ReplayedCall step = ReplayedCall.gradientsAndOutputs(sd, List.of("loss"), List.of("w", "b"));
 * Map<String, INDArray> out = step.run(feed);   // "loss" and the gradients under "w", "b"
 * }</pre>
 *
 * The returned arrays may be the recording's own: read them before the next run. Not thread-safe.
 */
public final class ReplayedCall {
    static final int KEPT = 4;

    private final SameDiff sd;
    private final List<String> outputs;
    private final List<String> variables;
    private final List<RecordedGraph> recordings = new ArrayList<>();
    private boolean replay = true;
    private RecordedGraph pending;      // the recording whose runBefore ran last

    private ReplayedCall(SameDiff sd, Collection<String> outputs, Collection<String> variables) {
        this.sd = sd;
        this.outputs = List.copyOf(outputs);
        this.variables = List.copyOf(variables);
    }

    /** {@code sd.output(feed, outputs)}. */
    public static ReplayedCall outputs(SameDiff sd, Collection<String> outputs) {
        return new ReplayedCall(sd, outputs, List.of());
    }

    /** {@code sd.calculateGradients(feed, variables)}: gradients under the variables' names. */
    public static ReplayedCall gradients(SameDiff sd, Collection<String> variables) {
        return new ReplayedCall(sd, List.of(), variables);
    }

    /** Both in one call: outputs under their names, gradients under their variables' names. */
    public static ReplayedCall gradientsAndOutputs(SameDiff sd, Collection<String> outputs,
                                                   Collection<String> variables) {
        return new ReplayedCall(sd, outputs, variables);
    }

    /**
     * Makes every later run go through the session (the reference a replay is tested against; the
     * same values, slower). Returns this call.
     */
    public ReplayedCall withoutReplay() {
        replay = false;
        recordings.clear();
        pending = null;
        return this;
    }

    /** The call's results for {@code feed}. */
    public Map<String, INDArray> run(Map<String, INDArray> feed) {
        if (replay) {
            RecordedGraph r = recordingFor(feed, null);
            if (r != null) {
                return r.run(feed);
            }
        }
        if (variables.isEmpty()) {
            return sd.output(feed, outputs);
        }
        if (outputs.isEmpty()) {
            return sd.calculateGradients(feed, variables);
        }
        OutAndGrad og = sd.calculateGradientsAndOutputs(feed, outputs, variables);
        Map<String, INDArray> all = new HashMap<>(og.getOutputs());
        all.putAll(og.getGradients());
        return all;
    }

    /**
     * The first part of {@link #run}, for a forward pass whose backward inputs are not known yet:
     * the outputs {@code wanted}, computed by the steps that read none of {@code late}
     * ({@link RecordedGraph#runBefore}); {@code feed} holds arrays of the right shapes for the
     * placeholders of {@code late} already, which only {@link #runAfter} reads. Through the session,
     * {@code output(feed, wanted)}.
     *
     * @throws IllegalArgumentException if an output of {@code wanted} depends on {@code late}
     */
    public Map<String, INDArray> runBefore(Map<String, INDArray> feed, Set<String> late, List<String> wanted) {
        pending = null;
        if (replay) {
            RecordedGraph r = recordingFor(feed, Set.copyOf(late));
            if (r != null) {
                Map<String, INDArray> out = r.runBefore(feed, late);
                for (String w : wanted) {
                    if (!out.containsKey(w)) {
                        throw new IllegalArgumentException("output " + w + " depends on " + late);
                    }
                }
                pending = r;
                return out;
            }
        }
        return sd.output(feed, wanted);
    }

    /**
     * The rest of {@link #run} after {@link #runBefore}{@code (feed, late, …)} on a feed of the same
     * shapes, whose arrays of {@code late} are now filled in: every result of {@code run(feed)}.
     * Without that preceding first part (or through the session) it is {@code run(feed)}.
     */
    public Map<String, INDArray> runAfter(Map<String, INDArray> feed, Set<String> late) {
        RecordedGraph r = pending;
        if (replay && r != null && r.accepts(feed) && recordings.contains(r) && r.splitsAt(Set.copyOf(late))) {
            return r.runAfter(feed, late);
        }
        return run(feed);
    }

    /**
     * {@link RecordedGraph#matmulFlops()} of the most recently used recording; NaN before the first
     * run or once the call runs through the session.
     */
    public double matmulFlops() {
        return replay && !recordings.isEmpty() ? recordings.get(0).matmulFlops() : Double.NaN;
    }

    /**
     * A diagnostic: {@link RecordedGraph#profile} of the recording for {@code feed} (a whole run),
     * each op's median time over {@code rounds} replays; empty once the call runs through the session.
     */
    public List<RecordedGraph.OpTime> profile(Map<String, INDArray> feed, int rounds) {
        RecordedGraph r = replay ? recordingFor(feed, null) : null;
        return r == null ? List.of() : r.profile(feed, rounds);
    }

    /** False once a recording was refused and the call runs through the session. */
    public boolean replaying() {
        return replay;
    }

    /**
     * A kept recording that accepts {@code feed} (and splits at {@code late}, unless null: a whole run),
     * or a new one, whose intermediate arrays are shared for that use
     * ({@code RecordedGraph.ofOutputs(sd, feed, outputs, late)}); null if recording was refused.
     */
    private RecordedGraph recordingFor(Map<String, INDArray> feed, Set<String> late) {
        for (int i = 0; i < recordings.size(); i++) {
            RecordedGraph r = recordings.get(i);
            if (r.accepts(feed) && (late == null || r.splitsAt(late))) {
                if (i > 0) {        // most recently used first
                    recordings.remove(i);
                    recordings.add(0, r);
                }
                return r;
            }
        }
        RecordedGraph r;
        try {
            Set<String> shared = late == null ? Set.of() : late;
            r = variables.isEmpty() ? RecordedGraph.ofOutputs(sd, feed, outputs, shared)
                    : RecordedGraph.ofGradientsAndOutputs(sd, feed, outputs, variables, shared);
        } catch (IllegalStateException e) {
            replay = false;
            recordings.clear();
            return null;
        }
        recordings.add(0, r);
        if (recordings.size() > KEPT) {
            recordings.remove(recordings.size() - 1);
        }
        return r;
    }
}
