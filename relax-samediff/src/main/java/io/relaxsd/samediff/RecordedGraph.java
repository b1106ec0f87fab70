package io.relaxsd.samediff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
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
 * {@link IllegalStateException}) unless every requested array is equal. On the CPU backend a few
 * ops that libnd4j runs slowly (ReLU, its backward, row and whole-array sums) run as Java loops
 * instead ({@link HostKernels}), each kept only if it gave its op's result at recording.
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

    /** A placeholder's recorded shape and data type. */
    private record Fed(long[] shape, DataType type) {
        boolean matches(INDArray a) {
            return a != null && a.dataType() == type && Arrays.equals(a.shape(), shape);
        }
    }

    private RecordedGraph(List<Step> steps, Map<String, Fed> placeholderShapes, Map<String, INDArray> results,
                          Map<String, List<int[]>> placeholderUses, Map<String, String> resultSources) {
        this.steps = steps;
        this.placeholderShapes = placeholderShapes;
        this.results = Collections.unmodifiableMap(results);
        this.placeholderUses = placeholderUses;
        this.resultSources = resultSources;
    }

    /** Records {@code sd.output(feed, outputs)}. */
    public static RecordedGraph ofOutputs(SameDiff sd, Map<String, INDArray> feed, Collection<String> outputs) {
        Recorder r = new Recorder();
        Map<String, INDArray> reference = withListener(sd, r, () -> sd.output(feed, List.copyOf(outputs)));
        return build(r, feed, new ArrayList<>(outputs), reference);
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
        RecordedGraph byGraphName = build(r, feed, new ArrayList<>(resultName.keySet()), reference);
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
                byGraphName.placeholderUses, sources);
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
        Set<INDArray> computed = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < steps.size(); i++) {
            if (!isLate[i]) {
                Step st = steps.get(i);
                st.exec();
                computed.addAll(Arrays.asList(st.outputs));
            }
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        results.forEach((name, a) -> {
            if (computed.contains(a)) {
                out.put(name, a);
            }
        });
        resultSources.forEach((name, placeholder) -> {
            if (!late.contains(placeholder)) {
                out.put(name, feed.get(placeholder));
            }
        });
        return out;
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
        return lateMasks.computeIfAbsent(Set.copyOf(late), l -> {
            Set<String> tainted = new HashSet<>(l);
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
        });
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

    private enum Kind { CUSTOM, LEGACY, SCALAR_FROM_INPUT, CONSTANT_ONE }

    /** One op of the replay, with its context bound to the plan's arrays. */
    private static final class Step {
        private final Kind kind;
        private final DifferentialFunction op;
        private final OpContext context;
        private final INDArray scalar;      // SCALAR_FROM_INPUT: the array holding the scalar
        private final List<String> reads;   // input names, identities resolved (placeholders, variables, outputs)
        private final List<String> writes;  // output names
        private final INDArray[] outputs;
        private HostKernels.Kernel host;    // a Java loop for the op, if one passed the recording's check

        Step(Kind kind, DifferentialFunction op, OpContext context, INDArray scalar, List<String> reads,
             List<String> writes, INDArray[] outputs) {
            this.kind = kind;
            this.op = op;
            this.context = context;
            this.scalar = scalar;
            this.reads = reads;
            this.writes = writes;
            this.outputs = outputs;
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
            }
        }
    }

    private static RecordedGraph build(Recorder r, Map<String, INDArray> feed, List<String> requested,
                                       Map<String, INDArray> reference) {
        Map<String, INDArray> arrays = new HashMap<>();          // variable name → plan array
        Map<String, String> aliasOfPlaceholder = new HashMap<>(); // identity chains ending at a placeholder
        Map<String, List<int[]>> placeholderUses = new LinkedHashMap<>();
        Map<String, String> sameAs = new HashMap<>();               // identity output → the name it aliases
        List<Step> steps = new ArrayList<>();
        for (Executed e : r.executed) {
            DifferentialFunction df = e.op().getOp();
            List<String> ins = e.op().getInputsToOp() == null ? List.of() : e.op().getInputsToOp();
            List<String> outs = e.op().getOutputsOfOp();
            if (df instanceof Identity) {
                String in = ins.get(0);
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
            if (df instanceof GradientBackwardsMarker) {
                outArrays[0].assign(1.0);
                arrays.put(outs.get(0), outArrays[0]);
                steps.add(new Step(Kind.CONSTANT_ONE, df, null, null, resolved(ins, aliasOfPlaceholder, sameAs),
                        outs, outArrays));
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
            Step step = new Step(kind, df, oc, scalar, resolved(ins, aliasOfPlaceholder, sameAs), outs, outArrays);
            step.host = HostKernels.of(df, oc);
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
        RecordedGraph g = new RecordedGraph(List.copyOf(steps), shapes, results, placeholderUses, sources);
        Map<String, INDArray> replayed = g.runCheckingHostKernels(feed);
        for (String name : requested) {
            INDArray want = reference.get(name);
            INDArray got = replayed.get(name);
            if (want == null || got == null || !Arrays.equals(want.shape(), got.shape())
                    || want.dataType() != got.dataType() || !close(want, got)) {
                throw new IllegalStateException("the replay of " + name + " differs from the session's result");
            }
        }
        return g;
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
