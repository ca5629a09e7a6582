package org.hyperdas.graphs;

import java.nio.file.Path;

/**
 * An initializer stored outside the model: {@code length} raw little-endian bytes at
 * {@code offset} in {@code location}. Any byte range works, so a tensor inside a .safetensors file
 * can be used where it lies.
 *
 * <p>ONNX Runtime 1.28 resolves {@code location} against the model file's folder (or, for a model
 * loaded from bytes, {@code session.model_external_initializers_file_folder_path}) and refuses
 * absolute paths and any path whose real location, symlinks followed, leaves that folder. For a
 * Hugging Face cache, whose snapshot files are symlinks into {@code ../../blobs}, point the folder
 * at the repository folder ({@code models--org--name}) and use
 * {@code snapshots/REV/model.safetensors} as the location.
 */
public record ExternalData(String location, long offset, long length) implements InitializerData {
    public ExternalData {
        if (location == null || location.isBlank()) {
            throw new GraphBuildException("external data needs a file location");
        }
        Path path = Path.of(location);
        if (path.isAbsolute() || path.normalize().startsWith("..")) {
            throw new GraphBuildException("external data location '" + location
                    + "' must be relative and inside the model folder (ONNX Runtime rejects anything else)");
        }
        if (offset < 0 || length < 0) {
            throw new GraphBuildException("external data '" + location + "': negative offset " + offset
                    + " or length " + length);
        }
    }
}
