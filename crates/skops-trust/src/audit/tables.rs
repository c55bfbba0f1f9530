//! skops 0.16's default trust lists, read once from the embedded `data/trusted-types.json`.
//!
//! The JSON file is generated from the live Python environment by
//! `scripts/gen_trusted_types.py`: the named lists of `skops.io._trusted_types` (plus
//! `ALLOWED_LOSSES`), and, per loader and protocol, the names a node of that loader trusts when
//! the user passes no `trusted` list (read from real nodes, so they are exact).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::error::AuditError;
use crate::{Error, Result};
use skops_format::json::{self, Object, Value};
use skops_format::schema::Loader;

/// The embedded table, as generated for skops 0.16.0 / scikit-learn 1.9.1 / numpy 2.4.6 /
/// scipy 1.17.1.
const TRUSTED_TYPES_JSON: &str = include_str!("../../data/trusted-types.json");

/// The JSON depth the embedded table needs (it nests four levels).
const TABLE_MAX_DEPTH: u64 = 16;

/// The named lists skops defines, in the order a trusted name is attributed to them when it is
/// in several (estimators before internals, numpy before scipy, ...).
pub(crate) const LIST_NAMES: [&str; 9] = [
    "SKLEARN_ESTIMATOR_TYPE_NAMES",
    "SKLEARN_INTERNAL_TYPE_NAMES",
    "ALLOWED_LOSSES",
    "NUMPY_UFUNC_TYPE_NAMES",
    "SCIPY_UFUNC_TYPE_NAMES",
    "PRIMITIVE_TYPE_NAMES",
    "CONTAINER_TYPE_NAMES",
    "NUMPY_DTYPE_TYPE_NAMES",
    "NUMPY_RANDOM_BIT_GENERATOR_TYPE_NAMES",
];

/// How a name trusted by a node default is labelled when it is in none of [`LIST_NAMES`]
/// (e.g. `builtins.dict` for DictNode).
pub(crate) const NODE_DEFAULT: &str = "node default";

/// What `_DictWithDeprecatedKeysNode` trusts: skops builds the name from the module of the
/// *node class* (`skops.io._sklearn`), not of scikit-learn's class, so real files never match
/// it. The loader only exists with scikit-learn < 1.2, so the generated table lacks it.
const DICT_WITH_DEPRECATED_KEYS_TRUSTED: &str = "skops.io._sklearn._DictWithDeprecatedKeys";

/// The loaders every protocol 2 table must list (the others fall back to built-in values, see
/// [`TrustTables::node_default`]).
const REQUIRED_PROTOCOL_2_LOADERS: [Loader; 24] = [
    Loader::Json,
    Loader::Dict,
    Loader::DefaultDict,
    Loader::List,
    Loader::Set,
    Loader::Tuple,
    Loader::Slice,
    Loader::Bytes,
    Loader::Bytearray,
    Loader::Type,
    Loader::Function,
    Loader::Partial,
    Loader::Method,
    Loader::OperatorFunc,
    Loader::Object,
    Loader::ConstructorFromReduce,
    Loader::NdArray,
    Loader::MaskedArray,
    Loader::DType,
    Loader::SparseMatrix,
    Loader::RandomState,
    Loader::RandomGenerator,
    Loader::Tree,
    Loader::Loss,
];

/// skops 0.16's default trust lists and per-node defaults, for one Python environment.
#[derive(Debug, Clone)]
pub struct TrustTables {
    environment: Vec<(String, String)>,
    /// The named lists, indexed like [`LIST_NAMES`].
    lists: Vec<HashSet<String>>,
    /// (loader, protocol) → what such a node trusts by default.
    node_defaults: HashMap<(Loader, i64), HashSet<String>>,
    /// `_DictWithDeprecatedKeysNode` and `QuantileForestNode` defaults (not in the table).
    dict_with_deprecated_keys: HashSet<String>,
    empty: HashSet<String>,
    untrusted_type_reasons: Vec<(String, String)>,
}

impl TrustTables {
    /// The tables of skops 0.16 embedded in this crate, parsed on first use.
    ///
    /// Fails with [`AuditError::TrustTables`] only if the embedded file is malformed (a build
    /// defect; the crate's tests parse it).
    pub fn skops_defaults() -> Result<&'static TrustTables> {
        static TABLES: OnceLock<std::result::Result<TrustTables, String>> = OnceLock::new();
        TABLES
            .get_or_init(|| Self::from_json(TRUSTED_TYPES_JSON))
            .as_ref()
            .map_err(|reason| {
                Error::Audit(AuditError::TrustTables {
                    reason: reason.clone(),
                })
            })
    }

    /// The Python environment the tables were generated in (`numpy`, `scikit-learn`, `skops`,
    /// ...), as (name, version or note) pairs in the file's order.
    pub fn environment(&self) -> &[(String, String)] {
        &self.environment
    }

    /// Why skops 0.16 does not trust `type_name` by default, for the types it explains
    /// (`sklearn.tree._tree.Tree`, the HistGradientBoosting `TreePredictor`).
    pub fn untrusted_type_reason(&self, type_name: &str) -> Option<&str> {
        self.untrusted_type_reasons
            .iter()
            .find(|(name, _)| name == type_name)
            .map(|(_, reason)| reason.as_str())
    }

    /// Every `(type, reason)` pair of [`TrustTables::untrusted_type_reason`], in the file's
    /// order.
    pub fn untrusted_type_reasons(&self) -> &[(String, String)] {
        &self.untrusted_type_reasons
    }

    /// The named list `name` (one of [`LIST_NAMES`]), if known.
    pub(crate) fn list(&self, name: &str) -> Option<&HashSet<String>> {
        let index = LIST_NAMES.iter().position(|&known| known == name)?;
        self.lists.get(index)
    }

    /// What a node of `loader` trusts by default in a file of `protocol`: skops looks the
    /// loader up for the file's protocol and falls back to the current protocol's loader.
    pub(crate) fn node_default(&self, loader: Loader, protocol: i64) -> &HashSet<String> {
        match loader {
            Loader::DictWithDeprecatedKeys => return &self.dict_with_deprecated_keys,
            // `QuantileForestNode` calls `_get_trusted(trusted, [])`.
            Loader::QuantileForest => return &self.empty,
            _ => {}
        }
        self.node_defaults
            .get(&(loader, protocol))
            .or_else(|| {
                self.node_defaults
                    .get(&(loader, skops_format::schema::PROTOCOL))
            })
            .unwrap_or(&self.empty)
    }

    /// The first of [`LIST_NAMES`] holding `name`, else [`NODE_DEFAULT`].
    pub(crate) fn label(&self, name: &str) -> &'static str {
        LIST_NAMES
            .iter()
            .zip(&self.lists)
            .find(|(_, list)| list.contains(name))
            .map_or(NODE_DEFAULT, |(&label, _)| label)
    }

    /// Parses the generated table; `Err` says what is missing or malformed.
    pub(crate) fn from_json(text: &str) -> std::result::Result<Self, String> {
        let value = json::parse(text.as_bytes(), TABLE_MAX_DEPTH)
            .map_err(|error| format!("not JSON: {error}"))?;
        let root = value.as_object().ok_or("the root is not an object")?;
        let environment = object(root, "environment")?
            .iter()
            .map(|(key, value)| {
                let text = match value.as_str() {
                    Some(text) => text.to_owned(),
                    None => match value {
                        Value::Array(items) => items
                            .iter()
                            .map(|item| item.as_str().map(str::to_owned))
                            .collect::<Option<Vec<_>>>()
                            .ok_or_else(|| format!("`environment.{key}` is not a list of strings"))?
                            .join(", "),
                        _ => return Err(format!("`environment.{key}` is not a string")),
                    },
                };
                Ok((key.to_string(), text))
            })
            .collect::<std::result::Result<Vec<_>, String>>()?;

        let lists_object = object(root, "lists")?;
        let lists = LIST_NAMES
            .iter()
            .map(|&name| {
                let list = lists_object
                    .get(name)
                    .ok_or_else(|| format!("`lists.{name}` is missing"))?;
                string_set(list).ok_or_else(|| format!("`lists.{name}` is not a list of strings"))
            })
            .collect::<std::result::Result<Vec<_>, String>>()?;

        let mut node_defaults = HashMap::new();
        for (protocol_key, loaders) in object(root, "node_defaults")?.iter() {
            let protocol = protocol_key
                .as_str()
                .and_then(|key| key.strip_prefix("protocol_"))
                .and_then(|number| number.parse::<i64>().ok())
                .filter(|protocol| (0..=skops_format::schema::PROTOCOL).contains(protocol))
                .ok_or_else(|| format!("`node_defaults.{protocol_key}` is not a protocol"))?;
            let loaders = loaders
                .as_object()
                .ok_or_else(|| format!("`node_defaults.{protocol_key}` is not an object"))?;
            for (loader_name, names) in loaders.iter() {
                let loader = loader_name.as_str().and_then(Loader::from_name);
                let loader = loader.ok_or_else(|| {
                    format!("`node_defaults.{protocol_key}` names unknown loader `{loader_name}`")
                })?;
                let names = string_set(names).ok_or_else(|| {
                    format!("`node_defaults.{protocol_key}.{loader_name}` is not a list of strings")
                })?;
                node_defaults.insert((loader, protocol), names);
            }
        }
        for loader in REQUIRED_PROTOCOL_2_LOADERS {
            if !node_defaults.contains_key(&(loader, skops_format::schema::PROTOCOL)) {
                return Err(format!(
                    "`node_defaults.protocol_2.{}` is missing",
                    loader.name()
                ));
            }
        }
        if !node_defaults.contains_key(&(Loader::Function, 0)) {
            return Err("`node_defaults.protocol_0.FunctionNode` is missing".to_owned());
        }

        let untrusted_type_reasons = object(root, "untrusted_type_reasons")?
            .iter()
            .map(|(name, reason)| {
                reason
                    .as_str()
                    .zip(name.as_str())
                    .map(|(reason, name)| (name.to_owned(), reason.to_owned()))
                    .ok_or_else(|| format!("`untrusted_type_reasons.{name}` is not a string"))
            })
            .collect::<std::result::Result<Vec<_>, String>>()?;

        Ok(Self {
            environment,
            lists,
            node_defaults,
            dict_with_deprecated_keys: HashSet::from(
                [DICT_WITH_DEPRECATED_KEYS_TRUSTED.to_owned()],
            ),
            empty: HashSet::new(),
            untrusted_type_reasons,
        })
    }
}

fn object<'v>(parent: &'v Object, key: &str) -> std::result::Result<&'v Object, String> {
    parent
        .get(key)
        .and_then(Value::as_object)
        .ok_or_else(|| format!("`{key}` is missing or not an object"))
}

fn string_set(value: &Value) -> Option<HashSet<String>> {
    value
        .as_array()?
        .iter()
        .map(|item| item.as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_parses_with_the_expected_sizes() {
        let tables = TrustTables::skops_defaults().unwrap();
        let size = |name: &str| tables.list(name).unwrap().len();
        assert_eq!(size("PRIMITIVE_TYPE_NAMES"), 4);
        assert_eq!(size("CONTAINER_TYPE_NAMES"), 4);
        assert_eq!(size("NUMPY_DTYPE_TYPE_NAMES"), 24);
        assert_eq!(size("NUMPY_UFUNC_TYPE_NAMES"), 90);
        assert_eq!(size("NUMPY_RANDOM_BIT_GENERATOR_TYPE_NAMES"), 5);
        assert!(size("SKLEARN_ESTIMATOR_TYPE_NAMES") > 200);
        assert_eq!(tables.node_default(Loader::Type, 2).len(), 32);
        assert_eq!(tables.node_default(Loader::Function, 0).len(), 230);
        assert_eq!(tables.node_default(Loader::Function, 1).len(), 320);
        assert_eq!(
            tables.node_default(Loader::DefaultDict, 2),
            &HashSet::from(["collections.defaultdict".to_owned()])
        );
        assert!(tables.node_default(Loader::Tree, 2).is_empty());
        assert!(tables.node_default(Loader::QuantileForest, 2).is_empty());
        assert!(
            tables
                .environment()
                .iter()
                .any(|(name, version)| name == "skops" && version == "0.16.0")
        );
        assert!(
            tables
                .untrusted_type_reason("sklearn.tree._tree.Tree")
                .unwrap()
                .contains("bounds checking")
        );
        assert_eq!(tables.untrusted_type_reason("builtins.int"), None);
    }

    #[test]
    fn labels_name_the_list() {
        let tables = TrustTables::skops_defaults().unwrap();
        assert_eq!(tables.label("builtins.int"), "PRIMITIVE_TYPE_NAMES");
        assert_eq!(tables.label("numpy.add"), "NUMPY_UFUNC_TYPE_NAMES");
        assert_eq!(
            tables.label("sklearn.linear_model._logistic.LogisticRegression"),
            "SKLEARN_ESTIMATOR_TYPE_NAMES"
        );
        assert_eq!(tables.label("builtins.dict"), NODE_DEFAULT);
    }

    #[test]
    fn malformed_tables_are_errors_not_panics() {
        let good: Value = json::parse(TRUSTED_TYPES_JSON.as_bytes(), TABLE_MAX_DEPTH).unwrap();
        assert!(TrustTables::from_json(TRUSTED_TYPES_JSON).is_ok());
        let without = |path: &[&str]| -> String {
            let Value::Object(root) = &good else {
                unreachable!()
            };
            fn strip(object: &Object, path: &[&str]) -> Object {
                let mut out = Object::new();
                for (key, value) in object.iter() {
                    match path {
                        [last] if key == *last => {}
                        [first, rest @ ..] if key == *first && !rest.is_empty() => {
                            out.push(key, Value::Object(strip(value.as_object().unwrap(), rest)));
                        }
                        _ => out.push(key, value.clone()),
                    }
                }
                out
            }
            json::to_string_compact(&Value::Object(strip(root, path)))
        };
        for (text, expected) in [
            ("not json".to_owned(), "not JSON"),
            ("[]".to_owned(), "root"),
            (without(&["lists"]), "`lists`"),
            (
                without(&["lists", "PRIMITIVE_TYPE_NAMES"]),
                "PRIMITIVE_TYPE_NAMES",
            ),
            (
                without(&["node_defaults", "protocol_2", "ObjectNode"]),
                "ObjectNode",
            ),
            (without(&["node_defaults", "protocol_0"]), "protocol_0"),
            (without(&["environment"]), "environment"),
            (
                TRUSTED_TYPES_JSON.replace("\"protocol_1\"", "\"protocol_x\""),
                "protocol_x",
            ),
            (
                TRUSTED_TYPES_JSON.replace("\"ListNode\"", "\"EvilNode\""),
                "EvilNode",
            ),
            (
                TRUSTED_TYPES_JSON.replacen("\"builtins.bool\"", "1", 1),
                "not a list of strings",
            ),
        ] {
            let error = TrustTables::from_json(&text).unwrap_err();
            assert!(
                error.contains(expected),
                "{error} should mention {expected}"
            );
        }
        // The public constructor wraps the message in a typed error.
        let error = Error::Audit(AuditError::TrustTables {
            reason: "`lists` is missing or not an object".to_owned(),
        });
        assert!(error.to_string().contains("`lists`"));
    }
}
