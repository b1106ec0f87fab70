package io.relaxsd.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Parameters of a score-function stochastic layer: the variables of its estimator graph, i.e. the
 * surrogate's φ (RELAX: the MLP r_ρ's weights and biases, and log λ for {@code mlp-of-relaxed}) and
 * the estimator's state (REINFORCE's running-mean baseline and its update count). Keeping the state
 * among the parameters lets {@code ModelSerializer} save it; it gets a zero gradient and DL4J's
 * {@code NoOp} updater ({@link StochasticLayer#getUpdaterByParam}).
 *
 * <p>Names, shapes and initial values are those of the graph the library's estimator builds
 * ({@link StochasticKernel#buildScoreFunction}), its surrogate initialised from the layer's seed;
 * each parameter is a 'c'-ordered slice of the layer's flat parameter view (a scalar is {@code [1, 1]}).
 */
final class ControlParamInitializer implements ParamInitializer {

    private static final ControlParamInitializer INSTANCE = new ControlParamInitializer();

    /** Parameter shapes and φ keys per layer configuration (independent of the seed). */
    private record Layout(Map<String, long[]> shapes, List<String> controlKeys) {
    }

    private static final Map<String, Layout> LAYOUTS = new ConcurrentHashMap<>();

    static ControlParamInitializer getInstance() {
        return INSTANCE;
    }

    private ControlParamInitializer() {
    }

    private static Layout layout(Layer layer) {
        StochasticLayer s = (StochasticLayer) layer;
        return LAYOUTS.computeIfAbsent(s.layoutKey(), k -> {
            StochasticKernel kernel = s.buildKernel(DataType.FLOAT, 0L, false);
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (Map.Entry<String, INDArray> e : kernel.variables().entrySet()) {
                long[] shape = e.getValue().rank() == 0 ? new long[] {1, 1} : e.getValue().shape();
                shapes.put(e.getKey(), shape);
            }
            return new Layout(Collections.unmodifiableMap(shapes), List.copyOf(kernel.controlKeys()));
        });
    }

    /** The keys of φ (trained by the layer's control updater). */
    static List<String> controlKeys(Layer layer) {
        return layout(layer).controlKeys();
    }

    /** The number of φ values (those trained by the control updater). */
    static long controlSize(Layer layer) {
        long n = 0;
        Layout l = layout(layer);
        for (String key : l.controlKeys()) {
            n += length(l.shapes().get(key));
        }
        return n;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        long n = 0;
        for (long[] shape : layout(layer).shapes().values()) {
            n += length(shape);
        }
        return n;
    }

    private static long length(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return new ArrayList<>(layout(layer).shapes().keySet());
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        List<String> keys = new ArrayList<>();
        for (Map.Entry<String, long[]> e : layout(layer).shapes().entrySet()) {
            if (isWeight(e.getKey(), e.getValue())) {
                keys.add(e.getKey());
            }
        }
        return keys;
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        List<String> keys = paramKeys(layer);
        keys.removeAll(weightKeys(layer));
        return keys;
    }

    /** The MLP's weight matrices; biases, log λ and state are the rest. */
    private static boolean isWeight(String key, long[] shape) {
        return shape.length == 2 && shape[0] > 1 && !key.contains("-b");
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return weightKeys(layer).contains(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return biasKeys(layer).contains(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        StochasticLayer s = (StochasticLayer) conf.getLayer();
        return init(conf, paramsView, initializeParams, s.getSeed() != null ? s.getSeed() : conf.getSeed());
    }

    /** As {@link #init(NeuralNetConfiguration, INDArray, boolean)}, the surrogate initialised from {@code seed}. */
    Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams, long seed) {
        Map<String, INDArray> views = slices(conf, paramsView);
        for (String key : views.keySet()) {
            conf.addVariable(key);
        }
        if (initializeParams && !views.isEmpty()) {
            StochasticLayer s = (StochasticLayer) conf.getLayer();
            Map<String, INDArray> initial = s.buildKernel(paramsView.dataType(), seed, false).variables();
            for (Map.Entry<String, INDArray> e : views.entrySet()) {
                e.getValue().assign(initial.get(e.getKey()).reshape(e.getValue().shape()));
            }
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return slices(conf, gradientView);
    }

    private static Map<String, INDArray> slices(NeuralNetConfiguration conf, INDArray flat) {
        Map<String, INDArray> views = new LinkedHashMap<>();
        Layout layout = layout(conf.getLayer());
        long expected = INSTANCE.numParams(conf.getLayer());
        if (expected == 0) {
            return views;
        }
        if (flat == null || flat.length() != expected) {
            throw new IllegalArgumentException("layer parameters: expected a view of " + expected + " values, got "
                    + (flat == null ? "none" : flat.length()));
        }
        INDArray row = flat.reshape(1, flat.length());
        long offset = 0;
        for (Map.Entry<String, long[]> e : layout.shapes().entrySet()) {
            long n = length(e.getValue());
            INDArray slice = row.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(offset, offset + n));
            views.put(e.getKey(), slice.reshape('c', e.getValue()));
            offset += n;
        }
        return views;
    }
}
