package io.relaxsd.estimator;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The registry: estimator names (as used on the command line, in layer configs and in JSON) to
 * implementations. Every name is documented by its class's Javadoc.
 */
public final class Estimators {

    private record Entry(String summary, Function<EstimatorConfig, Estimator> factory) {
    }

    private static final Map<String, Entry> REGISTRY = new LinkedHashMap<>();

    static {
        register("st", "straight-through with temperature (Bengio et al. 2013)", StraightThrough::new);
        register("gumbel-softmax", "Gumbel-Softmax / Concrete relaxation, relaxed forward (Jang et al. 2017)",
                GumbelSoftmax::new);
        register("st-gumbel-softmax", "straight-through Gumbel-Softmax (Jang et al. 2017)",
                StraightThroughGumbelSoftmax::new);
        register("gumbel-rao", "Gumbel-Rao: ST-Gumbel-Softmax Rao-Blackwellised over K conditional draws "
                + "(Paulus et al. 2021)", GumbelRao::new);
        register("reinmax", "ReinMax, second-order straight-through (Liu et al. 2023)", ReinMax::new);
        register("reinmax-alpha", "generalised ReinMax(alpha), second-order Runge-Kutta family (Liu et al. 2023)",
                ReinMaxAlpha::new);
        register("reinmax-rao", "ReinMax with a Rao-Blackwellised first-order term (Wang & Bui)", ReinMaxRao::new);
        register("reinmax-cv", "ReinMax plus eta x (Gumbel-Rao - ST-Gumbel-Softmax) at shifted logits (Wang & Bui, "
                + "eq. 18)", ReinMaxCv::new);
        register("reinforce", "REINFORCE score function, baselines none/running-mean/leave-one-out (Williams 1992)",
                Reinforce::new);
        register("rebar", "REBAR, relaxed control variate with learned eta and temperature (Tucker et al. 2017)",
                Rebar::new);
        register("relax", "RELAX, learned surrogate control variate (Grathwohl et al. 2018)", Relax::new);
    }

    private Estimators() {
    }

    private static void register(String name, String summary, Function<EstimatorConfig, Estimator> factory) {
        REGISTRY.put(name, new Entry(summary, factory));
    }

    /** All registered names, in registration order. */
    public static Set<String> names() {
        return Collections.unmodifiableSet(REGISTRY.keySet());
    }

    /** One-line description of an estimator. */
    public static String summary(String name) {
        Entry e = REGISTRY.get(name);
        if (e == null) {
            throw new IllegalArgumentException("estimator: unknown name '" + name + "'");
        }
        return e.summary();
    }

    /** Builds the estimator a config names. */
    public static Estimator create(EstimatorConfig config) {
        return REGISTRY.get(config.name()).factory().apply(config);
    }

    /** Builds a score-function estimator, or explains that the named one is pathwise. */
    public static ScoreFunctionEstimator scoreFunction(EstimatorConfig config) {
        Estimator e = create(config);
        if (e instanceof ScoreFunctionEstimator s) {
            return s;
        }
        throw new IllegalArgumentException("estimator '" + config.name() + "' is pathwise: it needs no loss function");
    }

    /** True if the named estimator needs the downstream loss itself (REINFORCE, REBAR, RELAX). */
    public static boolean isScoreFunction(String name) {
        return create(EstimatorConfig.of(name)) instanceof ScoreFunctionEstimator;
    }

    /** Builds a pathwise estimator, or explains that the named one needs the loss itself. */
    public static PathwiseEstimator pathwise(EstimatorConfig config) {
        Estimator e = create(config);
        if (e instanceof PathwiseEstimator p) {
            return p;
        }
        throw new IllegalArgumentException("estimator '" + config.name() + "' is a score-function estimator: it "
                + "needs the downstream loss f itself, not only its gradient");
    }
}
