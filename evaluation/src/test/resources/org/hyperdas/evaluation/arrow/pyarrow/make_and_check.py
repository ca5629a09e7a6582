"""Cross-implementation check of the pair files (run once with pyarrow 25.0.1; its outputs are the py_*.arrow here).

Usage: OUT=dir python3 make_and_check.py PAIR_DIR
Reads city_test_entity.arrow and physical_object_train.arrow from PAIR_DIR (written by
`PrepareData --out PAIR_DIR --seed 3 --train-per-kind 100 --eval-per-kind 50`, embedded data) with pyarrow,
checks them, and writes three pair files with pyarrow into $OUT (IPC file in 2 batches, IPC stream,
large_string columns) that PairFilesTest reads with the Java reader.
"""
import sys, os, json
try:
    import pyarrow as pa, pyarrow.ipc as ipc
except ImportError as e:
    print("NO PYARROW", e); os.system("pip list 2>/dev/null | grep -i -E 'arrow|pandas|datasets'"); sys.exit(3)
print("pyarrow", pa.__version__)
d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
for name in ["city_test_entity.arrow", "physical_object_train.arrow"]:
    with pa.memory_map(os.path.join(d, name)) as src:
        r = ipc.open_file(src)
        t = r.read_all()
    print(name, "batches", r.num_record_batches, "rows", t.num_rows)
    print(" schema:", [(f.name, str(f.type), f.nullable) for f in t.schema])
    print(" metadata:", {k.decode(): v.decode() for k, v in (t.schema.metadata or {}).items()})
    rows = t.to_pylist()
    assert all(x["base_label"] != x["counterfactual_label"] for x in rows)
    assert all(x["kind"] in ("cause", "isolate") for x in rows)
    assert all(x["base_template"].count("%s") == 1 for x in rows)
    print(" first:", json.dumps(rows[0], ensure_ascii=False))
    print(" kinds:", {k: sum(1 for x in rows if x["kind"] == k) for k in ("cause", "isolate")})
# pyarrow writes pair files for the Java reader: IPC file, IPC stream, large_string variant.
out = os.environ["OUT"]
cols = ["entity_type","attribute","base_attribute","source_attribute","kind","split","base_template","base_entity",
        "source_template","source_entity","instruction","base_label","counterfactual_label","expected_label"]
data = {c: ["x"] * 3 for c in cols}
data.update(entity_type=["city"]*3, attribute=["Country"]*3, base_attribute=["Country","Continent","Country"],
  kind=["cause","isolate","cause"], split=["train"]*3, base_template=[" %s is in", "{\"city\": \"%s\"", "%s, Zürich"],
  base_entity=["São Paulo","Lima","Oslo"], source_template=["%s:"]*3, source_entity=["Kraków","Paris","Lima"],
  instruction=["São Paulo ; Kraków - Country","Lima ; Paris - Country","Oslo ; Lima - Country"],
  base_label=["Brazil","South America","Norway"], counterfactual_label=["Poland","Europe","Peru"],
  expected_label=["Poland","South America","Peru"])
fields = [pa.field(c, pa.string(), nullable=False) for c in cols] + [pa.field("knows_it", pa.bool_(), nullable=False)]
tbl = pa.table({**{c: pa.array(data[c], pa.string()) for c in cols}, "knows_it": pa.array([True, False, True])},
               schema=pa.schema(fields, metadata={"hyperdas.pairs.version": "1"}))
with ipc.new_file(os.path.join(out, "py_file.arrow"), tbl.schema) as w:
    w.write_table(tbl, max_chunksize=2)
with ipc.new_stream(os.path.join(out, "py_stream.arrow"), tbl.schema) as w:
    w.write_table(tbl)
large = pa.table({c: tbl[c].cast(pa.large_string()) for c in cols})
with ipc.new_file(os.path.join(out, "py_large.arrow"), large.schema) as w:
    w.write_table(large)
print("wrote", os.listdir(out))
