package org.hyperdas.cli;

import java.nio.file.Path;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.trainer.Experiment;
import org.hyperdas.trainer.InterventionMethod;
import org.hyperdas.trainer.TargetDefaults;
import org.hyperdas.trainer.das.LayerProbe;
import org.hyperdas.trainer.hyperdas.HyperDasMethod;

/** train's {@code --layer L|auto} and {@code --scope}: parsing and the layer probe of a run. */
final class AutoLayer {
    static final String AUTO = "auto";

    private AutoLayer() {
    }

    /** The layer the user fixed, or null for auto or unset. */
    static Integer parse(String text) {
        if (text == null || text.equals(AUTO)) {
            return null;
        }
        try {
            int l = Integer.parseInt(text.trim());
            if (l >= 0) {
                return l;
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new BadInputException("--layer '" + text + "': expected a whole number >= 0 or 'auto'");
    }

    /**
     * Whether the layer is probed: when asked ({@code --layer auto}), or by default for hyperdas on
     * a small target (large targets take the reference's layer; the baselines alone keep theirs).
     */
    static boolean auto(String text, InterventionMethod method, LlamaConfig target) {
        if (AUTO.equals(text)) {
            return true;
        }
        return text == null && method.name().equals(HyperDasMethod.NAME) && !TargetDefaults.isLarge(target);
    }

    /** Whether hyperdas trains per entity type; {@code --scope} given for another method is refused. */
    static boolean perTypeScope(String scope, InterventionMethod method, boolean given) {
        if (!scope.equals("per-type") && !scope.equals("joint")) {
            throw new BadInputException("--scope '" + scope + "': expected per-type or joint");
        }
        boolean hyperdas = method.name().equals(HyperDasMethod.NAME);
        if (given && !hyperdas) {
            throw new BadInputException("--scope applies to --method hyperdas only (got --method " + method.name() + ")");
        }
        return hyperdas && scope.equals("per-type");
    }

    /**
     * The probed layer: with {@code resume}, the one already recorded in {@code out} (so a resumed
     * run continues at its layer); else a fresh probe, recorded in {@code out}.
     */
    static int choose(Experiment experiment, long seed, boolean resume, Path out) throws Exception {
        Integer recorded = resume ? LayerProbe.recorded(out) : null;
        if (recorded != null) {
            System.err.printf("layer probe: layer %d (recorded in %s)%n", recorded, out.resolve(LayerProbe.FILE));
            return recorded;
        }
        LayerProbe.Result r = LayerProbe.run(experiment, seed, System.err);
        LayerProbe.write(r, out);
        return r.layer();
    }
}
