package io.relaxsd.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.relaxsd.estimator.EstimatorConfig;
import io.relaxsd.examples.vae.VaeSetup;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The shared estimator options take the defaults of {@code ./relax vae} on the setup at hand: on a
 * binary setup REBAR and RELAX start at the official code's λ = 0.5 and η = 1, and RELAX uses the
 * context surrogate with 1000 pre-training steps; given options override them.
 */
class EstimatorOptionsTest {
    private static EstimatorOptions parse(String... args) {
        Holder h = new Holder();
        new CommandLine(h).parseArgs(args);
        return h.options;
    }

    @CommandLine.Command
    static final class Holder {
        @CommandLine.Mixin
        EstimatorOptions options;
    }

    private static final List<String> ALL = List.of("rebar", "relax", "reinmax");

    @Test
    void binarySetupsGiveRebarAndRelaxTheOfficialTemperatureEtaAndSurrogate() {
        EstimatorOptions o = parse();
        for (VaeSetup binary : List.of(VaeSetup.binaryLinear(), VaeSetup.binaryNonlinear(), VaeSetup.binaryLinear2())) {
            for (String n : List.of("rebar", "relax")) {
                EstimatorConfig c = o.config(n, ALL, binary);
                assertEquals(0.5, c.temperature(), 0, n + " tau on " + binary.label());
                assertEquals(1.0, c.eta(), 0, n + " eta on " + binary.label());
            }
            EstimatorConfig relax = o.config("relax", ALL, binary);
            assertEquals(EstimatorConfig.SurrogateKind.RELAXED_LOSS_PLUS_CONTEXT_MLP, relax.surrogate());
            assertEquals(1000, relax.pretrainSteps());
        }
    }

    @Test
    void theCategoricalSetupKeepsTheTunedTableAndTheLibraryDefaults() {
        EstimatorOptions o = parse();
        VaeSetup cat = VaeSetup.categorical(8, 16);
        EstimatorConfig libraryRebar = EstimatorConfig.builder("rebar").build();
        EstimatorConfig rebar = o.config("rebar", ALL, cat);
        assertEquals(1.0, rebar.temperature(), 0);
        assertEquals(libraryRebar.eta(), rebar.eta(), 0);
        assertEquals(1.5, o.config("reinmax", ALL, cat).temperature(), 0);
        EstimatorConfig relax = o.config("relax", ALL, cat);
        assertEquals(EstimatorConfig.builder("relax").build().surrogate(), relax.surrogate());
        assertEquals(0, relax.pretrainSteps());
    }

    @Test
    void givenOptionsOverrideTheSetupDefaults() {
        EstimatorOptions o = parse("--temperature", "0.8", "--eta", "0.3", "--surrogate", "mlp");
        EstimatorConfig relax = o.config("relax", ALL, VaeSetup.binaryLinear());
        assertEquals(0.8, relax.temperature(), 0);
        assertEquals(0.3, relax.eta(), 0);
        assertEquals(EstimatorConfig.SurrogateKind.MLP, relax.surrogate());
        assertEquals(0, relax.pretrainSteps(), "a surrogate without context is not pre-trained by default");
        assertEquals(0.8, o.config("reinmax", ALL, VaeSetup.binaryLinear()).temperature(), 0);
    }

    @Test
    void badValuesFailWithTheOptionsName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("--cv-noise", "sometimes").config("reinmax", ALL, VaeSetup.binaryLinear()));
        assertEquals("--cv-noise: unknown value 'sometimes'; known: unconditional, conditional", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> parse().config("nonsense", ALL, VaeSetup.binaryLinear()));
        assertTrue(e.getMessage().startsWith("--estimator: unknown name 'nonsense'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> parse("--surrogate", "mlp").config("reinmax", List.of("reinmax"), VaeSetup.binaryLinear()));
        assertTrue(e.getMessage().contains("applies to relax only"), e.getMessage());
    }
}
