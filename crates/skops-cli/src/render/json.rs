//! The JSON reports of `inspect --json` and `audit --json` (field names documented in
//! `docs/cli.md`; `report_version` changes when a field changes meaning or goes away).
//!
//! Strings are written with `ensure_ascii` escapes, so control and bidi characters from the
//! file arrive escaped and the report is plain ASCII.

use skops_format::SkopsFile;
use skops_format::json::{self, Object, Value};
use skops_format::npy::{Descr, NpyHeader};
use skops_format::schema::NodeId;
use skops_trust::audit::{AuditReport, TrustReason};

use crate::args::Show;
use crate::commands::Summary;

/// The version of the report layout.
pub const REPORT_VERSION: u64 = 1;

/// `audit --json`: the file, the trusted list, the untrusted types with their paths, `clean`.
pub fn audit_report(summary: &Summary) -> String {
    let mut report = summary_object(summary);
    report.push("clean", summary.untrusted.is_empty());
    json::to_string_pretty(&Value::from(report)) + "\n"
}

/// `inspect --json`: [`audit_report`]'s fields and the nodes `show` selects, each distinct
/// node once in the order skops builds them (all of them, also those the tree does not expand,
/// such as the items of object arrays and the dict key types), with its path, type, loader,
/// trust verdict and array header.
pub fn inspect_report(
    summary: &Summary,
    file: &SkopsFile<'_>,
    report: &AuditReport,
    show: Show,
    native: Option<Value>,
) -> String {
    let schema = file.schema();
    let paths = skops_trust::audit::node_paths(schema);
    let nodes: Vec<Value> = schema
        .nodes()
        .filter(|(id, _)| {
            let audit = report.node(*id);
            match show {
                Show::All => true,
                Show::Untrusted => !audit.safe,
                Show::Trusted => audit.self_safe,
            }
        })
        .map(|(id, _)| {
            let path = paths.get(id.index()).cloned().unwrap_or_default();
            Value::from(node_object(file, report, id, path))
        })
        .collect();
    let mut object = summary_object(summary);
    object.push("nodes", Value::from(nodes));
    if let Some(native) = native {
        object.push("native", native);
    }
    json::to_string_pretty(&Value::from(object)) + "\n"
}

fn summary_object(summary: &Summary) -> Object {
    let mut object = Object::new();
    object.push("report_version", REPORT_VERSION);
    object.push("file", summary.path.as_str());
    object.push("sha256", summary.sha256.as_str());
    object.push("protocol", summary.protocol);
    object.push(
        "skops_version",
        summary
            .skops_version
            .clone()
            .map_or(Value::Null, Value::from),
    );
    object.push(
        "sklearn_version",
        optional(summary.sklearn_version.as_deref()),
    );
    object.push("trusted", strings(&summary.trusted));
    let untrusted: Vec<Value> = summary
        .untrusted
        .iter()
        .map(|entry| {
            let mut object = Object::new();
            object.push("type", entry.name.as_str());
            object.push("paths", strings(&entry.paths));
            object.push("omitted_paths", entry.omitted);
            Value::from(object)
        })
        .collect();
    object.push("untrusted_types", Value::from(untrusted));
    object
}

fn node_object(file: &SkopsFile<'_>, report: &AuditReport, id: NodeId, path: String) -> Object {
    let node = file.schema().node(id);
    let audit = report.node(id);
    let (reason, list, validator) = match audit.reason {
        TrustReason::AlwaysSafe => ("always_safe", None, None),
        TrustReason::Default { list } => ("default", Some(list), None),
        TrustReason::User => ("user", None, None),
        TrustReason::Validated { validator, .. } => ("validated", None, Some(validator.name())),
        TrustReason::Untrusted => ("untrusted", None, None),
    };
    let mut object = Object::new();
    object.push("path", path);
    object.push("type", node.type_name());
    object.push("loader", node.loader.name());
    object.push("trusted", audit.self_safe);
    object.push("reason", reason);
    object.push("default_list", optional(list));
    object.push("validator", optional(validator));
    object.push("untrusted_names", strings(&audit.untrusted_names));
    object.push("subtree_trusted", audit.safe);
    object.push(
        "array",
        file.array_header(id).map_or(Value::Null, array_object),
    );
    object
}

fn array_object(header: &NpyHeader) -> Value {
    let dtype = match &header.descr {
        Descr::Simple(type_str) => type_str.to_type_string(),
        Descr::Structured(_) => header.descr.to_python_repr(),
    };
    let mut object = Object::new();
    object.push("dtype", dtype);
    object.push(
        "shape",
        Value::from(
            header
                .shape
                .iter()
                .map(|&dim| Value::from(dim))
                .collect::<Vec<_>>(),
        ),
    );
    object.push("fortran_order", header.fortran_order);
    Value::from(object)
}

fn optional(text: Option<&str>) -> Value {
    text.map_or(Value::Null, Value::from)
}

fn strings(items: &[String]) -> Value {
    Value::from(
        items
            .iter()
            .map(|item| Value::from(item.as_str()))
            .collect::<Vec<_>>(),
    )
}
