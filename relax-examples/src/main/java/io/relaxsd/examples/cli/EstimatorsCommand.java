package io.relaxsd.examples.cli;

import io.relaxsd.estimator.DistributionKind;
import io.relaxsd.estimator.Estimator;
import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.estimator.Estimators;
import io.relaxsd.estimator.PathwiseEstimator;
import io.relaxsd.examples.util.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code relax estimators}: the registered estimators and what they are. */
@Command(name = "estimators", mixinStandardHelpOptions = true,
        description = "List the gradient estimators: name, distributions, bias, kind and source.")
final class EstimatorsCommand implements Callable<Integer> {

    @Option(names = "--json", description = "One JSON object per estimator.")
    boolean json;

    @Override
    public Integer call() {
        if (!json) {
            System.out.printf(Locale.ROOT, "%-18s %-22s %-9s %-15s %s%n", "NAME", "DISTRIBUTIONS", "UNBIASED",
                    "KIND", "DESCRIPTION");
        }
        for (String name : Estimators.names()) {
            Estimator e = Estimators.create(EstimatorConfig.of(name));
            String kinds = e.kinds().stream().map(DistributionKind::id).sorted().collect(Collectors.joining(","));
            String kind = e instanceof PathwiseEstimator ? "pathwise" : "score-function";
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", name);
                m.put("distributions", List.of(kinds.split(",")));
                m.put("unbiased", e.unbiased());
                m.put("kind", kind);
                m.put("description", Estimators.summary(name));
                System.out.println(Json.line(m));
            } else {
                System.out.printf(Locale.ROOT, "%-18s %-22s %-9s %-15s %s%n", name, kinds, e.unbiased() ? "yes" : "no",
                        kind, Estimators.summary(name));
            }
        }
        return 0;
    }
}
