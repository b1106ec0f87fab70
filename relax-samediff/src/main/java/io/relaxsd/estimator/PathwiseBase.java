package io.relaxsd.estimator;

import java.util.EnumSet;
import java.util.Set;

/** What every pathwise estimator of this package shares: its config, bias and the two kinds. */
abstract class PathwiseBase implements PathwiseEstimator {
    final EstimatorConfig config;

    PathwiseBase(EstimatorConfig config) {
        this.config = config;
    }

    @Override
    public final EstimatorConfig config() {
        return config;
    }

    @Override
    public boolean unbiased() {
        return false;
    }

    @Override
    public Set<DistributionKind> kinds() {
        return EnumSet.allOf(DistributionKind.class);
    }
}
