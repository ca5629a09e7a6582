package org.hyperdas.runtime.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.hyperdas.runtime.BadInputException;

/**
 * All the weights of one Hugging Face model folder, as one name -> tensor map over one or more
 * memory-mapped safetensors files.
 *
 * <p>Layouts accepted (the ones transformers' save_pretrained produces):
 * <ul>
 *   <li>{@code model.safetensors} alone;
 *   <li>sharded: {@code model.safetensors.index.json} whose "weight_map" maps each tensor name to
 *       its shard file in the same folder. Every shard must exist and hold every tensor the index
 *       assigns to it. Tensors a shard holds that the index does not mention are kept too (the
 *       index wins when two shards hold the same name).
 * </ul>
 * A path to a single .safetensors file is accepted as well. Closing closes every shard.
 */
public final class WeightStore implements AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path folder;
    private final Path indexFile; // null when not sharded
    private final List<SafetensorsFile> files;
    private final Map<String, TensorInfo> tensors; // sorted by name
    private final Map<String, SafetensorsFile> owner;

    private WeightStore(Path folder, Path indexFile, List<SafetensorsFile> files,
            Map<String, TensorInfo> tensors, Map<String, SafetensorsFile> owner) {
        this.folder = folder;
        this.indexFile = indexFile;
        this.files = files;
        this.tensors = tensors;
        this.owner = owner;
    }

    /**
     * Opens a model folder (index or single file) or a single .safetensors file.
     *
     * @throws BadInputException when no weights are found, the index is malformed, a shard is
     *     missing, a shard lacks a tensor the index assigns to it, or any file is invalid
     */
    public static WeightStore open(Path folderOrFile) {
        if (Files.isRegularFile(folderOrFile)) {
            Path parent = folderOrFile.toAbsolutePath().getParent();
            return fromFiles(parent, null, List.of(folderOrFile), Map.of());
        }
        if (!Files.isDirectory(folderOrFile)) {
            throw BadInputException.file(folderOrFile, "no such folder or file");
        }
        Path index = folderOrFile.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return openSharded(folderOrFile, index);
        }
        Path single = folderOrFile.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return fromFiles(folderOrFile, null, List.of(single), Map.of());
        }
        throw BadInputException.file(folderOrFile, "no weights: expected " + SINGLE_FILE + " or "
                + INDEX_FILE + " in this folder");
    }

    private static WeightStore openSharded(Path folder, Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (JsonProcessingException e) {
            throw BadInputException.file(index, "not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new BadInputException(index + ": cannot read: " + e.getMessage(), e);
        }
        JsonNode wm = root == null ? null : root.get("weight_map");
        if (wm == null || !wm.isObject()) {
            throw BadInputException.field(index, "weight_map", "an object mapping tensor names to shard files",
                    SafetensorsFile.describe(wm));
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        Map<String, List<String>> byShard = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = wm.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw BadInputException.field(index, "weight_map." + e.getKey(), "a shard file name",
                        SafetensorsFile.describe(e.getValue()));
            }
            String shard = e.getValue().textValue();
            weightMap.put(e.getKey(), shard);
            byShard.computeIfAbsent(shard, k -> new ArrayList<>()).add(e.getKey());
        }
        Path base = folder.toAbsolutePath().normalize();
        List<Path> shardPaths = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : byShard.entrySet()) {
            String shard = e.getKey();
            Path p = base.resolve(shard).normalize();
            if (!p.startsWith(base) || !p.getParent().equals(base)) {
                throw new BadInputException(index + ": shard '" + shard
                        + "': expected a file name inside " + base);
            }
            if (!Files.isRegularFile(p)) {
                throw new BadInputException(index + ": shard '" + shard + "' (holding " + e.getValue().size()
                        + " tensors, e.g. " + e.getValue().get(0) + ") is missing: expected " + p + " to exist");
            }
            shardPaths.add(p);
        }
        return fromFiles(folder, index, shardPaths, weightMap);
    }

    private static WeightStore fromFiles(Path folder, Path index, List<Path> paths, Map<String, String> weightMap) {
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> byFileName = new LinkedHashMap<>();
            for (Path p : paths) {
                SafetensorsFile f = SafetensorsFile.open(p);
                opened.add(f);
                byFileName.put(p.getFileName().toString(), f);
            }
            Map<String, TensorInfo> tensors = new TreeMap<>();
            Map<String, SafetensorsFile> owner = new TreeMap<>();
            // Index entries first: they decide which shard owns a name.
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                SafetensorsFile f = byFileName.get(e.getValue());
                Optional<TensorInfo> t = f.find(e.getKey());
                if (t.isEmpty()) {
                    throw new BadInputException(index + ": tensor '" + e.getKey() + "' is mapped to shard '"
                            + e.getValue() + "', but " + f.path() + " has no such tensor");
                }
                tensors.put(e.getKey(), t.get());
                owner.put(e.getKey(), f);
            }
            for (SafetensorsFile f : opened) {
                for (TensorInfo t : f.tensors().values()) {
                    if (!tensors.containsKey(t.name())) {
                        tensors.put(t.name(), t);
                        owner.put(t.name(), f);
                    } else if (owner.get(t.name()) != f && !weightMap.containsKey(t.name())) {
                        throw new BadInputException(folder + ": tensor '" + t.name() + "' appears in both "
                                + owner.get(t.name()).path().getFileName() + " and " + f.path().getFileName()
                                + ", expected each tensor in one file");
                    }
                }
            }
            return new WeightStore(folder, index, Collections.unmodifiableList(opened),
                    Collections.unmodifiableMap(tensors), owner);
        } catch (RuntimeException e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /** The folder the weights were opened from. */
    public Path folder() {
        return folder;
    }

    /** The shard index, when the weights are sharded. */
    public Optional<Path> indexFile() {
        return Optional.ofNullable(indexFile);
    }

    /** The opened files (one, or one per shard in index order). */
    public List<SafetensorsFile> files() {
        return files;
    }

    /** Every tensor across all files, sorted by name. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public int tensorCount() {
        return tensors.size();
    }

    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** @throws BadInputException naming the folder when the tensor does not exist */
    public TensorInfo tensor(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw BadInputException.file(folder, "no tensor named '" + name + "' in the weights");
        }
        return t;
    }

    /** The file that holds the tensor. */
    public SafetensorsFile fileOf(String name) {
        tensor(name);
        return owner.get(name);
    }

    /** Memory-mapped little-endian bytes, see {@link SafetensorsFile#bytes}. */
    public ByteBuffer bytes(String name) {
        return fileOf(name).bytes(name);
    }

    /** float32 view or upcast copy, see {@link SafetensorsFile#float32}. */
    public FloatBuffer float32(String name) {
        return fileOf(name).float32(name);
    }

    /** Widens the tensor into {@code dst}, see {@link SafetensorsFile#readFloat32}. */
    public void readFloat32(String name, FloatBuffer dst) {
        fileOf(name).readFloat32(name, dst);
    }

    public float[] floatArray(String name) {
        return fileOf(name).floatArray(name);
    }

    /**
     * Checks that the named tensors hold only finite values (one scan each over the mapping).
     *
     * @throws BadInputException naming the file, the tensor and the first bad element
     */
    public void requireFinite(Iterable<String> names) {
        for (String name : names) {
            TensorInfo t = tensor(name);
            OptionalLong bad = FiniteScan.firstNonFinite(t.dtype(), bytes(name));
            if (bad.isPresent()) {
                throw BadInputException.file(fileOf(name).path(), "tensor '" + name + "' holds a non-finite value"
                        + " (NaN or infinity) at element " + bad.getAsLong() + ": expected finite weights (is the"
                        + " checkpoint corrupt, or did its training diverge?)");
            }
        }
    }

    /** Total number of elements over all tensors (the parameter count of the checkpoint). */
    public long parameterCount() {
        long n = 0;
        for (TensorInfo t : tensors.values()) {
            n += t.elementCount();
        }
        return n;
    }

    /** Elements per dtype, e.g. {BF16=...}; a mixed checkpoint shows several entries. */
    public Map<DType, Long> parameterCountByDType() {
        Map<DType, Long> m = new EnumMap<>(DType.class);
        for (TensorInfo t : tensors.values()) {
            m.merge(t.dtype(), t.elementCount(), Long::sum);
        }
        return m;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }

    @Override
    public String toString() {
        return "WeightStore[" + folder + ", " + files.size() + " file(s), " + tensors.size() + " tensors]";
    }
}
