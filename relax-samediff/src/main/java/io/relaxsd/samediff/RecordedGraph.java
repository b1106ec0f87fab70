package io.relaxsd.samediff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.ReduceOp;
import org.nd4j.linalg.api.ops.custom.BitCast;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.nd4j.linalg.api.ops.impl.shape.CreateView;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.GradientBackwardsMarker;
import org.nd4j.linalg.api.ops.impl.transforms.same.Identity;
import org.nd4j.linalg.api.ops.impl.transforms.custom.Assign;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One SameDiff computation ({@code output} or {@code calculateGradients}) recorded once at fixed
 * placeholder shapes and replayed op by op into arrays allocated at recording time.
 *
 * <p>Why: in ND4J 1.0.0-M2.1 a session call spends 50–70 µs per op on scheduling, shape inference
 * and allocation on top of the kernel; a small graph such as an estimator node (20–80 ops) costs
 * milliseconds that way. A replay executes the same op objects with the same arguments through
 * {@code Nd4j.exec(op, context)}, about 10 µs per op. The recording runs the session once with a
 * listener that notes which ops ran, in which order, on which variables and with which output
 * shapes; the replay is then checked against that session result and refused (an
 * {@link IllegalStateException}) unless every requested array is equal. On the CPU backend the
 * ops that libnd4j runs slowly (ReLU, its backward, sums and means along one axis, a last-axis
 * softmax, a clip) run as Java loops instead ({@link HostKernels}), each kept only if it gave its
 * op's result at recording. {@link #profile} times a replay op by op.
 *
 * <p>Two substitutions make a replay faster than the session's own ops: a {@code softmax_bp} along
 * the last axis runs from the forward softmax's output ({@link SoftmaxBackward}), and a recording
 * made for a known use ({@code ofOutputs(sd, feed, outputs, late)}: a whole run, or a split
 * at a given late set) lets a step write into the array of an intermediate result no later step
 * reads, so a run touches fewer arrays ({@link ReplayedCall} records that way). Both are covered by
 * the check against the session.
 *
 * <p>Limits: graphs without control flow (no Switch/Merge/loops, no TensorArrays) and with shapes
 * that depend only on the placeholders' shapes. A feed of other shapes needs a new recording
 * ({@link #accepts}). Variables and constants are read at recording time: record again after
 * replacing a variable's array. The arrays {@link #run} returns are the plan's own and are
 * overwritten by the next run. The replay executes the graph's own op objects: not thread-safe,
 * and not to be run while the same graph runs in a session on another thread.
 */
public final class RecordedGraph {
    private final List<Step> steps;
    private final Map<String, Fed> placeholderShapes;
    private final Map<String, INDArray> results;
    private final Map<String, List<int[]>> placeholderUses;     // placeholder → (step index, input index)
    private final Map<String, String> resultSources;            // requested name → placeholder it aliases, if any
    private final Map<Set<String>, boolean[]> lateMasks = new HashMap<>();   // runBefore/runAfter splits
    private final Map<boolean[], Map<String, INDArray>> resultsBefore = new IdentityHashMap<>();
    private Set<String> lastLate;        // the immutable set of the last split, by identity, and its mask
    private boolean[] lastLateMask;
    /** The split the arrays were shared for ({@link #reuseDeadArrays}); null: no array is shared. */
    private final Set<String> plannedLate;

    /** A placeholder's recorded shape and data type. */
    private record Fed(long[] shape, DataType type) {
        boolean matches(INDArray a) {
            return a != null && a.dataType() == type && Arrays.equals(a.shape(), shape);
        }
    }

    private RecordedGraph(List<Step> steps, Map<String, Fed> placeholderShapes, Map<String, INDArray> results,
                          Map<String, List<int[]>> placeholderUses, Map<String, String> resultSources,
                          Set<String> plannedLate) {
        this.plannedLate = plannedLate;
        this.steps = steps;
        this.placeholderShapes = placeholderShapes;
        this.results = Collections.unmodifiableMap(results);
        this.placeholderUses = placeholderUses;
        this.resultSources = resultSources;
    }

    /** Records {@code sd.output(feed, outputs)}. */
    public static RecordedGraph ofOutputs(SameDiff sd, Map<String, INDArray> feed, Collection<String> outputs) {
        return ofOutputs(sd, feed, outputs, null);
    }

    /**
     * As {@link #ofOutputs(SameDiff, Map, Collection)}, with the arrays of intermediate results shared
     * between steps whose values are not alive at the same time (fewer arrays, a smaller working set in
     * cache); the sharing holds for {@link #run} and, if {@code late} is not empty, for
     * {@link #runBefore}/{@link #runAfter} with exactly this {@code late}; null shares nothing.
     */
    static RecordedGraph ofOutputs(SameDiff sd, Map<String, INDArray> feed, Collection<String> outputs,
                                   Set<String> late) {
        Recorder r = new Recorder();
        Map<String, INDArray> reference = withListener(sd, r, () -> sd.output(feed, List.copyOf(outputs)));
        return build(r, feed, new ArrayList<>(outputs), reference, late);
    }

    /**
     * Records {@code sd.calculateGradients(feed, variables)}; {@link #run} returns the gradients
     * under the variables' names, as {@code calculateGradients} does.
     */
    public static RecordedGraph ofGradients(SameDiff sd, Map<String, INDArray> feed, Collection<String> variables) {
        return ofGradientsAndOutputs(sd, feed, List.of(), variables);
    }

    /**
     * Records {@code sd.calculateGradientsAndOutputs(feed, outputs, variables)}; {@link #run}
     * returns the outputs under their names and the gradients under their variables' names (an
     * output may not share a name with a variable whose gradient is asked for).
     */
    public static RecordedGraph ofGradientsAndOutputs(SameDiff sd, Map<String, INDArray> feed,
                                                      Collection<String> outputs, Collection<String> variables) {
        return ofGradientsAndOutputs(sd, feed, outputs, variables, null);
    }

    /**
     * As {@link #ofGradientsAndOutputs(SameDiff, Map, Collection, Collection)}, with intermediate
     * arrays shared as {@code ofOutputs(sd, feed, outputs, late)} describes for {@code late}.
     */
    static RecordedGraph ofGradientsAndOutputs(SameDiff sd, Map<String, INDArray> feed,
                                               Collection<String> outputs, Collection<String> variables,
                                               Set<String> late) {
        Recorder r = new Recorder();
        OutAndGrad og = withListener(sd, r, () -> sd.calculateGradientsAndOutputs(feed, List.copyOf(outputs),
                List.copyOf(variables)));
        Map<String, INDArray> reference = new LinkedHashMap<>(og.getOutputs());
        Map<String, String> resultName = new LinkedHashMap<>();     // graph name → name in run()'s map
        for (String o : outputs) {
            resultName.put(o, o);
        }
        for (String v : variables) {
            SDVariable grad = sd.getVariable(v).getGradient();
            if (grad == null || resultName.containsKey(grad.name()) || outputs.contains(v)) {
                throw new IllegalArgumentException("no distinct gradient variable for " + v);
            }
            resultName.put(grad.name(), v);
            reference.put(grad.name(), og.getGradients().get(v));
        }
        RecordedGraph byGraphName = build(r, feed, new ArrayList<>(resultName.keySet()), reference, late);
        Map<String, INDArray> renamed = new LinkedHashMap<>();
        Map<String, String> sources = new HashMap<>();
        resultName.forEach((graphName, name) -> {
            if (byGraphName.results.containsKey(graphName)) {
                renamed.put(name, byGraphName.results.get(graphName));
            } else {
                sources.put(name, byGraphName.resultSources.get(graphName));
            }
        });
        return new RecordedGraph(byGraphName.steps, byGraphName.placeholderShapes, renamed,
                byGraphName.placeholderUses, sources, byGraphName.plannedLate);
    }

    /** True if {@link #runBefore}/{@link #runAfter} may split this recording at {@code late}. */
    boolean splitsAt(Set<String> late) {
        return plannedLate == null || plannedLate.equals(late);
    }

    /** True if {@code feed} has the placeholders, shapes and data types this recording was made with. */
    public boolean accepts(Map<String, INDArray> feed) {
        for (Map.Entry<String, Fed> e : placeholderShapes.entrySet()) {
            if (!e.getValue().matches(feed.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Replays the recording on {@code feed} (same shapes as recorded) and returns the requested
     * arrays, which this plan owns and overwrites on the next run.
     */
    public Map<String, INDArray> run(Map<String, INDArray> feed) {
        bind(feed);
        for (Step s : steps) {
            s.exec();
        }
        return requested(feed);
    }

    /**
     * {@link #run}, where each step with a {@linkplain HostKernels host kernel} runs its op first and
     * then the kernel on the same inputs; a kernel whose result differs from the op's beyond float
     * rounding is dropped (the op's result stands).
     */
    private Map<String, INDArray> runCheckingHostKernels(Map<String, INDArray> feed) {
        bind(feed);
        for (Step s : steps) {
            s.execOp();
            if (s.host == null) {
                continue;
            }
            INDArray[] want = new INDArray[s.outputs.length];
            for (int i = 0; i < want.length; i++) {
                want[i] = s.outputs[i].dup();
            }
            boolean same = s.host.run();
            for (int i = 0; same && i < want.length; i++) {
                same = close(want[i], s.outputs[i]);
            }
            if (!same) {
                s.host = null;
                s.execOp();
            }
        }
        return requested(feed);
    }

    /** Number of steps that run a {@linkplain HostKernels host kernel} instead of their op (a diagnostic). */
    int hostKernelCount() {
        return (int) steps.stream().filter(s -> s.host != null).count();
    }

    /** Binds the fed arrays to the steps that read them (after checking the shapes). */
    private void bind(Map<String, INDArray> feed) {
        if (!accepts(feed)) {
            throw new IllegalArgumentException("the feed's shapes or data types differ from the recording's; record again");
        }
        for (Map.Entry<String, List<int[]>> e : placeholderUses.entrySet()) {
            INDArray a = feed.get(e.getKey());
            for (int[] use : e.getValue()) {
                steps.get(use[0]).context.setInputArray(use[1], a);
            }
        }
    }

    private Map<String, INDArray> requested(Map<String, INDArray> feed) {
        if (resultSources.isEmpty()) {
            return results;
        }
        Map<String, INDArray> out = new LinkedHashMap<>(results);
        resultSources.forEach((name, placeholder) -> out.put(name, feed.get(placeholder)));
        return out;
    }

    /**
     * The first part of {@link #run}: replays only the steps that read none of {@code late}
     * (placeholders or variables, directly or through earlier steps) and returns the requested arrays
     * those steps computed (and requested placeholders not in {@code late}). {@link #runAfter} with the
     * same {@code late} then replays the other steps; the two together compute what {@code run} does.
     * For a forward pass whose backward input is not known yet: the arrays of {@code late} need the
     * recorded shapes in {@code feed} here but are read only by {@code runAfter} (variables in
     * {@code late} may change in between).
     */
    public Map<String, INDArray> runBefore(Map<String, INDArray> feed, Set<String> late) {
        boolean[] isLate = lateSteps(late);
        bind(feed);
        for (int i = 0; i < steps.size(); i++) {
            if (!isLate[i]) {
                steps.get(i).exec();
            }
        }
        Map<String, INDArray> out = new LinkedHashMap<>(resultsBefore(isLate));
        resultSources.forEach((name, placeholder) -> {
            if (!late.contains(placeholder)) {
                out.put(name, feed.get(placeholder));
            }
        });
        return out;
    }

    /** The requested arrays the steps outside {@code isLate} compute (one of {@link #lateMasks}' masks). */
    private Map<String, INDArray> resultsBefore(boolean[] isLate) {
        return resultsBefore.computeIfAbsent(isLate, m -> {
            Set<INDArray> computed = Collections.newSetFromMap(new IdentityHashMap<>());
            for (int i = 0; i < steps.size(); i++) {
                if (!m[i]) {
                    computed.addAll(Arrays.asList(steps.get(i).outputs));
                }
            }
            Map<String, INDArray> out = new LinkedHashMap<>();
            results.forEach((name, a) -> {
                if (computed.contains(a)) {
                    out.put(name, a);
                }
            });
            return Collections.unmodifiableMap(out);
        });
    }

    /**
     * The second part of {@link #run} after {@link #runBefore}{@code (feed, late)}: replays the steps
     * that read {@code late} and returns every requested array, as {@code run} does.
     */
    public Map<String, INDArray> runAfter(Map<String, INDArray> feed, Set<String> late) {
        boolean[] isLate = lateSteps(late);
        bind(feed);
        for (int i = 0; i < steps.size(); i++) {
            if (isLate[i]) {
                steps.get(i).exec();
            }
        }
        return requested(feed);
    }

    /** Which steps read a name of {@code late}, directly or through the outputs of earlier steps. */
    private boolean[] lateSteps(Set<String> late) {
        if (late == lastLate) {          // the same immutable set as last time: no lookups
            return lastLateMask;
        }
        if (plannedLate != null && !plannedLate.equals(late)) {
            throw new IllegalArgumentException("this recording shares arrays for the split " + plannedLate
                    + ", not " + late + "; record with that late set");
        }
        Set<String> key = Set.copyOf(late);
        boolean[] mask = lateMasks.computeIfAbsent(key, l -> lateMask(steps, l));
        if (key == late) {               // copyOf returns an immutable set itself: it cannot change
            lastLate = late;
            lastLateMask = mask;
        }
        return mask;
    }

    /**
     * Drops the steps whose outputs neither a requested result nor a later kept step reads (the first
     * half of a bitcast round trip, once the second is an alias; ops the session ran for outputs nobody
     * asked for), and renumbers {@code placeholderUses}. Kept regardless: the gradient seed, and a step
     * that writes into an array it reads (an assign), whose effect is on that array.
     */
    private static void removeDeadSteps(List<Step> steps, Collection<INDArray> results,
                                        Map<String, List<int[]>> placeholderUses) {
        Set<INDArray> needed = Collections.newSetFromMap(new IdentityHashMap<>());
        needed.addAll(results);
        boolean[] keep = new boolean[steps.size()];
        for (int i = steps.size() - 1; i >= 0; i--) {
            Step st = steps.get(i);
            boolean inPlace = false;
            for (INDArray out : st.outputs) {
                for (INDArray in : st.inputs) {
                    inPlace |= out == in;
                }
            }
            boolean used = st.kind == Kind.CONSTANT_ONE || inPlace;
            for (INDArray out : st.outputs) {
                used |= needed.contains(out);
            }
            if (used) {
                keep[i] = true;
                needed.addAll(st.readArrays());
            }
        }
        int[] index = new int[steps.size()];
        List<Step> kept = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            index[i] = keep[i] ? kept.size() : -1;
            if (keep[i]) {
                kept.add(steps.get(i));
            }
        }
        if (kept.size() == steps.size()) {
            return;
        }
        steps.clear();
        steps.addAll(kept);
        for (Iterator<Map.Entry<String, List<int[]>>> it = placeholderUses.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, List<int[]>> e = it.next();
            List<int[]> uses = new ArrayList<>();
            for (int[] use : e.getValue()) {
                if (index[use[0]] >= 0) {
                    uses.add(new int[] {index[use[0]], use[1]});
                }
            }
            if (uses.isEmpty()) {
                it.remove();
            } else {
                e.setValue(uses);
            }
        }
    }

    /** True for the steps that read a name of {@code late}, directly or through earlier steps' outputs. */
    private static boolean[] lateMask(List<Step> steps, Set<String> late) {
        Set<String> tainted = new HashSet<>(late);
        boolean[] mask = new boolean[steps.size()];
        for (int i = 0; i < steps.size(); i++) {
            Step st = steps.get(i);
            for (String r : st.reads) {
                if (tainted.contains(r)) {
                    mask[i] = true;
                    break;
                }
            }
            if (mask[i]) {
                tainted.addAll(st.writes);
            }
        }
        return mask;
    }

    /** Where a plan array is alive: from its writing step to its last reading step, in both run orders. */
    private static final class Lifetime {
        final int from;
        int to;
        final int splitFrom;
        int splitTo;

        Lifetime(int from, int splitFrom) {
            this.from = from;
            this.to = from;
            this.splitFrom = splitFrom;
            this.splitTo = splitFrom;
        }

        boolean overlaps(Lifetime o) {
            return !(to < o.from || o.to < from) || !(splitTo < o.splitFrom || o.splitTo < splitFrom);
        }
    }

    /**
     * Lets a step write its output into the array of an earlier intermediate result that no step reads
     * any more, where type and shape match, instead of an array of its own: a run then touches fewer
     * arrays (in the K = 10 estimators' nodes, dozens of 0.5 MB ones), which stay in cache. Only arrays
     * this recording allocated for one writing step are shared, never {@code keep} (the requested
     * results), and never so that a step reads and writes one array. Lifetimes are checked in the
     * recorded order ({@link #run}) and in the split order ({@code late} steps last: {@link #runBefore}
     * then {@link #runAfter}).
     */
    private static void reuseDeadArrays(List<Step> steps, Set<INDArray> fresh, Set<INDArray> keep, Set<String> late) {
        boolean[] isLate = lateMask(steps, late);
        int n = steps.size();
        int[] splitPos = new int[n];
        int k = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < n; i++) {
                if (isLate[i] == (pass == 1)) {
                    splitPos[i] = k++;
                }
            }
        }
        Map<INDArray, Lifetime> life = new IdentityHashMap<>();
        Set<INDArray> excluded = Collections.newSetFromMap(new IdentityHashMap<>());
        excluded.addAll(keep);
        for (int i = 0; i < n; i++) {
            Step st = steps.get(i);
            for (INDArray in : st.readArrays()) {
                Lifetime l = life.get(in);
                if (l == null) {
                    excluded.add(in);              // read before any step wrote it: not an intermediate
                } else {
                    l.to = Math.max(l.to, i);
                    l.splitTo = Math.max(l.splitTo, splitPos[i]);
                }
            }
            for (INDArray out : st.outputs) {
                if (!fresh.contains(out) || life.containsKey(out)) {
                    excluded.add(out);             // not ours, or written by two steps
                } else {
                    life.put(out, new Lifetime(i, splitPos[i]));
                }
            }
        }
        List<INDArray> slots = new ArrayList<>();
        Map<INDArray, List<Lifetime>> slotLives = new IdentityHashMap<>();
        Map<INDArray, INDArray> replacement = new IdentityHashMap<>();
        for (Step st : steps) {
            for (INDArray out : st.outputs) {
                if (excluded.contains(out) || !life.containsKey(out) || replacement.containsKey(out)
                        || slotLives.containsKey(out)) {
                    continue;
                }
                Lifetime l = life.get(out);
                INDArray chosen = null;
                for (INDArray slot : slots) {
                    if (slot.dataType() == out.dataType() && Arrays.equals(slot.shape(), out.shape())
                            && slotLives.get(slot).stream().noneMatch(l::overlaps)) {
                        chosen = slot;
                        break;
                    }
                }
                if (chosen == null) {
                    slots.add(out);
                    slotLives.put(out, new ArrayList<>(List.of(l)));
                } else {
                    slotLives.get(chosen).add(l);
                    replacement.put(out, chosen);
                }
            }
        }
        for (Step st : steps) {
            st.replace(replacement);
        }
    }

    /**
     * One op of a replay and its median wall time over the rounds of {@link #profile}: the op's name,
     * the shape of its first output, and how it ran ({@code op}, {@code host} for a
     * {@linkplain HostKernels host loop}, {@code softmax_bp-from-output}).
     */
    public record OpTime(int index, String op, String shape, String how, double medianMicros) { }

    /**
     * A diagnostic: replays {@code feed} {@code rounds} times, timing every step alone, and returns the
     * steps in run order with their median times. The values computed are those of {@link #run}.
     */
    public List<OpTime> profile(Map<String, INDArray> feed, int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be >= 1, got " + rounds);
        }
        List<Step> timed = new ArrayList<>();
        for (Step s : steps) {
            if (s.kind != Kind.CONSTANT_ONE) {
                timed.add(s);
            }
        }
        long[][] ns = new long[timed.size()][rounds];
        for (int r = 0; r < rounds; r++) {
            bind(feed);
            for (int i = 0; i < timed.size(); i++) {
                long t0 = System.nanoTime();
                timed.get(i).exec();
                ns[i][r] = System.nanoTime() - t0;
            }
        }
        List<OpTime> out = new ArrayList<>(timed.size());
        for (int i = 0; i < timed.size(); i++) {
            Step s = timed.get(i);
            long[] t = ns[i];
            Arrays.sort(t);
            String how = s.kind == Kind.SOFTMAX_BP_FROM_OUTPUT ? "softmax_bp-from-output" : s.host != null ? "host" : "op";
            out.add(new OpTime(i, s.op.opName(), Arrays.toString(s.outputs.length == 0 ? new long[0] : s.outputs[0].shape()),
                    how, t[rounds / 2] / 1e3));
        }
        return out;
    }

    /** Number of ops a run executes (identities are aliases and execute nothing). */
    public int opCount() {
        return (int) steps.stream().filter(s -> s.kind != Kind.CONSTANT_ONE).count();
    }

    /**
     * FLOPs of the matrix products one run executes: 2·m·k·n for each {@code matmul} and
     * {@code xw_plus_b} (batched products count every batch), twice that for {@code matmul_bp}, which
     * computes both input gradients ({@code xw_plus_b} differentiates into plain {@code matmul}s). A
     * diagnostic: it shows how much of a step is GEMM work.
     */
    public double matmulFlops() {
        double flops = 0;
        for (Step s : steps) {
            if (s.op == null || s.context == null) {
                continue;
            }
            String name = s.op.opName();
            boolean product = name.equals("matmul") || name.equals("xw_plus_b");
            boolean backward = name.equals("matmul_bp");
            if (product || backward) {
                // left operand: (batch·)m·k elements; n is the last size of the product (forward output,
                // or the incoming gradient, the backward op's last input)
                INDArray left = s.context.getInputArray(0);
                INDArray z = product ? s.context.getOutputArray(0)
                        : s.context.getInputArray(s.context.numInputArguments() - 1);
                flops += (backward ? 4.0 : 2.0) * left.length() * z.size(-1);
            }
        }
        return flops;
    }

    private static <T> T withListener(SameDiff sd, Listener l, java.util.function.Supplier<T> call) {
        List<Listener> before = new ArrayList<>(sd.getListeners());
        sd.addListeners(l);
        try {
            return call.get();
        } finally {
            sd.setListeners(before);
        }
    }

    /** What one executed op was: its graph, op, inputs, and output arrays (shapes and types). */
    private record Executed(SameDiff graph, SameDiffOp op, INDArray[] outputs) {
    }

    private static final class Recorder extends BaseListener {
        private final List<Executed> executed = new ArrayList<>();

        @Override
        public boolean isActive(Operation operation) {
            return true;
        }

        @Override
        public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
                                INDArray[] outputs) {
            executed.add(new Executed(sd, op, outputs.clone()));
        }
    }

    private enum Kind { CUSTOM, LEGACY, SCALAR_FROM_INPUT, CONSTANT_ONE, SOFTMAX_BP_FROM_OUTPUT }

    /** One op of the replay, with its context bound to the plan's arrays. */
    private static final class Step {
        private final Kind kind;
        private final DifferentialFunction op;
        private final OpContext context;
        private INDArray scalar;            // SCALAR_FROM_INPUT: the array holding the scalar
        private final INDArray[] inputs;    // the context's inputs as recorded (placeholders: bound per run)
        private final List<String> reads;   // input names, identities resolved (placeholders, variables, outputs)
        private final List<String> writes;  // output names
        private final INDArray[] outputs;
        private SoftmaxBackward softmaxBackward;     // SOFTMAX_BP_FROM_OUTPUT: the kernel run instead of the op
        private HostKernels.Kernel host;    // a Java loop for the op, if one passed the recording's check

        Step(Kind kind, DifferentialFunction op, OpContext context, INDArray scalar, INDArray[] inputs,
             List<String> reads, List<String> writes, INDArray[] outputs) {
            this.kind = kind;
            this.inputs = inputs;
            this.op = op;
            this.context = context;
            this.scalar = scalar;
            this.reads = reads;
            this.writes = writes;
            this.outputs = outputs;
        }

        /** Every array this step reads (the scalar and the fused kernel's softmax output included). */
        List<INDArray> readArrays() {
            List<INDArray> r = new ArrayList<>(Arrays.asList(inputs));
            if (scalar != null) {
                r.add(scalar);
            }
            if (softmaxBackward != null) {
                r.addAll(softmaxBackward.arrays());
            }
            return r;
        }

        /** Rebinds this step from each array of {@code replacement}'s keys to its value. */
        void replace(Map<INDArray, INDArray> replacement) {
            for (int i = 0; i < inputs.length; i++) {
                INDArray to = replacement.get(inputs[i]);
                if (to != null) {
                    inputs[i] = to;
                    context.setInputArray(i, to);
                }
            }
            for (int i = 0; i < outputs.length; i++) {
                INDArray to = replacement.get(outputs[i]);
                if (to != null) {
                    outputs[i] = to;
                    context.setOutputArray(i, to);
                }
            }
            if (scalar != null && replacement.containsKey(scalar)) {
                scalar = replacement.get(scalar);
            }
            if (softmaxBackward != null) {
                softmaxBackward = softmaxBackward.replaced(replacement);
            }
        }

        void exec() {
            if (host == null || !host.run()) {
                execOp();
            }
        }

        void execOp() {
            switch (kind) {
                case CUSTOM -> Nd4j.exec((CustomOp) op, context);
                case LEGACY -> Nd4j.exec((Op) op, context);
                case SCALAR_FROM_INPUT -> {
                    ((ScalarOp) op).setScalar(scalar);
                    Nd4j.exec((Op) op, context);
                }
                case CONSTANT_ONE -> {
                    // the gradient seed: its array was filled with 1 at recording
                }
                case SOFTMAX_BP_FROM_OUTPUT -> softmaxBackward.run();
            }
        }
    }

    private static RecordedGraph build(Recorder r, Map<String, INDArray> feed, List<String> requested,
                                       Map<String, INDArray> reference, Set<String> late) {
        Map<String, INDArray> arrays = new HashMap<>();          // variable name → plan array
        Map<String, String> aliasOfPlaceholder = new HashMap<>(); // identity chains ending at a placeholder
        Map<String, List<int[]>> placeholderUses = new LinkedHashMap<>();
        Map<String, String> sameAs = new HashMap<>();               // identity output → the name it aliases
        List<Step> steps = new ArrayList<>();
        Map<String, Integer> softmaxOutputs = new HashMap<>();    // input of a last-axis softmax → its step
        Set<INDArray> fresh = Collections.newSetFromMap(new IdentityHashMap<>());   // allocated here for one step
        Map<String, String> bitcastSource = new HashMap<>();        // same-width bitcast output → its input
        Map<String, DataType> bitcastSourceType = new HashMap<>();
        for (Executed e : r.executed) {
            DifferentialFunction df = e.op().getOp();
            List<String> ins = e.op().getInputsToOp() == null ? List.of() : e.op().getInputsToOp();
            List<String> outs = e.op().getOutputsOfOp();
            String roundTrip = df instanceof BitCast && !ins.isEmpty() && outs.size() == 1
                    && bitcastSource.containsKey(ins.get(0))
                    && e.outputs()[0].dataType() == bitcastSourceType.get(ins.get(0)) ? bitcastSource.get(ins.get(0)) : null;
            if (df instanceof Identity || roundTrip != null) {
                // an identity, or the second half of a bitcast round trip (a stop-gradient): the same bits as
                // the first half's input, so an alias of it (the first half then runs only if something else
                // reads it, see removeDeadSteps)
                String in = roundTrip != null ? roundTrip : ins.get(0);
                if (isPlaceholder(e.graph(), in) || aliasOfPlaceholder.containsKey(in)) {
                    aliasOfPlaceholder.put(outs.get(0), aliasOfPlaceholder.getOrDefault(in, in));
                } else {
                    arrays.put(outs.get(0), input(e.graph(), in, arrays));
                    sameAs.put(outs.get(0), sameAs.getOrDefault(in, in));
                }
                continue;
            }
            if (df instanceof CreateView || !(df instanceof Op || df instanceof CustomOp)) {
                throw new IllegalStateException("cannot replay op " + df.opName() + " (" + df.getClass().getSimpleName() + ")");
            }
            INDArray[] outArrays = new INDArray[outs.size()];
            for (int i = 0; i < outs.size(); i++) {
                INDArray seen = e.outputs()[i];
                outArrays[i] = Nd4j.createUninitialized(seen.dataType(), seen.shape(), 'c');
            }
            if (!(df instanceof GradientBackwardsMarker || df instanceof Assign)) {
                fresh.addAll(Arrays.asList(outArrays));
            }
            if (df instanceof GradientBackwardsMarker) {
                outArrays[0].assign(1.0);
                arrays.put(outs.get(0), outArrays[0]);
                steps.add(new Step(Kind.CONSTANT_ONE, df, null, null, new INDArray[0],
                        resolved(ins, aliasOfPlaceholder, sameAs), outs, outArrays));
                continue;
            }
            int stepIndex = steps.size();
            List<INDArray> inArrays = new ArrayList<>();
            List<String> inNames = new ArrayList<>();
            boolean custom = df instanceof CustomOp;
            int used = ins.size();
            INDArray scalar = null;
            Kind kind = custom ? Kind.CUSTOM : Kind.LEGACY;
            if (!custom) {
                // as the session parameterizes legacy ops: a reduction's 2nd input is its axis (already set
                // on the op), a scalar op's 2nd input is its scalar
                if (df instanceof ReduceOp && ((ReduceOp) df).getOpType() != Op.Type.REDUCE3 && ins.size() == 2) {
                    used = 1;
                } else if (df instanceof ScalarOp && ins.size() == 2) {
                    used = 1;
                    kind = Kind.SCALAR_FROM_INPUT;
                    if (isPlaceholder(e.graph(), ins.get(1)) || aliasOfPlaceholder.containsKey(ins.get(1))) {
                        throw new IllegalStateException("cannot replay a scalar op whose scalar is fed");
                    }
                    scalar = input(e.graph(), ins.get(1), arrays);
                }
            }
            for (int i = 0; i < used; i++) {
                String in = ins.get(i);
                String ph = aliasOfPlaceholder.getOrDefault(in, isPlaceholder(e.graph(), in) ? in : null);
                if (ph != null) {
                    INDArray fed = feed.get(ph);
                    if (fed == null) {
                        throw new IllegalStateException("placeholder " + ph + " was not fed");
                    }
                    inArrays.add(fed);
                    placeholderUses.computeIfAbsent(ph, k -> new ArrayList<>()).add(new int[] {stepIndex, i});
                } else {
                    inArrays.add(input(e.graph(), in, arrays));
                }
                inNames.add(in);
            }
            OpContext oc = Nd4j.getExecutioner().buildContext();
            INDArray[] inArr = inArrays.toArray(new INDArray[0]);
            if (custom) {
                DynamicCustomOp c = (DynamicCustomOp) df;
                oc.setArgs(inArr, c.iArgs(), c.dArgs(), c.tArgs(), c.bArgs());
                if (df instanceof Assign) {
                    outArrays[0] = inArr[0];
                }
            } else {
                oc.setInputArrays(inArr);
            }
            oc.setOutputArrays(outArrays);
            for (int i = 0; i < outs.size(); i++) {
                arrays.put(outs.get(i), outArrays[i]);
            }
            List<String> reads = resolved(ins, aliasOfPlaceholder, sameAs);
            SoftmaxBackward fused = null;
            if (custom && inArr.length >= 1) {
                String name = df.opName();
                long[] iArgs = ((DynamicCustomOp) df).iArgs();
                // softmax and softmax_bp of the same input along its last axis
                String key = iArgs.length == 1 && isLastAxis(inArr[0], iArgs[0]) ? reads.get(0) : null;
                if (key != null && name.equals("softmax") && inArr.length == 1 && outArrays.length == 1) {
                    softmaxOutputs.put(key, steps.size());
                } else if (key != null && name.equals("softmax_bp") && inArr.length == 2 && outArrays.length == 1
                        && softmaxOutputs.containsKey(key) && used == 2
                        && !placeholderUses.containsKey(reads.get(1)) && !isPlaceholder(e.graph(), reads.get(1))) {
                    int forward = softmaxOutputs.get(key);
                    INDArray y = steps.get(forward).outputs[0];
                    if (!writtenAfter(steps, forward, y)) {
                        fused = SoftmaxBackward.of(y, inArr[1], outArrays[0]);
                    }
                }
            }
            if (df instanceof BitCast && outArrays.length == 1 && inArr.length >= 1
                    && inArr[0].dataType().width() == outArrays[0].dataType().width()
                    && Arrays.equals(inArr[0].shape(), outArrays[0].shape())) {
                bitcastSource.put(outs.get(0), ins.get(0));
                bitcastSourceType.put(outs.get(0), inArr[0].dataType());
            }
            Step step = new Step(fused == null ? kind : Kind.SOFTMAX_BP_FROM_OUTPUT, df, oc, scalar, inArr, reads,
                    outs, outArrays);
            step.softmaxBackward = fused;
            step.host = fused == null ? HostKernels.of(df, oc) : null;
            steps.add(step);
        }
        Map<String, INDArray> results = new LinkedHashMap<>();
        Map<String, String> sources = new HashMap<>();
        for (String name : requested) {
            if (aliasOfPlaceholder.containsKey(name)) {
                sources.put(name, aliasOfPlaceholder.get(name));
                continue;
            }
            INDArray a = arrays.get(name);
            if (a == null) {
                throw new IllegalStateException("the recording did not compute " + name);
            }
            results.put(name, a);
        }
        Map<String, Fed> shapes = new LinkedHashMap<>();
        for (String ph : placeholderUses.keySet()) {
            shapes.put(ph, new Fed(feed.get(ph).shape(), feed.get(ph).dataType()));
        }
        for (String ph : new HashSet<>(sources.values())) {
            shapes.putIfAbsent(ph, new Fed(feed.get(ph).shape(), feed.get(ph).dataType()));
        }
        removeDeadSteps(steps, results.values(), placeholderUses);
        if (late != null) {
            Set<INDArray> keep = Collections.newSetFromMap(new IdentityHashMap<>());
            keep.addAll(results.values());
            reuseDeadArrays(steps, fresh, keep, late);
        }
        RecordedGraph g = new RecordedGraph(List.copyOf(steps), shapes, results, placeholderUses, sources,
                late == null ? null : Set.copyOf(late));
        check(requested, reference, g.runCheckingHostKernels(feed));
        if (late != null && !late.isEmpty()) {
            g.runBefore(feed, late);
            check(requested, reference, g.runAfter(feed, late));
        }
        return g;
    }

    /** Throws unless every requested array of the replay equals the session's up to rounding. */
    private static void check(List<String> requested, Map<String, INDArray> reference, Map<String, INDArray> replayed) {
        for (String name : requested) {
            INDArray want = reference.get(name);
            INDArray got = replayed.get(name);
            if (want == null || got == null || !Arrays.equals(want.shape(), got.shape())
                    || want.dataType() != got.dataType() || !close(want, got)) {
                throw new IllegalStateException("the replay of " + name + " differs from the session's result");
            }
        }
    }

    /** True if {@code axis} (negative: from the end) is the last axis of {@code a}. */
    private static boolean isLastAxis(INDArray a, long axis) {
        long rank = a.rank();
        return rank > 0 && (axis < 0 ? axis + rank : axis) == rank - 1;
    }

    /** True if a step after {@code index} writes into {@code a} (an assign into its input does). */
    private static boolean writtenAfter(List<Step> steps, int index, INDArray a) {
        for (int i = index + 1; i < steps.size(); i++) {
            for (INDArray o : steps.get(i).outputs) {
                if (o == a) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Number of distinct arrays the steps write (fewer than their outputs once arrays are shared). */
    int outputArrayCount() {
        Set<INDArray> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Step st : steps) {
            distinct.addAll(Arrays.asList(st.outputs));
        }
        return distinct.size();
    }

    /** Number of {@code softmax_bp} steps the replay runs as {@link SoftmaxBackward} from the forward output. */
    int fusedSoftmaxBackwards() {
        return (int) steps.stream().filter(s -> s.kind == Kind.SOFTMAX_BP_FROM_OUTPUT).count();
    }

    /** max |a − b| ≤ 1e-5 · max(1, max |a|): the same kernels on the same arrays, up to rounding. */
    private static boolean close(INDArray want, INDArray got) {
        if (!want.dataType().isFPType()) {
            return want.equals(got);
        }
        double scale = Math.max(1.0, want.amaxNumber().doubleValue());
        double diff = want.castTo(DataType.DOUBLE).sub(got.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        return diff <= 1e-5 * scale;
    }

    private static List<String> resolved(List<String> names, Map<String, String> aliasOfPlaceholder,
                                         Map<String, String> sameAs) {
        List<String> r = new ArrayList<>(names.size());
        for (String n : names) {
            r.add(aliasOfPlaceholder.getOrDefault(n, sameAs.getOrDefault(n, n)));
        }
        return List.copyOf(r);
    }

    private static boolean isPlaceholder(SameDiff graph, String name) {
        SDVariable v = graph.getVariable(name);
        return v != null && v.getVariableType() == VariableType.PLACEHOLDER;
    }

    /** The plan's array for an input that is a variable, a constant, or an earlier op's output. */
    private static INDArray input(SameDiff graph, String name, Map<String, INDArray> arrays) {
        INDArray a = arrays.get(name);
        if (a != null) {
            return a;
        }
        SDVariable v = graph.getVariable(name);
        if (v != null && (v.getVariableType() == VariableType.VARIABLE || v.getVariableType() == VariableType.CONSTANT)) {
            return v.getArr();
        }
        throw new IllegalStateException("no array for " + name + " before the op that reads it");
    }
}
