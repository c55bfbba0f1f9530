use super::*;
use crate::json::parse;

fn schemas_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/schemas")
}

fn read(text: &str) -> Result<Schema> {
    Schema::from_json(text.as_bytes(), &Limits::default())
}

/// Replaces every `"__id__": N` by the order of first appearance of N.
fn renumber_ids(text: &str) -> String {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\"__id__\": ") {
        let (before, after) = rest.split_at(at + "\"__id__\": ".len());
        out.push_str(before);
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        let (id, tail) = after.split_at(digits);
        let next = seen.len();
        out.push_str(&seen.entry(id.to_owned()).or_insert(next).to_string());
        rest = tail;
    }
    out.push_str(rest);
    out
}

use crate::error::{JsonError, SchemaError};
use std::collections::HashMap;

/// Schemas written by skops 0.16 (`tests/data/schemas/make_schemas.py`) are read and written
/// back byte for byte.
#[test]
fn real_schemas_round_trip_exactly() {
    let mut checked = 0;
    for entry in std::fs::read_dir(schemas_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let result = read(&text);
        if name == "bound_method_other_module" {
            // skops 0.16 refuses it too (the method is defined in a base class's module).
            assert!(
                matches!(
                    &result,
                    Err(Error::Schema(SchemaError::MethodTypeMismatch { expected_module, found_module, .. }))
                        if expected_module == "sklearn.linear_model._base"
                            && found_module == "sklearn.linear_model._logistic"
                ),
                "{result:?}"
            );
            continue;
        }
        let schema = result.unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(schema.protocol, 2);
        assert_eq!(schema.skops_version.as_ref().unwrap(), "0.16.0");
        let written = schema.to_json();
        if written != text {
            std::fs::write(format!("/tmp/schema-{name}.out.json"), &written).unwrap();
        }
        assert!(renumber_ids(&written) == renumber_ids(&text), "{name}");
        assert!(written == text, "{name}");
        checked += 1;
    }
    assert!(checked >= 24, "{checked}");
}

fn find(schema: &Schema, loader: Loader) -> Vec<(NodeId, &Node)> {
    schema
        .nodes()
        .filter(|(_, node)| node.loader == loader)
        .collect()
}

fn load(name: &str) -> Schema {
    let text = std::fs::read_to_string(schemas_dir().join(format!("{name}.json"))).unwrap();
    read(&text).unwrap()
}

#[test]
fn real_schemas_have_the_expected_nodes() {
    let tree = load("pipeline_tree");
    let reduce = find(&tree, Loader::Tree);
    assert_eq!(reduce.len(), 1);
    let NodeKind::Reduce {
        kind: ReduceKind::Tree,
        args,
        state,
        loader_first: false,
    } = reduce[0].1.kind
    else {
        panic!()
    };
    assert!(matches!(tree.node(args).kind, NodeKind::Tuple(ref items) if items.len() == 3));
    assert!(matches!(tree.node(state).kind, NodeKind::Dict { .. }));
    assert_eq!(tree.referenced_files().len(), 9);
    assert!(
        tree.referenced_files()
            .iter()
            .all(|file| file.ends_with(".npy"))
    );

    let rng = load("default_rng");
    let generator = find(&rng, Loader::RandomGenerator);
    assert!(matches!(
        &generator[0].1.kind,
        NodeKind::RandomGenerator { seed_seq: Some(_), bit_generator_name, .. } if bit_generator_name == "PCG64"
    ));

    let shared = load("shared_objects");
    let arrays = find(&shared, Loader::NdArray);
    assert_eq!(arrays.len(), 1, "one array shared four times");
    let root_children = shared.children(shared.root());
    let x = root_children
        .iter()
        .find(|(key, _)| *key == ChildKey::Key("x"))
        .unwrap()
        .1;
    let y = root_children
        .iter()
        .find(|(key, _)| *key == ChildKey::Key("y"))
        .unwrap()
        .1;
    assert_eq!(x, y);

    let bytes = load("bytes");
    assert_eq!(bytes.referenced_files().len(), 2);
    assert!(
        bytes
            .referenced_files()
            .iter()
            .all(|file| file.ends_with(".bin") && file.len() == 40)
    );

    let csr = load("csr_matrix");
    assert!(
        matches!(&csr.node(csr.root()).kind, NodeKind::SparseMatrix { file } if file.ends_with(".npz"))
    );
    let method = load("bound_method");
    assert!(
        matches!(&method.node(method.root()).kind, NodeKind::Method { func, .. } if func == "predict_proba")
    );
    let object_array = load("object_array_2d");
    assert!(
        matches!(&object_array.node(object_array.root()).kind, NodeKind::NdArray(NdArrayStorage::Json { items, .. }) if items.len() == 2)
    );
}

/// Builds `steps[1][1].tree_`-style paths from [`Schema::children`].
#[test]
fn child_keys_make_paths() {
    let schema = load("pipeline_tree");
    let mut paths = Vec::new();
    let mut pending = vec![(schema.root(), String::new())];
    while let Some((id, path)) = pending.pop() {
        if schema.node(id).loader == Loader::Tree {
            paths.push(path.clone());
        }
        for (key, child) in schema.children(id) {
            let child_path = match key {
                ChildKey::Attr("key_types") => continue,
                ChildKey::Attr("content") => path.clone(),
                ChildKey::Attr(name) => format!("{path}.{name}"),
                ChildKey::Key(key) if path.is_empty() => key.to_owned(),
                ChildKey::Key(key) => format!("{path}.{key}"),
                ChildKey::TextKey(key) => format!("{path}.{key}"),
                ChildKey::Index(index) => format!("{path}[{index}]"),
            };
            pending.push((child, child_path));
        }
    }
    assert_eq!(paths, ["steps[1][1].tree_"]);
}

/// Section 1.6 (a) of the format reference, verbatim.
const SPEC_EXAMPLE: &str = r#"{
  "__class__": "dict", "__module__": "builtins", "__loader__": "DictNode",
  "content": {
    "a": {"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode", "content": "1.5", "is_json": true, "__id__": 140599148919024},
    "2": {"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "numpy", "file": "140598766036880.npy", "__id__": 140598766036880},
    "t": {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode", "content": [
        {"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode", "content": "\"x\"", "is_json": true, "__id__": 140599157282400},
        {"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode", "content": "null", "is_json": true, "__id__": 140599156390880}],
      "__id__": 140599147354688}
  },
  "key_types": {"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [
      {"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode", "__id__": 140599156414560},
      {"__class__": "int", "__module__": "builtins", "__loader__": "TypeNode", "__id__": 140599156374752},
      {"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode", "__id__": 140599156414560}],
    "__id__": 140598765953984},
  "__id__": 140599143944192, "protocol": 2, "_skops_version": "0.16.0"
}"#;

#[test]
fn spec_example_is_read() {
    let schema = read(SPEC_EXAMPLE).unwrap();
    let root = schema.node(schema.root());
    let NodeKind::Dict { entries, key_types } = &root.kind else {
        panic!()
    };
    let keys: Vec<&str> = entries.iter().filter_map(|(key, _)| key.as_str()).collect();
    assert_eq!(keys, ["a", "2", "t"]);
    let NodeKind::List(types) = &schema.node(*key_types).kind else {
        panic!()
    };
    assert_eq!(types[0], types[2], "the shared `str` TypeNode is one node");
    assert_ne!(types[0], types[1]);
    assert_eq!(schema.node(types[1]).type_name(), "builtins.int");
    // key_types are built before content, as in skops.
    assert!(types[0] < entries[0].1);
    assert_eq!(schema.referenced_files(), ["140598766036880.npy"]);
    assert_eq!(schema.len(), 9);
    assert!(
        matches!(&schema.node(entries[0].1).extra[..], [(key, Value::Bool(true))] if key == "is_json")
    );
    // Written back in skops' layout, it reads back the same.
    assert_eq!(read(&schema.to_json()).unwrap(), schema);
}

/// One node of every kind, written by the builder, read back identically.
#[test]
fn builder_round_trips_every_kind() {
    for protocol in 0..=2 {
        let mut b = SchemaBuilder::new();
        let mut id = 0;
        let mut next_id = || {
            id += 1;
            Some(id)
        };
        let str_type = b
            .add(Node::new("str", "builtins", next_id(), NodeKind::Type))
            .unwrap();
        let one = b.add(Node::json("1", next_id())).unwrap();
        let key_types = b
            .add(Node::new(
                "list",
                "builtins",
                next_id(),
                NodeKind::List(vec![str_type]),
            ))
            .unwrap();
        let dict = b
            .add(Node::new(
                "dict",
                "builtins",
                next_id(),
                NodeKind::Dict {
                    entries: vec![("k".into(), one)],
                    key_types,
                },
            ))
            .unwrap();
        let empty_types = b
            .add(Node::new(
                "list",
                "builtins",
                next_id(),
                NodeKind::List(vec![]),
            ))
            .unwrap();
        let empty_dict = b
            .add(Node::new(
                "dict",
                "builtins",
                next_id(),
                NodeKind::Dict {
                    entries: vec![],
                    key_types: empty_types,
                },
            ))
            .unwrap();
        let tuple = b
            .add(Node::new(
                "tuple",
                "builtins",
                next_id(),
                NodeKind::Tuple(vec![one]),
            ))
            .unwrap();
        let array = b
            .add(Node::new(
                "ndarray",
                "numpy",
                next_id(),
                NodeKind::NdArray(NdArrayStorage::Numpy {
                    file: "7.npy".into(),
                }),
            ))
            .unwrap();
        let function = if protocol == 0 {
            NodeKind::FunctionV0 {
                module_path: "numpy".into(),
                function: "add".into(),
            }
        } else {
            NodeKind::Function
        };
        let func = b
            .add(Node::new("add", "numpy", next_id(), function))
            .unwrap();
        let generator = match protocol {
            0 => NodeKind::RandomGeneratorV0 {
                raw: parse(br#"{"bit_generator": "PCG64", "state": {"state": 1}}"#, 8).unwrap(),
            },
            _ => {
                let name = b.add(Node::json("\"PCG64\"", next_id())).unwrap();
                let name_type = b
                    .add(Node::new("str", "builtins", next_id(), NodeKind::Type))
                    .unwrap();
                let name_types = b
                    .add(Node::new(
                        "list",
                        "builtins",
                        next_id(),
                        NodeKind::List(vec![name_type]),
                    ))
                    .unwrap();
                let state = b
                    .add(Node::new(
                        "dict",
                        "builtins",
                        next_id(),
                        NodeKind::Dict {
                            entries: vec![("bit_generator".into(), name)],
                            key_types: name_types,
                        },
                    ))
                    .unwrap();
                NodeKind::RandomGenerator {
                    bit_generator: state,
                    seed_seq: (protocol == 2).then_some(empty_dict),
                    bit_generator_name: "PCG64".into(),
                }
            }
        };
        let kinds = vec![
            NodeKind::DefaultDict {
                main: dict,
                default_factory: str_type,
            },
            NodeKind::Set(vec![one]),
            NodeKind::Slice {
                start: Value::Null,
                stop: 10i64.into(),
                step: parse(b"2", 1).unwrap(),
            },
            NodeKind::Bytes {
                file: "a.bin".into(),
            },
            NodeKind::Bytearray {
                file: "b.bin".into(),
            },
            NodeKind::Partial {
                func,
                args: tuple,
                kwds: empty_dict,
                namespace: one,
            },
            NodeKind::OperatorFunc { attrs: tuple },
            NodeKind::Object {
                content: Some(dict),
            },
            NodeKind::Object { content: None },
            NodeKind::ConstructorFromReduce { content: tuple },
            NodeKind::NdArray(NdArrayStorage::Json {
                items: vec![one, one],
                shape: tuple,
            }),
            NodeKind::MaskedArray {
                data: array,
                mask: array,
            },
            NodeKind::DType { content: array },
            NodeKind::SparseMatrix {
                file: "9.npz".into(),
            },
            NodeKind::RandomState { content: dict },
            generator,
            NodeKind::Reduce {
                kind: ReduceKind::Tree,
                args: tuple,
                state: dict,
                loader_first: false,
            },
            NodeKind::Reduce {
                kind: ReduceKind::Loss,
                args: tuple,
                state: empty_dict,
                loader_first: true,
            },
            NodeKind::Reduce {
                kind: ReduceKind::QuantileForest,
                args: tuple,
                state: dict,
                loader_first: false,
            },
            NodeKind::DictWithDeprecatedKeys {
                main: dict,
                deprecated_key_to_new_key: empty_dict,
            },
        ];
        let mut items = Vec::new();
        for kind in kinds {
            let module = if matches!(kind, NodeKind::OperatorFunc { .. }) {
                "operator"
            } else {
                "m"
            };
            items.push(b.add(Node::new("C", module, next_id(), kind)).unwrap());
        }
        let obj = b
            .add(Node::new(
                "Est",
                "mod",
                next_id(),
                NodeKind::Object { content: None },
            ))
            .unwrap();
        items.push(
            b.add(Node::new(
                "Est",
                "mod",
                next_id(),
                NodeKind::Method {
                    func: "predict".into(),
                    obj,
                },
            ))
            .unwrap(),
        );
        let root = b
            .add(Node::new(
                "list",
                "builtins",
                next_id(),
                NodeKind::List(items),
            ))
            .unwrap();
        let schema = b.finish(root, protocol, Some("0.16.0".into())).unwrap();
        let text = schema.to_json();
        let back =
            read(&text).unwrap_or_else(|error| panic!("protocol {protocol}: {error}\n{text}"));
        assert_eq!(back.to_json(), text);
        assert_eq!(back.protocol, protocol);
        // Every loader is present once the list is read.
        let loaders: std::collections::HashSet<Loader> =
            back.nodes().map(|(_, n)| n.loader).collect();
        assert_eq!(loaders.len(), Loader::ALL.len(), "protocol {protocol}");
        // The reduce family keeps skops' key order.
        assert!(text.contains(
            "\"__class__\": \"C\",\n      \"__module__\": \"m\",\n      \"__reduce__\": {"
        ));
    }
}

#[test]
fn builder_refuses_bad_input() {
    let mut b = SchemaBuilder::new();
    assert!(matches!(
        b.add(Node::new(
            "list",
            "builtins",
            None,
            NodeKind::List(vec![NodeId(3)])
        )),
        Err(Error::Schema(SchemaError::UnknownNodeId { index: 3 }))
    ));
    let mut node = Node::new("int", "builtins", None, NodeKind::Type);
    node.loader = Loader::Json;
    assert!(matches!(
        b.add(node),
        Err(Error::Schema(SchemaError::LoaderMismatch { .. }))
    ));
    let f = b
        .add(Node::new("sqrt", "numpy", None, NodeKind::Function))
        .unwrap();
    assert!(matches!(
        SchemaBuilder::new().finish(f, 2, None),
        Err(Error::Schema(SchemaError::UnknownNodeId { .. }))
    ));
    let mut b2 = SchemaBuilder::new();
    let f = b2
        .add(Node::new("sqrt", "numpy", None, NodeKind::Function))
        .unwrap();
    assert!(matches!(
        b2.finish(f, 0, None),
        Err(Error::Schema(SchemaError::NodeProtocolMismatch {
            protocol: 0,
            ..
        }))
    ));
    let mut b3 = SchemaBuilder::new();
    let f = b3
        .add(Node::new("sqrt", "numpy", None, NodeKind::Function))
        .unwrap();
    assert!(matches!(
        b3.finish(f, 3, None),
        Err(Error::Schema(SchemaError::ProtocolTooNew { .. }))
    ));
}

fn type_state(id: u64) -> String {
    format!(
        r#"{{"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode", "__id__": {id}}}"#
    )
}

fn with_root(body: &str) -> String {
    format!("{{{body}, \"protocol\": 2, \"_skops_version\": \"0.16.0\"}}")
}

#[test]
fn protocol_is_validated_like_skops() {
    let state = |protocol: &str| {
        format!(
            r#"{{"__class__": "len", "__module__": "builtins", "__loader__": "TypeNode", "protocol": {protocol}}}"#
        )
    };
    let invalid = |protocol: &str| match read(&state(protocol)) {
        Err(Error::Schema(SchemaError::InvalidProtocol { found })) => found,
        other => panic!("{protocol}: {other:?}"),
    };
    assert_eq!(invalid("true"), "True");
    assert_eq!(invalid("\"2\""), "'2'");
    assert_eq!(invalid("2.0"), "2.0");
    assert_eq!(invalid("null"), "None");
    assert_eq!(
        read(r#"{"__class__": "len", "__module__": "builtins", "__loader__": "TypeNode"}"#)
            .unwrap_err()
            .to_string(),
        "invalid protocol None in `schema.json`, expected an integer"
    );
    assert!(
        matches!(read(&state("3")), Err(Error::Schema(SchemaError::ProtocolTooNew { protocol, supported: 2 })) if protocol == "3")
    );
    assert!(matches!(
        read(&state("100000000000000000000000")),
        Err(Error::Schema(SchemaError::ProtocolTooNew { .. }))
    ));
    assert!(
        matches!(read(&state("-1")), Err(Error::Schema(SchemaError::ProtocolNegative { protocol })) if protocol == "-1")
    );
    assert!(matches!(
        read(&state("-100000000000000000000000")),
        Err(Error::Schema(SchemaError::ProtocolNegative { .. }))
    ));
    for protocol in ["0", "1", "2", "-0"] {
        assert!(read(&state(protocol)).is_ok(), "{protocol}");
    }
    assert!(matches!(
        read("[]"),
        Err(Error::Schema(SchemaError::NodeNotObject {
            found: "array",
            ..
        }))
    ));
    assert!(matches!(
        read(
            r#"{"__class__": "len", "__module__": "builtins", "__loader__": "TypeNode", "protocol": 2, "_skops_version": 1}"#
        ),
        Err(Error::Schema(SchemaError::WrongType { .. }))
    ));
}

#[test]
fn loaders_follow_the_protocol() {
    let function = r#""__class__": "ufunc", "__module__": "numpy", "__loader__": "FunctionNode", "content": {"module_path": "numpy", "function": "sqrt"}"#;
    let v0 = read(&format!("{{{function}, \"protocol\": 0}}")).unwrap();
    assert!(
        matches!(&v0.node(v0.root()).kind, NodeKind::FunctionV0 { function, .. } if function == "sqrt")
    );
    // At protocol 2 the same state is a current FunctionNode; its `content` is kept verbatim.
    let v2 = read(&format!("{{{function}, \"protocol\": 2}}")).unwrap();
    assert!(matches!(v2.node(v2.root()).kind, NodeKind::Function));
    assert_eq!(v2.node(v2.root()).extra.len(), 1);
    assert_eq!(
        renumber_ids(&v2.to_json()),
        renumber_ids(&json::to_string_pretty(
            &parse(format!("{{{function}, \"protocol\": 2}}").as_bytes(), 8).unwrap()
        ))
    );
    assert!(matches!(
        read(r#"{"__class__": "ufunc", "__module__": "numpy", "__loader__": "FunctionNode", "content": {"function": "sqrt"}, "protocol": 0}"#),
        Err(Error::Schema(SchemaError::MissingKey { key, path })) if key == "module_path" && path == r#"$["content"]"#
    ));

    let generator = |protocol: i64, name: &str| {
        format!(
            r#"{{"__class__": "Generator", "__module__": "numpy.random._generator", "__loader__": "RandomGeneratorNode",
             "content": {{"bit_generator": {{"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode",
                 "content": {{"bit_generator": {{"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode", "content": {name}}}}},
                 "key_types": {{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [{}]}}}}}},
             "protocol": {protocol}}}"#,
            type_state(5)
        )
    };
    let v1 = read(&generator(1, r#""\"MT19937\"""#)).unwrap();
    assert!(
        matches!(&v1.node(v1.root()).kind, NodeKind::RandomGenerator { seed_seq: None, bit_generator_name, .. } if bit_generator_name == "MT19937")
    );
    assert!(matches!(
        read(&generator(2, r#""\"MT19937\"""#)),
        Err(Error::Schema(SchemaError::MissingKey { key, .. })) if key == "seed_seq"
    ));
    // (A non-string JsonNode `content` is refused earlier, as a wrong type.)
    assert!(matches!(
        read(&generator(1, "7")),
        Err(Error::Schema(SchemaError::WrongType { .. }))
    ));
    for bad_name in [r#""7""#, r#""not json""#, r#""[\"PCG64\"]""#] {
        assert!(
            matches!(
                read(&generator(1, bad_name)),
                Err(Error::Schema(SchemaError::BitGeneratorNameMissing { .. }))
            ),
            "{bad_name}"
        );
    }
    let v0 = read(&generator(0, "7")).unwrap();
    assert!(matches!(
        &v0.node(v0.root()).kind,
        NodeKind::RandomGeneratorV0 {
            raw: Value::Object(_)
        }
    ));

    let unknown = read(&with_root(
        r#""__class__": "SGDClassifier", "__module__": "m", "__loader__": "SGDNode""#,
    ));
    assert!(matches!(
        unknown,
        Err(Error::Schema(SchemaError::UnknownLoader { loader, module, class, protocol: 2, .. }))
            if loader == "SGDNode" && module == "m" && class == "SGDClassifier"
    ));
}

#[test]
fn structural_refusals() {
    type Check = fn(&Error) -> bool;
    let cases: Vec<(String, Check)> = vec![
        (
            with_root(
                r#""__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "pickle", "file": "x""#,
            ),
            |e| matches!(e, Error::Schema(SchemaError::UnknownArrayType { found, .. }) if found == "pickle"),
        ),
        (
            with_root(
                r#""__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "file": "x""#,
            ),
            |e| matches!(e, Error::Schema(SchemaError::MissingKey { key, .. }) if key == "type"),
        ),
        (
            with_root(
                r#""__class__": "csr_matrix", "__module__": "scipy.sparse._csr", "__loader__": "SparseMatrixNode", "type": "numpy", "file": "x""#,
            ),
            |e| matches!(e, Error::Schema(SchemaError::SparseType { module, class, .. }) if module == "scipy.sparse._csr" && class == "csr_matrix"),
        ),
        (
            with_root(
                r#""__class__": "attrgetter", "__module__": "os", "__loader__": "OperatorFuncNode", "attrs": {}"#,
            ),
            |e| matches!(e, Error::Schema(SchemaError::OperatorModule { module, .. }) if module == "os"),
        ),
        (
            with_root(
                r#""__class__": "A", "__module__": "m", "__loader__": "MethodNode", "content": {"func": "f", "obj": {"__class__": "B", "__module__": "m", "__loader__": "ObjectNode"}}"#,
            ),
            |e| matches!(e, Error::Schema(SchemaError::MethodTypeMismatch { expected_class, found_class, .. }) if expected_class == "A" && found_class == "B"),
        ),
        (
            with_root(
                r#""__class__": "A", "__module__": "m", "__loader__": "MethodNode", "content": {"obj": {"__class__": "A", "__module__": "m", "__loader__": "ObjectNode"}}"#,
            ),
            |e| matches!(e, Error::Schema(SchemaError::MissingKey { key, path }) if key == "func" && path == r#"$["content"]"#),
        ),
        (
            with_root(
                r#""__class__": "str", "__module__": "builtins", "__loader__": "JsonNode", "content": 1"#,
            ),
            |e| matches!(e, Error::Schema(SchemaError::WrongType { key, expected: "string", found: "integer", .. }) if key == "content"),
        ),
        (
            with_root(
                r#""__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [1]"#,
            ),
            |e| matches!(e, Error::Schema(SchemaError::NodeNotObject { path, found: "integer" }) if path == r#"$["content"][0]"#),
        ),
        (
            with_root(
                r#""__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [], "__id__": -1"#,
            ),
            |e| matches!(e, Error::Schema(SchemaError::WrongType { key, .. }) if key == "__id__"),
        ),
        (
            with_root(r#""__module__": "builtins", "__loader__": "TypeNode""#),
            |e| matches!(e, Error::Schema(SchemaError::MissingKey { key, path }) if key == "__class__" && path == "$"),
        ),
        (
            with_root(
                r#""__class__": "x", "__module__": "builtins", "__loader__": "CachedNode", "__id__": 4"#,
            ),
            |e| {
                matches!(
                    e,
                    Error::Schema(SchemaError::CachedNodeUnknownId { id: Some(4), .. })
                )
            },
        ),
        (
            with_root(r#""__class__": "x", "__module__": "builtins", "__loader__": "CachedNode""#),
            |e| e.to_string() == "a cached node at `$` refers to an unknown object id None",
        ),
        (
            with_root(
                r#""__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "__id__": 7, "content": [{"__id__": 7}]"#,
            ),
            |e| matches!(e, Error::Schema(SchemaError::IdCycle { id: 7, path }) if path == r#"$["content"][0]"#),
        ),
        (
            with_root(
                r#""__class__": "Tree", "__module__": "sklearn.tree._tree", "__reduce__": {}, "content": {"__class__": "int", "__module__": "builtins", "__loader__": "TypeNode"}, "__loader__": "TreeNode""#,
            ),
            |e| matches!(e, Error::Schema(SchemaError::MissingKey { key, path }) if key == "args" && path == r#"$["__reduce__"]"#),
        ),
    ];
    for (text, check) in cases {
        let error = read(&text).expect_err(&text);
        assert!(check(&error), "{text}\n{error:?}");
    }
}

#[test]
fn memo_resolves_ids_like_get_tree() {
    // A later state with a known id IS the earlier node, whatever else it says; CachedNode too.
    let text = with_root(&format!(
        r#""__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [{}, {{"__id__": 5, "__loader__": "Bogus"}}, {{"__class__": "x", "__module__": "y", "__loader__": "CachedNode", "__id__": 5}}, {}, {}]"#,
        type_state(5),
        type_state(0),
        type_state(0)
    ));
    let schema = read(&text).unwrap();
    let NodeKind::List(items) = &schema.node(schema.root()).kind else {
        panic!()
    };
    assert_eq!(items[0], items[1]);
    assert_eq!(items[0], items[2]);
    // `__id__` 0 is not memoised: two distinct nodes.
    assert_ne!(items[3], items[4]);
    assert_eq!(schema.len(), 4);
    // Shared nodes are written in full at each occurrence.
    assert_eq!(schema.to_json().matches("\"TypeNode\"").count(), 5);
}

#[test]
fn expansion_and_depth_are_bounded() {
    // "Billion laughs": each list refers twice to the previous one by id alone.
    let mut body = type_state(1);
    for level in 2..=40u64 {
        body = format!(
            r#"{{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "__id__": {level}, "content": [{body}, {{"__id__": {}}}]}}"#,
            level - 1
        );
    }
    let text = format!(
        r#"{{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [{body}], "protocol": 2}}"#
    );
    assert!(
        matches!(read(&text), Err(Error::LimitExceeded { limit, .. }) if limit == crate::limits::MAX_EXPANDED_NODES)
    );

    // Deep nesting within the JSON limit is read with bounded recursion.
    let chain = |levels: usize| {
        let mut text = String::new();
        for _ in 0..levels {
            text.push_str(
                r#"{"__class__": "A", "__module__": "m", "__loader__": "ObjectNode", "content": "#,
            );
        }
        text.push_str(r#"{"__class__": "A", "__module__": "m", "__loader__": "ObjectNode"}"#);
        for _ in 0..levels {
            text.push('}');
        }
        text.insert_str(text.len() - 1, r#", "protocol": 2"#);
        text
    };
    let deep = read(&chain(511)).unwrap();
    assert_eq!(deep.len(), 512);
    assert_eq!(read(&deep.to_json()).unwrap(), deep);
    assert!(matches!(
        read(&chain(512)),
        Err(Error::Json(JsonError::TooDeep { .. }))
    ));
    // from_value applies the depth limit itself.
    let value = parse(chain(600).as_bytes(), 1000).unwrap();
    assert!(matches!(
        Schema::from_value(&value),
        Err(Error::LimitExceeded { .. })
    ));
}

#[test]
fn duplicate_dict_keys_follow_python_dict() {
    let text = with_root(&format!(
        r#""__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": {{"1": {}, "2": {}, "1": {}}}, "key_types": {{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": []}}"#,
        type_state(10),
        type_state(11),
        type_state(12)
    ));
    let schema = read(&text).unwrap();
    let NodeKind::Dict { entries, .. } = &schema.node(schema.root()).kind else {
        panic!()
    };
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].0, "1");
    assert_eq!(schema.node(entries[0].1).id, Some(12));
    // The dropped value was never built, as in Python.
    assert!(schema.nodes().all(|(_, node)| node.id != Some(10)));
}

/// A random container tree, as the property test below builds it into a schema.
#[derive(Debug, Clone)]
enum Shape {
    Int(i64),
    Text(String),
    List(Vec<Shape>),
    Tuple(Vec<Shape>),
    Dict(Vec<(String, Shape)>),
}

fn arb_shape() -> impl proptest::strategy::Strategy<Value = Shape> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        any::<i64>().prop_map(Shape::Int),
        "[ -~\u{e9}\u{1f600}\"\\\\]{0,8}".prop_map(Shape::Text),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Shape::List),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Shape::Tuple),
            // Distinct keys, as in a Python dict (a repeated key would drop a value).
            prop::collection::btree_map("[a-z\u{e9}\"]{0,6}", inner, 0..4)
                .prop_map(|entries| Shape::Dict(entries.into_iter().collect())),
        ]
    })
}

/// Adds `shape` to `b` as skops 0.16 would write it; ids count up from `next`.
fn build_shape(b: &mut SchemaBuilder, shape: &Shape, next: &mut u64) -> NodeId {
    let mut id = || {
        *next += 1;
        Some(*next)
    };
    let node = match shape {
        Shape::Int(value) => Node::json(value.to_string(), id()),
        Shape::Text(text) => Node::json(
            crate::json::to_string_compact(&crate::json::Value::from(text.clone())),
            id(),
        ),
        Shape::List(items) | Shape::Tuple(items) => {
            let children = items
                .iter()
                .map(|item| build_shape(b, item, next))
                .collect();
            let (class, kind) = match shape {
                Shape::List(_) => ("list", NodeKind::List(children)),
                _ => ("tuple", NodeKind::Tuple(children)),
            };
            Node::new(class, "builtins", Some(*next + 1), kind)
        }
        Shape::Dict(entries) => {
            let mut built = Vec::new();
            let mut types = Vec::new();
            for (key, value) in entries {
                built.push((key.into(), build_shape(b, value, next)));
                *next += 1;
                let str_type = Node::new("str", "builtins", Some(*next), NodeKind::Type);
                types.push(b.add(str_type).unwrap());
            }
            *next += 1;
            let key_types = b
                .add(Node::new(
                    "list",
                    "builtins",
                    Some(*next),
                    NodeKind::List(types),
                ))
                .unwrap();
            Node::new(
                "dict",
                "builtins",
                Some(*next + 1),
                NodeKind::Dict {
                    entries: built,
                    key_types,
                },
            )
        }
    };
    if matches!(shape, Shape::List(_) | Shape::Tuple(_) | Shape::Dict(_)) {
        *next += 1;
    }
    b.add(node).unwrap()
}

proptest::proptest! {
    /// Any container tree the builder writes reads back and is written again to the same text
    /// (the layout of `json.dumps(indent=2)`), and the read schema is a fixpoint of
    /// write-then-read. (Arena order differs between builder and reader, so the builder's
    /// schema itself is compared through its text.)
    #[test]
    fn built_schemas_round_trip(shape in arb_shape()) {
        let mut b = SchemaBuilder::new();
        let mut next = 0;
        let root = build_shape(&mut b, &shape, &mut next);
        let schema = b.finish(root, PROTOCOL, Some("0.16.0".into())).unwrap();
        let text = schema.to_json();
        let back = read(&text).unwrap();
        proptest::prop_assert_eq!(back.len(), schema.len());
        proptest::prop_assert_eq!(&back.to_json(), &text);
        proptest::prop_assert_eq!(read(&back.to_json()).unwrap(), back);
    }
}

#[test]
fn lone_surrogates_are_kept_where_skops_keeps_them() {
    // A dict whose key, JSON text, unknown key and `_skops_version` hold lone surrogates (the
    // JSON text's one raw: `json.loads` of the content then keeps it).
    let text = r#"{"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode",
        "content": {"\ud800": {"__class__": "str", "__module__": "builtins",
            "__loader__": "JsonNode", "content": "\"\udfff\\udc00\"", "is_json": true,
            "x\udbff": "\udc00"}},
        "key_types": {"__class__": "list", "__module__": "builtins", "__loader__": "ListNode",
            "content": [{"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode"}]},
        "protocol": 2, "_skops_version": "0.16\ud800"}"#;
    let schema = read(text).unwrap();
    let NodeKind::Dict { entries, .. } = &schema.node(schema.root()).kind else {
        panic!("a dict");
    };
    let (key, child) = &entries[0];
    assert_eq!(key.surrogatepass_bytes(), b"\xed\xa0\x80");
    assert!(matches!(
        schema.children(schema.root())[1],
        (ChildKey::TextKey(found), _) if found == key
    ));
    let node = schema.node(*child);
    let NodeKind::Json { content } = &node.kind else {
        panic!("a JsonNode");
    };
    assert_eq!(content.surrogatepass_bytes(), b"\"\xed\xbf\xbf\\udc00\"");
    assert_eq!(node.extra[1].0.surrogatepass_bytes(), b"x\xed\xaf\xbf");
    assert_eq!(
        schema.skops_version.as_ref().unwrap().surrogatepass_bytes(),
        b"0.16\xed\xa0\x80"
    );
    // Written back escaped, as `json.dumps` writes them.
    let written = schema.to_json();
    assert!(written.is_ascii());
    for escaped in [
        r#""\ud800": {"#,
        r#""\"\udfff\\udc00\"""#,
        r#""x\udbff": "\udc00""#,
    ] {
        assert!(written.contains(escaped), "{escaped} in {written}");
    }
    assert_eq!(read(&written).unwrap(), schema);
}

#[test]
fn names_with_lone_surrogates_are_refused() {
    let cases = [
        (
            r#""__class__": "E\ud800", "__module__": "builtins", "__loader__": "TypeNode""#,
            "__class__",
        ),
        (
            r#""__class__": "len", "__module__": "\udc00", "__loader__": "TypeNode""#,
            "__module__",
        ),
        (
            r#""__class__": "len", "__module__": "builtins", "__loader__": "\udfffNode""#,
            "__loader__",
        ),
        (
            r#""__class__": "bytes", "__module__": "builtins", "__loader__": "BytesNode", "file": "\ud800.bin""#,
            "file",
        ),
    ];
    for (body, expected_key) in cases {
        match read(&with_root(body)) {
            Err(Error::Schema(SchemaError::LoneSurrogate { key, value, path })) => {
                assert_eq!(key, expected_key);
                assert!(value.is_ascii() && value.contains("\\u"), "{value}");
                assert_eq!(path, "$");
            }
            other => panic!("{body}: {other:?}"),
        }
    }
}
