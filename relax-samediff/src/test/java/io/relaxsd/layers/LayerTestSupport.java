package io.relaxsd.layers;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.estimator.PathwiseEstimator;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;

/** Shared helpers: the registered pathwise estimators and a stand-alone layer instance. */
final class LayerTestSupport {
    private LayerTestSupport() {
    }

    /** Every registered pathwise estimator defined for {@code kind}, at its default settings. */
    static List<String> pathwise(DistributionKind kind) {
        List<String> names = new ArrayList<>();
        for (String n : Estimators.names()) {
            if (Estimators.create(EstimatorConfig.of(n)) instanceof PathwiseEstimator p && p.kinds().contains(kind)) {
                names.add(n);
            }
        }
        return names;
    }

    /** The runtime of a single layer outside any network, as DL4J would create it. */
    static Layer instantiate(StochasticLayer conf, DataType dt) {
        NeuralNetConfiguration nnc = new NeuralNetConfiguration.Builder().dataType(dt).seed(1).layer(conf).build();
        return conf.instantiate(nnc, List.of(), 0, null, true, dt);
    }
}
