package io.relaxsd.estimator;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/** What REINFORCE, REBAR and RELAX share: their config and both distribution kinds. */
abstract class ScoreFunctionBase implements ScoreFunctionEstimator {
    final EstimatorConfig config;

    ScoreFunctionBase(EstimatorConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public final EstimatorConfig config() {
        return config;
    }

    @Override
    public final Set<DistributionKind> kinds() {
        return EnumSet.allOf(DistributionKind.class);
    }
}
