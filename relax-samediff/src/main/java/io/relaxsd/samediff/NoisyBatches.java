package io.relaxsd.samediff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.dataset.adapter.MultiDataSetIteratorAdapter;

/**
 * A data iterator for {@code SameDiff.fit}: each batch of the wrapped iterator, with fresh noise for every
 * discrete node of the graph appended to its features. The noise placeholders thus get fed like any
 * input, and the noise of a batch is drawn once, so the forward and backward passes of a step see one
 * sample.
 *
 * <pre>{@code
 * NoisyBatches batches = discrete.withNoise(trainIterator, Seeds.generator(42));
 * sd.setTrainingConfig(TrainingConfig.builder().updater(new Adam(1e-3))
 *         .dataSetFeatureMapping(batches.featureMapping("x"))
 *         .dataSetLabelMapping("y").build());
 * sd.fit(batches, 10);
 * }</pre>
 *
 * Build it after the last discrete node: it feeds the nodes that exist when it is made. The noise stream
 * continues across {@link #reset()} (epochs see new noise); seed {@code rng} for a reproducible run.
 */
public final class NoisyBatches implements MultiDataSetIterator {
    private final MultiDataSetIterator data;
    private final Discrete discrete;
    private final Random rng;
    private final List<String> noiseNames;

    NoisyBatches(MultiDataSetIterator data, Discrete discrete, Random rng) {
        if (data == null || rng == null) {
            throw new IllegalArgumentException("withNoise needs a data iterator and a noise generator, got "
                    + (data == null ? "no iterator" : "no generator"));
        }
        if (discrete.nodes().isEmpty()) {
            throw new IllegalArgumentException("withNoise: the graph has no discrete node yet; build the nodes first");
        }
        this.data = data;
        this.discrete = discrete;
        this.rng = rng;
        List<String> names = new ArrayList<>();
        for (Discrete.NodeInfo n : discrete.nodes()) {
            names.add(n.uniformPlaceholder());
            if (n.conditionalPlaceholder() != null) {
                names.add(n.conditionalPlaceholder());
            }
        }
        this.noiseNames = List.copyOf(names);
    }

    NoisyBatches(DataSetIterator data, Discrete discrete, Random rng) {
        this(data == null ? null : new MultiDataSetIteratorAdapter(data), discrete, rng);
    }

    /** The noise placeholders, in the order they follow the data's own features. */
    public List<String> noisePlaceholders() {
        return noiseNames;
    }

    /**
     * The feature mapping for {@code TrainingConfig.dataSetFeatureMapping}: the placeholders of the data's
     * own features, then the noise placeholders.
     */
    public String[] featureMapping(String... dataFeatures) {
        if (dataFeatures.length == 0) {
            throw new IllegalArgumentException("featureMapping needs the placeholder of at least one data feature");
        }
        List<String> all = new ArrayList<>(Arrays.asList(dataFeatures));
        all.addAll(noiseNames);
        return all.toArray(new String[0]);
    }

    @Override
    public MultiDataSet next(int num) {
        return withNoise(data.next(num));
    }

    @Override
    public MultiDataSet next() {
        return withNoise(data.next());
    }

    private MultiDataSet withNoise(MultiDataSet batch) {
        INDArray[] features = batch.getFeatures();
        Map<String, INDArray> noise = discrete.drawNoise(features[0].size(0), rng);
        INDArray[] all = Arrays.copyOf(features, features.length + noiseNames.size());
        for (int i = 0; i < noiseNames.size(); i++) {
            all[features.length + i] = noise.get(noiseNames.get(i));
        }
        INDArray[] masks = batch.getFeaturesMaskArrays();
        INDArray[] allMasks = masks == null ? null : Arrays.copyOf(masks, all.length);
        return new org.nd4j.linalg.dataset.MultiDataSet(all, batch.getLabels(), allMasks, batch.getLabelsMaskArrays());
    }

    @Override
    public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
        data.setPreProcessor(preProcessor);
    }

    @Override
    public MultiDataSetPreProcessor getPreProcessor() {
        return data.getPreProcessor();
    }

    @Override
    public boolean resetSupported() {
        return data.resetSupported();
    }

    @Override
    public boolean asyncSupported() {
        return false;  // noise is drawn on the caller's thread, in batch order
    }

    @Override
    public void reset() {
        data.reset();
    }

    @Override
    public boolean hasNext() {
        return data.hasNext();
    }
}
