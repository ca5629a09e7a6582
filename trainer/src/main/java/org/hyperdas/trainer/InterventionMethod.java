package org.hyperdas.trainer;

import java.io.PrintStream;
import java.util.List;
import org.hyperdas.export.MethodExporter;

/**
 * An interpretability method that can be trained on RAVEL pairs and scored: {@code patching},
 * {@code das}, {@code mdas}, and any method registered in {@link MethodRegistry}.
 */
public interface InterventionMethod {
    /** The name used by {@code --method} and in run folders and leaderboards. */
    String name();

    /** One line for help texts. */
    String description();

    /**
     * Whether the method learns parameters (and so uses k, steps, learning rate, batch size);
     * run configs leave those settings out for a method that does not.
     */
    default boolean learns() {
        return true;
    }

    /** Where the method intervenes, for the run's config.json. */
    default String site() {
        return "residual stream entering block `layer` (0 = embedding output), last entity token of base and source";
    }

    /** The optimizer and schedule, for the run's config.json (methods that learn). */
    default String optimizer() {
        return "AdamW (betas 0.9, 0.999, eps 1e-8, no weight decay), linear warm-up and decay";
    }

    /**
     * A method set up for a run.
     *
     * @param method the method with any settings beyond {@link MethodOptions} bound
     * @param options its options for the target
     */
    record Configured(InterventionMethod method, MethodOptions options) {
    }

    /**
     * This method set up for {@code target}: its defaults for the target
     * ({@link TargetDefaults}) with {@code overrides} applied. By default the baselines' settings.
     */
    default Configured configure(TargetModel target, MethodOverrides overrides) {
        return new Configured(this, overrides.onto(TargetDefaults.baseline(target.config(), overrides.seed())));
    }

    /** The option names ({@link MethodOverrides}) this method reads; others are refused when set. */
    default List<String> options() {
        return MethodOverrides.COMMON;
    }

    /** A hint added to the error for an option this method does not read (e.g. what to use instead). */
    default String optionsHint() {
        return "";
    }

    /**
     * Methods trained and scored beside this one by default, at its layer and k, on one leaderboard
     * ({@code train --baselines}); none by default.
     */
    default List<String> companions() {
        return List.of();
    }

    /** Why {@code sweep} cannot run this method, or null when it can (a method at fixed positions). */
    default String sweepRefusal() {
        return null;
    }

    /**
     * Trains (if the method learns anything) and returns the intervention ready to be scored.
     *
     * @param target the frozen target model
     * @param train the training pairs, already filtered to what the model knows
     * @param options layer, k, steps, ...
     * @param control checkpoints, resume, progress interval
     * @param progress progress lines
     */
    TrainedIntervention fit(TargetModel target, PairSet train, MethodOptions options, RunControl control,
            PrintStream progress) throws Exception;

    /**
     * How a trained run of this method becomes plain ONNX graphs ({@code hyperdas-run export});
     * the export module's verifier then recomputes the run's predictions from them, driven by the
     * graphs' specs, so a method's export is verified without code of its own.
     */
    MethodExporter exporter();

    /** {@link #fit(TargetModel, PairSet, MethodOptions, RunControl, PrintStream)} without checkpoints. */
    default TrainedIntervention fit(TargetModel target, PairSet train, MethodOptions options, PrintStream progress)
            throws Exception {
        return fit(target, train, options, RunControl.none(), progress);
    }
}
