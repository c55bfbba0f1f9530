//! What a file offers native prediction, without building it: which of its estimators the
//! registry lists (`skops-rs inspect --native`), and the class labels of its final estimator
//! (the column names of `skops-rs predict --method predict_proba`).

use skops_format::file::SkopsFile;
use skops_format::schema::path::build_order_of;
use skops_format::schema::{NodeId, NodeKind};

use crate::output::Labels;
use crate::read::Obj;
use crate::registry;

/// One scikit-learn object of a file and whether native prediction evaluates its class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSupport {
    /// The node.
    pub node: NodeId,
    /// Its node path from the root (`""` for the root), as skops builds it.
    pub path: String,
    /// Its `module.class`.
    pub type_name: String,
    /// Whether the registry lists the class ([`registry::is_supported`]).
    pub supported: bool,
}

/// Every object node of `file` whose module is scikit-learn's, in build order (the root
/// first). Helper objects that only live inside an estimator's state (a loss, a bin mapper)
/// are listed too, as unsupported: what decides is whether the root builds.
pub fn report(file: &SkopsFile<'_>) -> Vec<NodeSupport> {
    let schema = file.schema();
    let order = build_order_of(schema);
    let ids: Vec<NodeId> = schema.nodes().map(|(id, _)| id).collect();
    order
        .order
        .iter()
        .filter_map(|&index| {
            let id = *ids.get(index)?;
            let node = schema.node(id);
            let is_sklearn = node.module == "sklearn" || node.module.starts_with("sklearn.");
            if !is_sklearn || !matches!(node.kind, NodeKind::Object { .. }) {
                return None;
            }
            let type_name = node.type_name();
            Some(NodeSupport {
                node: id,
                path: order.path(index),
                supported: registry::is_supported(&type_name),
                type_name,
            })
        })
        .collect()
}

/// How many pipelines deep [`classes`] looks for the final estimator.
const MAX_NESTING: usize = 32;

/// The `classes_` of the estimator whose labels the root's `predict` gives: the root's own,
/// or (for a `Pipeline`) its last step's, looked up through nested pipelines. `None` when the
/// state has none (a regressor, a transformer) or they cannot be read.
pub fn classes(root: &Obj<'_, '_>) -> Option<Labels> {
    let mut current = root.descendant(root.id(), "").ok()?;
    for _ in 0..MAX_NESTING {
        if current.has("classes_") {
            return current.labels("classes_").ok();
        }
        let steps = current.items("steps").ok()?;
        let (index, last) = steps.iter().enumerate().next_back()?;
        let pair = current.items_at(*last)?;
        let estimator = *pair.get(1)?;
        current = current
            .descendant(estimator, &format!(".steps[{index}][1]"))
            .ok()?;
    }
    None
}

#[cfg(test)]
mod tests {
    use skops_format::Limits;

    use super::*;

    const PIPELINE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../skops-format/tests/data/visualize/pipeline_tree.skops"
    );

    #[test]
    fn the_report_lists_the_estimators_in_build_order_with_their_support() {
        let bytes = std::fs::read(PIPELINE).expect("fixture");
        let file = SkopsFile::open(&bytes, &Limits::default()).expect("opens");
        let report = report(&file);
        let names: Vec<&str> = report.iter().map(|node| node.type_name.as_str()).collect();
        assert_eq!(
            names,
            [
                "sklearn.pipeline.Pipeline",
                "sklearn.preprocessing._data.StandardScaler",
                "sklearn.tree._classes.DecisionTreeClassifier",
            ]
        );
        assert_eq!(report[0].path, "");
        for node in &report {
            assert_eq!(node.supported, registry::is_supported(&node.type_name));
        }
        assert!(report[1].supported, "StandardScaler is in the registry");
    }

    #[test]
    fn the_classes_of_a_pipeline_are_its_last_steps() {
        let bytes = std::fs::read(PIPELINE).expect("fixture");
        let file = SkopsFile::open(&bytes, &Limits::default()).expect("opens");
        let root = Obj::root(&file).expect("root object");
        let tree = Obj::new(&file, report(&file)[2].node, String::new()).expect("the tree");
        let expected = tree.labels("classes_").expect("the tree's classes");
        assert_eq!(classes(&root), Some(expected));
    }
}
