//! Audit rules per node kind, on hand-built schemas.
//!
//! Every case of [`cases`] was checked against skops 0.16 itself: the ignored test
//! `export_cases_for_python` writes each case as a `.skops` file, and
//! `tests/data/audit/check_cases.py` compares skops' `get_unsafe_set() - trusted` with the
//! expected list.

use super::*;
use crate::error::AuditError;
use skops_format::error::SchemaError;
use skops_format::json;
use skops_format::limits::Limits;

// ----- schema text builders ------------------------------------------------------------------

fn node(class: &str, module: &str, loader: &str, rest: &str) -> String {
    let rest = if rest.is_empty() {
        String::new()
    } else {
        format!(", {rest}")
    };
    format!(
        r#"{{"__class__": "{class}", "__module__": "{module}", "__loader__": "{loader}"{rest}}}"#
    )
}

/// Splits `"a.b.C"` into (`"a.b"`, `"C"`).
fn split(type_name: &str) -> (&str, &str) {
    type_name.rsplit_once('.').unwrap()
}

fn with_id(state: String, id: u64) -> String {
    let body = state.strip_suffix('}').unwrap();
    format!(r#"{body}, "__id__": {id}}}"#)
}

fn json_node(content: &str) -> String {
    node(
        "str",
        "builtins",
        "JsonNode",
        &format!(
            r#""content": {}, "is_json": true"#,
            json::to_string_compact(&Value::from(content))
        ),
    )
}

fn type_node(type_name: &str) -> String {
    let (module, class) = split(type_name);
    node(class, module, "TypeNode", "")
}

fn seq(loader: &str, class: &str, items: &[String]) -> String {
    node(
        class,
        "builtins",
        loader,
        &format!(r#""content": [{}]"#, items.join(", ")),
    )
}

fn list(items: &[String]) -> String {
    seq("ListNode", "list", items)
}

fn tuple(items: &[String]) -> String {
    seq("TupleNode", "tuple", items)
}

fn dict_of(type_name: &str, entries: &[(&str, String)]) -> String {
    let (module, class) = split(type_name);
    let content: Vec<String> = entries
        .iter()
        .map(|(key, value)| format!("{}: {value}", json::to_string_compact(&Value::from(*key))))
        .collect();
    let key_types: Vec<String> = entries.iter().map(|_| type_node("builtins.str")).collect();
    node(
        class,
        module,
        "DictNode",
        &format!(
            r#""content": {{{}}}, "key_types": {}"#,
            content.join(", "),
            list(&key_types)
        ),
    )
}

fn dict(entries: &[(&str, String)]) -> String {
    dict_of("builtins.dict", entries)
}

fn object(type_name: &str, attrs: &[(&str, String)]) -> String {
    let (module, class) = split(type_name);
    node(
        class,
        module,
        "ObjectNode",
        &format!(r#""content": {}"#, dict(attrs)),
    )
}

fn array(type_name: &str, file: &str) -> String {
    let (module, class) = split(type_name);
    node(
        class,
        module,
        "NdArrayNode",
        &format!(r#""type": "numpy", "file": "{file}""#),
    )
}

fn reduce(type_name: &str, loader: &str, args: String, state: String) -> String {
    let (module, class) = split(type_name);
    format!(
        r#"{{"__class__": "{class}", "__module__": "{module}", "__reduce__": {{"args": {args}}}, "content": {state}, "__loader__": "{loader}"}}"#
    )
}

fn tree() -> String {
    reduce(
        "sklearn.tree._tree.Tree",
        "TreeNode",
        tuple(&[
            json_node("4"),
            array("numpy.ndarray", "classes.npy"),
            json_node("1"),
        ]),
        dict(&[
            ("max_depth", json_node("2")),
            ("nodes", array("numpy.ndarray", "nodes.npy")),
        ]),
    )
}

fn generator(name: &str, seed_seq: bool) -> String {
    let bit_generator = dict(&[
        ("bit_generator", json_node(&format!("\"{name}\""))),
        ("has_uint32", json_node("0")),
    ]);
    let content = if seed_seq {
        format!(
            r#"{{"bit_generator": {bit_generator}, "seed_seq": {}}}"#,
            dict(&[("pool_size", json_node("4"))])
        )
    } else {
        format!(r#"{{"bit_generator": {bit_generator}}}"#)
    };
    node(
        "Generator",
        "numpy.random._generator",
        "RandomGeneratorNode",
        &format!(r#""content": {content}"#),
    )
}

fn with_protocol(root: &str, protocol: i64) -> String {
    let body = root.strip_suffix('}').unwrap();
    format!(r#"{body}, "protocol": {protocol}, "_skops_version": "0.16.0"}}"#)
}

fn read(root: &str, protocol: i64) -> Schema {
    Schema::from_json(with_protocol(root, protocol).as_bytes(), &Limits::default())
        .unwrap_or_else(|error| panic!("{error}: {root}"))
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|&item| item.to_owned()).collect()
}

// ----- the cases -----------------------------------------------------------------------------

/// One hand-built schema, the caller's trusted list, and the untrusted types skops 0.16
/// reports (`get_unsafe_set()` of the tree built with `trusted`, minus `trusted`).
struct Case {
    name: &'static str,
    root: String,
    protocol: i64,
    trusted: Vec<String>,
    untrusted: Vec<String>,
}

fn case(name: &'static str, root: String, trusted: &[&str], untrusted: &[&str]) -> Case {
    Case {
        name,
        root,
        protocol: 2,
        trusted: strings(trusted),
        untrusted: strings(untrusted),
    }
}

fn pipeline() -> String {
    object(
        "sklearn.pipeline.Pipeline",
        &[
            (
                "steps",
                list(&[
                    tuple(&[
                        json_node("\"scaler\""),
                        object("sklearn.preprocessing._data.StandardScaler", &[]),
                    ]),
                    tuple(&[
                        json_node("\"tree\""),
                        object(
                            "sklearn.tree._classes.DecisionTreeClassifier",
                            &[
                                ("tree_", tree()),
                                ("_sklearn_version", json_node("\"1.9.1\"")),
                            ],
                        ),
                    ]),
                ]),
            ),
            ("memory", json_node("null")),
        ],
    )
}

fn method(owner: &str, func: &str) -> String {
    let (module, class) = split(owner);
    node(
        class,
        module,
        "MethodNode",
        &format!(
            r#""content": {{"func": "{func}", "obj": {}}}"#,
            object(owner, &[])
        ),
    )
}

fn loss(type_name: &str, state: String) -> String {
    reduce(type_name, "LossNode", tuple(&[json_node("1.0")]), state)
}

fn cases() -> Vec<Case> {
    let tree_name = "sklearn.tree._tree.Tree";
    let mut cases = vec![
        case("pipeline", pipeline(), &[], &[tree_name]),
        case("pipeline_trusted", pipeline(), &[tree_name], &[]),
        // DictNode: dict and OrderedDict only; key types are audited as TypeNodes.
        case(
            "dicts",
            list(&[
                dict(&[("a", json_node("1"))]),
                dict_of("collections.OrderedDict", &[("a", json_node("1"))]),
                dict_of("collections.Counter", &[("a", json_node("1"))]),
            ]),
            &[],
            &["collections.Counter"],
        ),
        // DefaultDictNode trusts only `collections.defaultdict`, not even OrderedDict.
        case(
            "defaultdicts",
            list(&[
                node(
                    "defaultdict",
                    "collections",
                    "DefaultDictNode",
                    &format!(
                        r#""content": {{"main": {}, "default_factory": {}}}"#,
                        dict(&[("k", list(&[json_node("1")]))]),
                        type_node("builtins.list")
                    ),
                ),
                node(
                    "OrderedDict",
                    "collections",
                    "DefaultDictNode",
                    &format!(
                        r#""content": {{"main": {}, "default_factory": {}}}"#,
                        dict(&[]),
                        type_node("builtins.len")
                    ),
                ),
            ]),
            &[],
            &["builtins.len", "collections.OrderedDict"],
        ),
        case(
            "defaultdict_user_trusted",
            node(
                "OrderedDict",
                "collections",
                "DefaultDictNode",
                &format!(
                    r#""content": {{"main": {}, "default_factory": {}}}"#,
                    dict(&[]),
                    json_node("null")
                ),
            ),
            &["collections.OrderedDict"],
            &[],
        ),
        // TypeNode: primitives, containers and numpy scalar types; not `builtins.dict`.
        case(
            "types",
            list(&[
                type_node("builtins.int"),
                type_node("builtins.map"),
                type_node("numpy.float64"),
                type_node("builtins.dict"),
                type_node("builtins.len"),
                type_node("builtins.NoneType"),
            ]),
            &[],
            &["builtins.NoneType", "builtins.dict", "builtins.len"],
        ),
        // FunctionNode: numpy and scipy ufuncs only.
        case(
            "functions",
            list(&[
                node("add", "numpy", "FunctionNode", ""),
                node("agm", "scipy.special._ufuncs", "FunctionNode", ""),
                node("mean", "numpy", "FunctionNode", ""),
                node("system", "os", "FunctionNode", ""),
            ]),
            &[],
            &["numpy.mean", "os.system"],
        ),
        case(
            "functions_user_trusted",
            list(&[node("mean", "numpy", "FunctionNode", "")]),
            &["numpy.mean"],
            &[],
        ),
        // ObjectNode: estimators and internal types.
        case(
            "objects",
            list(&[
                object("sklearn.linear_model._logistic.LogisticRegression", &[]),
                object("sklearn._loss.link.IdentityLink", &[]),
                object("subprocess.Popen", &[("args", json_node("\"ls\""))]),
                node("KDTree", "sklearn.neighbors._kd_tree", "ObjectNode", ""),
            ]),
            &[],
            &["sklearn.neighbors._kd_tree.KDTree", "subprocess.Popen"],
        ),
        // NdArrayNode: ndarray and numpy scalar types.
        case(
            "arrays",
            list(&[
                array("numpy.ndarray", "1.npy"),
                array("numpy.float64", "2.npy"),
                array("numpy.matrix", "3.npy"),
            ]),
            &[],
            &["numpy.matrix"],
        ),
        // SparseMatrixNode: only the base names.
        case(
            "sparse",
            list(&[
                node(
                    "csr_matrix",
                    "scipy.sparse._csr",
                    "SparseMatrixNode",
                    r#""type": "scipy", "file": "1.npz""#,
                ),
                node(
                    "spmatrix",
                    "scipy.sparse._matrix",
                    "SparseMatrixNode",
                    r#""type": "scipy", "file": "2.npz""#,
                ),
            ]),
            &[],
            &["scipy.sparse._csr.csr_matrix"],
        ),
        // TreeNode: its own type and its fixed constructor.
        case(
            "tree_crafted_type",
            reduce("evil.Tree", "TreeNode", tuple(&[]), dict(&[])),
            &[],
            &["evil.Tree", tree_name],
        ),
        // LossNode: ALLOWED_LOSSES, handed down to everything built below it.
        case(
            "losses",
            list(&[
                loss("sklearn._loss._loss.CyHalfSquaredError", dict(&[])),
                loss(
                    "sklearn.linear_model._sgd_fast.Hinge",
                    dict(&[(
                        "inner",
                        object("sklearn._loss._loss.CyHalfSquaredError", &[]),
                    )]),
                ),
                object("sklearn._loss._loss.CyHuberLoss", &[]),
                loss("evil.Loss", dict(&[])),
            ]),
            &[],
            &["evil.Loss", "sklearn._loss._loss.CyHuberLoss"],
        ),
        // A tree below a loss trusts `ALLOWED_LOSSES` but still not its constructor.
        case(
            "tree_below_loss",
            loss(
                "sklearn.linear_model._sgd_fast.Hinge",
                dict(&[(
                    "tree",
                    reduce(
                        "sklearn.linear_model._sgd_fast.Hinge",
                        "TreeNode",
                        tuple(&[]),
                        dict(&[]),
                    ),
                )]),
            ),
            &[],
            &[tree_name],
        ),
        // MethodNode: its type (not trusted by this node) and the method, always.
        case(
            "method",
            method("sklearn.preprocessing._data.StandardScaler", "transform"),
            &[],
            &[
                "sklearn.preprocessing._data.StandardScaler",
                "sklearn.preprocessing._data.StandardScaler.transform",
            ],
        ),
        case(
            "method_trusted",
            method("sklearn.preprocessing._data.StandardScaler", "transform"),
            &[
                "sklearn.preprocessing._data.StandardScaler",
                "sklearn.preprocessing._data.StandardScaler.transform",
            ],
            &[],
        ),
        // RandomGeneratorNode: the bit generator name is audited.
        case(
            "generators",
            list(&[generator("PCG64", true), generator("seed", true)]),
            &[],
            &["numpy.random.seed"],
        ),
        case(
            "generator_name_trusted",
            generator("set_bit_generator", true),
            &["numpy.random.set_bit_generator"],
            &[],
        ),
        // JsonNode and SliceNode are never audited, whatever they claim to be.
        case(
            "always_safe",
            list(&[
                node("system", "os", "JsonNode", r#""content": "1""#),
                node(
                    "system",
                    "os",
                    "SliceNode",
                    r#""content": {"start": 1, "stop": null, "step": null}"#,
                ),
            ]),
            &[],
            &[],
        ),
        // Nodes that trust nothing by default.
        case(
            "trust_nothing",
            list(&[
                node(
                    "partial",
                    "functools",
                    "PartialNode",
                    &format!(
                        r#""content": {{"func": {}, "args": {}, "kwds": {}, "namespace": {}}}"#,
                        node("add", "numpy", "FunctionNode", ""),
                        tuple(&[json_node("1")]),
                        dict(&[]),
                        json_node("null")
                    ),
                ),
                node(
                    "attrgetter",
                    "operator",
                    "OperatorFuncNode",
                    &format!(r#""attrs": {}"#, tuple(&[json_node("\"real\"")])),
                ),
                node(
                    "datetime",
                    "datetime",
                    "ConstructorFromReduceNode",
                    &format!(r#""content": {}"#, tuple(&[json_node("1")])),
                ),
                node(
                    "dtype",
                    "numpy",
                    "DTypeNode",
                    &format!(r#""content": {}"#, array("numpy.ndarray", "d.npy")),
                ),
            ]),
            &[],
            &[
                "datetime.datetime",
                "functools.partial",
                "numpy.dtype",
                "operator.attrgetter",
            ],
        ),
        // The rest of the numpy nodes trust their own type.
        case(
            "numpy_nodes",
            list(&[
                node(
                    "MaskedArray",
                    "numpy.ma",
                    "MaskedArrayNode",
                    &format!(
                        r#""content": {{"data": {}, "mask": {}}}"#,
                        array("numpy.ndarray", "1.npy"),
                        array("numpy.ndarray", "2.npy")
                    ),
                ),
                node(
                    "RandomState",
                    "numpy.random.mtrand",
                    "RandomStateNode",
                    &format!(r#""content": {}"#, dict(&[("pos", json_node("1"))])),
                ),
                node("bytes", "builtins", "BytesNode", r#""file": "a.bin""#),
                node(
                    "bytearray",
                    "builtins",
                    "BytearrayNode",
                    r#""file": "b.bin""#,
                ),
                seq("SetNode", "set", &[json_node("1")]),
                seq("SetNode", "frozenset", &[]),
            ]),
            &[],
            &["builtins.frozenset"],
        ),
        // The user list is respected at every level.
        case(
            "user_list_everywhere",
            list(&[
                object("subprocess.Popen", &[("x", type_node("builtins.len"))]),
                node("mean", "numpy", "FunctionNode", ""),
            ]),
            &["subprocess.Popen", "numpy.mean"],
            &["builtins.len"],
        ),
    ];
    // A shared node keeps the trust of the place skops first builds it.
    let inner = with_id(object("sklearn._loss._loss.CyHuberLoss", &[]), 5);
    let reference = r#"{"__class__": "CyHuberLoss", "__module__": "sklearn._loss._loss", "__loader__": "ObjectNode", "__id__": 5}"#;
    let hinge = "sklearn.linear_model._sgd_fast.Hinge";
    cases.push(case(
        "shared_first_built_in_loss",
        list(&[
            loss(hinge, dict(&[("a", inner.clone())])),
            reference.to_owned(),
        ]),
        &[],
        &[],
    ));
    cases.push(case(
        "shared_first_built_outside",
        list(&[inner, loss(hinge, dict(&[("a", reference.to_owned())]))]),
        &[],
        &["sklearn._loss._loss.CyHuberLoss"],
    ));
    // Protocol 0 generators with an empty raw state can be audited.
    cases.push(Case {
        name: "protocol_0_generator_empty_state",
        root: node(
            "Generator",
            "numpy.random._generator",
            "RandomGeneratorNode",
            r#""content": {"bit_generator": {}}"#,
        ),
        protocol: 0,
        trusted: Vec::new(),
        untrusted: Vec::new(),
    });
    // Protocol 0: the FunctionNode checks `module_path.function` against scipy ufuncs only.
    cases.push(Case {
        name: "protocol_0_functions",
        root: list(&[
            node(
                "ufunc",
                "numpy",
                "FunctionNode",
                r#""content": {"module_path": "numpy", "function": "add"}"#,
            ),
            node(
                "ufunc",
                "numpy",
                "FunctionNode",
                r#""content": {"module_path": "scipy.special._ufuncs", "function": "agm"}"#,
            ),
        ]),
        protocol: 0,
        trusted: Vec::new(),
        untrusted: strings(&["numpy.add"]),
    });
    // Protocol 1: the generator has no seed sequence; the name is audited the same way.
    cases.push(Case {
        name: "protocol_1_generator",
        root: list(&[generator("MT19937", false), generator("seed", false)]),
        protocol: 1,
        trusted: Vec::new(),
        untrusted: strings(&["numpy.random.seed"]),
    });
    // Protocol 1 FunctionNode is the current one.
    cases.push(Case {
        name: "protocol_1_functions",
        root: list(&[node("add", "numpy", "FunctionNode", "")]),
        protocol: 1,
        trusted: Vec::new(),
        untrusted: Vec::new(),
    });
    cases
}

#[test]
fn cases_match_skops() {
    let mut failures = Vec::new();
    for case in cases() {
        let schema = read(&case.root, case.protocol);
        let report = audit(&schema, &case.trusted).unwrap();
        if report.untrusted_types() != case.untrusted {
            failures.push(format!(
                "{}: got {:?}, expected {:?}",
                case.name,
                report.untrusted_types(),
                case.untrusted
            ));
        }
        assert_eq!(
            report.is_clean(),
            case.untrusted.is_empty(),
            "{}",
            case.name
        );
        // Without the user list the result can only grow, and subtracting it gives the same.
        let plain = audit(&schema, &[]).unwrap();
        let subtracted: Vec<String> = plain
            .untrusted_types()
            .into_iter()
            .filter(|name| !case.trusted.contains(name))
            .collect();
        assert_eq!(subtracted, report.untrusted_types(), "{}", case.name);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Writes every case as a `.skops` file (schema plus empty members) into the directory named by
/// `SKOPS_RS_EXPORT_AUDIT_CASES`, with `cases.json` listing the trusted and expected lists, for
/// `tests/data/audit/check_cases.py` to compare with skops 0.16.
#[test]
#[ignore = "needs a directory to write to; run by hand with SKOPS_RS_EXPORT_AUDIT_CASES"]
fn export_cases_for_python() {
    use skops_format::container::{ArchiveWriter, WriteCompression};
    let dir = std::path::PathBuf::from(std::env::var("SKOPS_RS_EXPORT_AUDIT_CASES").unwrap());
    std::fs::create_dir_all(&dir).unwrap();
    let mut index = json::Object::new();
    for case in cases() {
        let text = with_protocol(&case.root, case.protocol);
        let schema = read(&case.root, case.protocol);
        let mut writer = ArchiveWriter::new(WriteCompression::Stored);
        for file in schema.referenced_files() {
            writer.add(file, b"").unwrap();
        }
        writer.add("schema.json", text.as_bytes()).unwrap();
        std::fs::write(
            dir.join(format!("{}.skops", case.name)),
            writer.finish().unwrap(),
        )
        .unwrap();
        let mut entry = json::Object::new();
        let to_array = |items: &[String]| {
            Value::Array(items.iter().map(|s| Value::from(s.as_str())).collect())
        };
        entry.push("trusted", to_array(&case.trusted));
        entry.push("untrusted", to_array(&case.untrusted));
        index.push(case.name, Value::Object(entry));
    }
    std::fs::write(
        dir.join("cases.json"),
        json::to_string_pretty(&Value::Object(index)),
    )
    .unwrap();
}

// ----- node verdicts -------------------------------------------------------------------------

/// The node whose type is `type_name` (the first one).
fn find(schema: &Schema, type_name: &str) -> NodeId {
    schema
        .nodes()
        .find(|(_, node)| node.type_name() == type_name)
        .map(|(id, _)| id)
        .unwrap_or_else(|| panic!("no {type_name}"))
}

#[test]
fn node_verdicts_say_why() {
    let schema = read(&pipeline(), 2);
    let report = audit(&schema, &[]).unwrap();
    let pipeline = report.node(schema.root());
    assert_eq!(
        pipeline.reason,
        TrustReason::Default {
            list: "SKLEARN_ESTIMATOR_TYPE_NAMES"
        }
    );
    assert!(pipeline.self_safe);
    assert!(!pipeline.safe);
    let tree = report.node(find(&schema, "sklearn.tree._tree.Tree"));
    assert_eq!(tree.reason, TrustReason::Untrusted);
    assert_eq!(tree.untrusted_names, strings(&["sklearn.tree._tree.Tree"]));
    assert!(!tree.self_safe && !tree.safe);
    let scaler = report.node(find(&schema, "sklearn.preprocessing._data.StandardScaler"));
    assert!(scaler.self_safe && scaler.safe);
    let state = report.node(find(&schema, "builtins.dict"));
    assert_eq!(
        state.reason,
        TrustReason::Default {
            list: "node default"
        }
    );
    let (json_id, _) = schema
        .nodes()
        .find(|(_, node)| node.loader == Loader::Json)
        .unwrap();
    let json = report.node(json_id);
    assert_eq!(json.reason, TrustReason::AlwaysSafe);
    let int_type = read(&type_node("builtins.int"), 2);
    let report = audit(&int_type, &[]).unwrap();
    assert_eq!(
        report.node(int_type.root()).reason,
        TrustReason::Default {
            list: "PRIMITIVE_TYPE_NAMES"
        }
    );

    let trusted = strings(&["sklearn.tree._tree.Tree"]);
    let report = audit(&schema, &trusted).unwrap();
    let tree = report.node(find(&schema, "sklearn.tree._tree.Tree"));
    assert_eq!(tree.reason, TrustReason::User);
    assert!(tree.self_safe && tree.untrusted_names.is_empty());
    assert!(report.node(schema.root()).safe);
    assert!(report.is_clean());
}

#[test]
fn method_and_generator_names_are_added() {
    let schema = read(
        &method("sklearn.preprocessing._data.StandardScaler", "transform"),
        2,
    );
    let report = audit(&schema, &[]).unwrap();
    let verdict = report.node(schema.root());
    assert_eq!(verdict.reason, TrustReason::Untrusted);
    assert_eq!(
        verdict.untrusted_names,
        strings(&[
            "sklearn.preprocessing._data.StandardScaler",
            "sklearn.preprocessing._data.StandardScaler.transform"
        ])
    );
    // Trusting the type leaves the method.
    let report = audit(
        &schema,
        &strings(&["sklearn.preprocessing._data.StandardScaler"]),
    )
    .unwrap();
    assert_eq!(
        report.untrusted_types(),
        strings(&["sklearn.preprocessing._data.StandardScaler.transform"])
    );
    assert_eq!(
        report.paths("sklearn.preprocessing._data.StandardScaler.transform"),
        [""]
    );

    let schema = read(&generator("seed", true), 2);
    let report = audit(&schema, &[]).unwrap();
    let verdict = report.node(schema.root());
    assert_eq!(
        verdict.reason,
        TrustReason::Default {
            list: "node default"
        }
    );
    assert_eq!(verdict.untrusted_names, strings(&["numpy.random.seed"]));
    assert!(!verdict.self_safe);
}

#[test]
fn protocol_0_generators_with_raw_state_fail_like_skops() {
    let raw = |content: &str| {
        node(
            "Generator",
            "numpy.random._generator",
            "RandomGeneratorNode",
            &format!(r#""content": {{"bit_generator": {content}}}"#),
        )
    };
    let schema = read(&list(&[raw(r#"{"bit_generator": "PCG64"}"#)]), 0);
    match audit(&schema, &[]) {
        Err(Error::Audit(AuditError::RawGeneratorState { path })) => assert_eq!(path, "[0]"),
        other => panic!("{other:?}"),
    }
    for auditable in ["{}", "[]", "null", "\"PCG64\""] {
        let schema = read(&raw(auditable), 0);
        assert!(audit(&schema, &[]).unwrap().is_clean(), "{auditable}");
    }
    for failing in ["[1]", r#"{"a": null}"#] {
        let schema = read(&raw(failing), 0);
        match audit(&schema, &[]) {
            Err(Error::Audit(AuditError::RawGeneratorState { path })) => {
                assert_eq!(path, "", "{failing}")
            }
            other => panic!("{failing}: {other:?}"),
        }
    }
    // skops raises `ValueError("Cannot determine the safety of type <class 'int'>...")`.
    for (failing, expected) in [("1", "int"), ("1.5", "float"), ("true", "bool")] {
        let schema = read(&raw(failing), 0);
        match audit(&schema, &[]) {
            Err(Error::Audit(AuditError::RawGeneratorScalar { path, python_type })) => {
                assert_eq!((path.as_str(), python_type), ("", expected), "{failing}");
            }
            other => panic!("{failing}: {other:?}"),
        }
    }
}

// ----- paths ---------------------------------------------------------------------------------

#[test]
fn paths_follow_python_access() {
    let schema = read(&pipeline(), 2);
    let report = audit(&schema, &[]).unwrap();
    assert_eq!(
        report.paths("sklearn.tree._tree.Tree"),
        ["steps[1][1].tree_"]
    );
    assert_eq!(
        report.untrusted_with_paths(),
        vec![(
            "sklearn.tree._tree.Tree".to_owned(),
            vec!["steps[1][1].tree_".to_owned()]
        )]
    );
    assert!(report.paths("builtins.int").is_empty());
    assert!(report.paths_complete());

    let root = dict(&[
        (
            "a b",
            node(
                "defaultdict",
                "collections",
                "DefaultDictNode",
                &format!(
                    r#""content": {{"main": {}, "default_factory": {}}}"#,
                    dict(&[("k", type_node("builtins.len"))]),
                    type_node("builtins.print")
                ),
            ),
        ),
        (
            "p",
            node(
                "partial",
                "functools",
                "PartialNode",
                &format!(
                    r#""content": {{"func": {}, "args": {}, "kwds": {}, "namespace": {}}}"#,
                    node("mean", "numpy", "FunctionNode", ""),
                    tuple(&[json_node("1"), type_node("os.system")]),
                    dict(&[]),
                    json_node("null")
                ),
            ),
        ),
        (
            "o",
            object(
                "subprocess.Popen",
                &[
                    ("not an identifier", type_node("os.popen")),
                    ("method", method("mymod.Child", "own")),
                ],
            ),
        ),
    ]);
    // A key type that is not a string type.
    let root = root.replacen(
        &type_node("builtins.str"),
        &type_node("builtins.NoneType"),
        1,
    );
    let schema = read(&root, 2);
    let report = audit(&schema, &[]).unwrap();
    let expected = [
        ("builtins.NoneType", vec![r#"["a b"].main.key_types[0]"#]),
        ("builtins.len", vec![r#"["a b"].main["k"]"#]),
        ("builtins.print", vec![r#"["a b"].default_factory"#]),
        ("os.system", vec![r#"["p"].args[1]"#]),
        ("numpy.mean", vec![r#"["p"].func"#]),
        ("functools.partial", vec![r#"["p"]"#]),
        ("subprocess.Popen", vec![r#"["o"]"#]),
        ("os.popen", vec![r#"["o"].__dict__["not an identifier"]"#]),
        (
            "mymod.Child",
            vec![r#"["o"].method"#, r#"["o"].method.obj"#],
        ),
        ("mymod.Child.own", vec![r#"["o"].method"#]),
    ];
    for (type_name, paths) in &expected {
        assert_eq!(report.paths(type_name), paths.as_slice(), "{type_name}");
    }
    assert_eq!(report.untrusted_types().len(), expected.len());
}

#[test]
fn paths_of_other_children() {
    let root = object(
        "sklearn.pipeline.Pipeline",
        &[
            (
                "masked",
                node(
                    "MaskedArray",
                    "numpy.ma",
                    "MaskedArrayNode",
                    &format!(
                        r#""content": {{"data": {}, "mask": {}}}"#,
                        array("numpy.matrix", "1.npy"),
                        array("numpy.ndarray", "2.npy")
                    ),
                ),
            ),
            (
                "loss",
                loss(
                    "sklearn.linear_model._sgd_fast.Hinge",
                    dict(&[("x", type_node("builtins.len"))]),
                ),
            ),
            ("rng", generator("seed", true)),
            (
                "objects",
                node(
                    "ndarray",
                    "numpy",
                    "NdArrayNode",
                    &format!(
                        r#""type": "json", "content": [{}], "shape": {}"#,
                        type_node("builtins.exec"),
                        tuple(&[json_node("1")])
                    ),
                ),
            ),
        ],
    );
    let schema = read(&root, 2);
    let report = audit(&schema, &[]).unwrap();
    assert_eq!(report.paths("numpy.matrix"), ["masked.data"]);
    assert_eq!(report.paths("builtins.len"), ["loss.attrs[\"x\"]"]);
    assert_eq!(report.paths("numpy.random.seed"), ["rng"]);
    assert_eq!(report.paths("builtins.exec"), ["objects[0]"]);
}

/// A node shared by `__id__` is reported at every path it is reached by, up to the cap.
#[test]
fn shared_nodes_get_every_path_up_to_the_cap() {
    let shared = with_id(object("subprocess.Popen", &[]), 7);
    let reference = r#"{"__class__": "Popen", "__module__": "subprocess", "__loader__": "ObjectNode", "__id__": 7}"#;
    let mut items = vec![shared.clone()];
    items.extend(std::iter::repeat_n(reference.to_owned(), 2));
    let schema = read(&list(&items), 2);
    let report = audit(&schema, &[]).unwrap();
    assert_eq!(report.paths("subprocess.Popen"), ["[0]", "[1]", "[2]"]);
    assert_eq!(report.omitted_paths("subprocess.Popen"), 0);
    // The same node, audited once: the list, the object, its state dict and key types.
    assert_eq!(schema.len(), 4);

    let mut items = vec![shared];
    items.extend(std::iter::repeat_n(
        reference.to_owned(),
        MAX_PATHS_PER_TYPE + 49,
    ));
    let schema = read(&list(&items), 2);
    let report = audit(&schema, &[]).unwrap();
    let paths = report.paths("subprocess.Popen");
    assert_eq!(paths.len(), MAX_PATHS_PER_TYPE);
    assert_eq!(
        paths.last().unwrap(),
        &format!("[{}]", MAX_PATHS_PER_TYPE - 1)
    );
    assert_eq!(report.omitted_paths("subprocess.Popen"), 50);
    assert_eq!(report.untrusted_types(), ["subprocess.Popen"]);
}

/// A shared node keeps the trust of the place skops first builds it: inside a LossNode it
/// inherits `ALLOWED_LOSSES`, even where it is referenced again outside.
#[test]
fn shared_nodes_keep_the_trust_of_their_first_build() {
    let inner = with_id(object("sklearn._loss._loss.CyHuberLoss", &[]), 5);
    let reference = r#"{"__class__": "CyHuberLoss", "__module__": "sklearn._loss._loss", "__loader__": "ObjectNode", "__id__": 5}"#;
    let first_in_loss = list(&[
        loss(
            "sklearn.linear_model._sgd_fast.Hinge",
            dict(&[("a", inner.clone())]),
        ),
        reference.to_owned(),
    ]);
    assert!(audit(&read(&first_in_loss, 2), &[]).unwrap().is_clean());
    let first_outside = list(&[
        inner,
        loss(
            "sklearn.linear_model._sgd_fast.Hinge",
            dict(&[("a", reference.to_owned())]),
        ),
    ]);
    let report = audit(&read(&first_outside, 2), &[]).unwrap();
    assert_eq!(
        report.untrusted_types(),
        ["sklearn._loss._loss.CyHuberLoss"]
    );
    assert_eq!(
        report.paths("sklearn._loss._loss.CyHuberLoss"),
        ["[0]", "[1].attrs[\"a\"]"]
    );
}

/// The schema layer refuses a cycle; the audit's own guard is tested on raw graphs in
/// `paths::tests::walks_end_on_cycles`.
#[test]
fn cycles_never_reach_the_audit() {
    let cyclic = with_id(
        list(&[list(&[
            r#"{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "__id__": 1}"#
                .to_owned(),
        ])]),
        1,
    );
    let result = Schema::from_json(with_protocol(&cyclic, 2).as_bytes(), &Limits::default());
    assert!(
        matches!(
            result,
            Err(skops_format::Error::Schema(SchemaError::IdCycle {
                id: 1,
                ..
            }))
        ),
        "{result:?}"
    );
}

#[test]
fn node_paths_name_the_first_build() {
    let schema = read(&pipeline(), 2);
    let tree = find(&schema, "sklearn.tree._tree.Tree");
    assert_eq!(node_path(&schema, tree), "steps[1][1].tree_");
    assert_eq!(node_path(&schema, schema.root()), "");
    assert_eq!(node_path_display(""), "(root)");
    assert_eq!(node_path_display("steps[0]"), "steps[0]");
}

#[test]
fn foreign_ids_get_a_placeholder_verdict() {
    let big = read(&list(&[json_node("1"), json_node("2"), json_node("3")]), 2);
    let small = read(&json_node("1"), 2);
    let report = audit(&small, &[]).unwrap();
    let (last, _) = big.nodes().last().unwrap();
    assert_eq!(report.node(last).reason, TrustReason::Untrusted);
    assert!(!report.node(last).safe);
}

#[test]
fn state_paths_name_what_the_state_reader_reads() {
    // Entries whose key type names no attribute, and an entry `zip` drops.
    let root = object(
        "mymod.Owner",
        &[
            ("a", type_node("os.system")),
            ("b", type_node("os.popen")),
            ("c", type_node("os.getcwd")),
        ],
    );
    let root = root.replacen(&type_node("builtins.str"), &type_node("numpy.str_"), 1);
    let root = root.replacen(&type_node("builtins.str"), &type_node("builtins.bool"), 1);
    // Drop the last key type: its entry is not set.
    let root = root.replacen(&format!(", {}]", type_node("builtins.str")), "]", 1);
    let schema = read(&root, 2);
    let report = audit(&schema, &[]).unwrap();
    assert_eq!(report.paths("os.system"), ["a"]);
    assert_eq!(
        report.paths("os.popen"),
        [r#"__dict__[builtins.bool("b")]"#]
    );
    assert_eq!(report.paths("os.getcwd"), [r#"__dict__["c"]"#]);

    // A defaultdict state is as transparent as a dict state.
    let state = node(
        "defaultdict",
        "collections",
        "DefaultDictNode",
        &format!(
            r#""content": {{"main": {}, "default_factory": {}}}"#,
            dict(&[("tree_", type_node("os.system"))]),
            json_node("null")
        ),
    );
    let root = node(
        "Owner",
        "mymod",
        "ObjectNode",
        &format!(r#""content": {state}"#),
    );
    let report = audit(&read(&root, 2), &[]).unwrap();
    assert_eq!(report.paths("os.system"), ["tree_"]);
}
