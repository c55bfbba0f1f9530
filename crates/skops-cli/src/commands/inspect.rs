//! `skops-rs inspect FILE`: the header, the object tree and the untrusted types, or the JSON
//! report. Exits 0 whenever the file could be read (untrusted types are information here;
//! `audit` is the check). With `--native`, each scikit-learn object is marked with whether
//! native prediction evaluates its class, and a footer says whether the model builds.

use std::collections::HashMap;

use skops_format::json::{Object, Value};
use skops_infer::Predictor;
use skops_infer::support::{NodeSupport, report as support_report};
use skops_trust::visualize::inspect_rows;

use super::{Outcome, open};
use crate::args::InspectArgs;
use crate::error::CliError;
use crate::render::{Style, json, text, tree};
use crate::sanitize::sanitize;

/// The tag of an object whose class native prediction evaluates.
const NATIVE_TAG: &str = "[native]";
/// The tag of one whose class it does not.
const NOT_NATIVE_TAG: &str = "[not native]";

/// What `--native` finds: the scikit-learn objects and whether the whole model builds.
struct Native {
    nodes: Vec<NodeSupport>,
    /// The root's class and methods, or the first refusal's kind and message.
    built: Result<(String, Vec<&'static str>), (&'static str, String)>,
}

impl Native {
    /// Reads the file at `path` again (the audit's buffer is borrowed by its file) and
    /// builds its model.
    fn read(path: &std::path::Path) -> Result<Self, CliError> {
        let limits = skops_format::Limits::default();
        let mut bytes = Vec::new();
        let file = skops_format::SkopsFile::open_path(path, &limits, &mut bytes)
            .map_err(|error| CliError::file(path, error))?;
        let nodes = support_report(&file);
        drop(file);
        Ok(Self::of(nodes, &bytes))
    }

    fn of(nodes: Vec<NodeSupport>, bytes: &[u8]) -> Self {
        let built = match Predictor::from_bytes(bytes) {
            Ok(predictor) => Ok((
                predictor.type_name().to_owned(),
                predictor
                    .methods()
                    .iter()
                    .map(|method| method.name())
                    .collect(),
            )),
            Err(error) => Err((error.kind(), error.to_string())),
        };
        Self { nodes, built }
    }

    fn footer(&self) -> String {
        match &self.built {
            Ok((type_name, methods)) => format!(
                "native prediction: yes ({}; methods: {})\n",
                sanitize(type_name),
                methods.join(", ")
            ),
            Err((kind, message)) => {
                format!("native prediction: no ({kind}): {}\n", sanitize(message))
            }
        }
    }

    fn json(&self) -> Value {
        let mut object = Object::new();
        object.push("predictable", self.built.is_ok());
        match &self.built {
            Ok((type_name, methods)) => {
                object.push("type", type_name.as_str());
                let methods: Vec<Value> = methods.iter().map(|m| Value::from(*m)).collect();
                object.push("methods", methods);
                object.push("refusal", Value::Null);
            }
            Err((kind, message)) => {
                let mut refusal = Object::new();
                refusal.push("kind", *kind);
                refusal.push("message", message.as_str());
                object.push("refusal", refusal);
            }
        }
        let estimators: Vec<Value> = self
            .nodes
            .iter()
            .map(|node| {
                let mut entry = Object::new();
                entry.push("path", node.path.as_str());
                entry.push("type", node.type_name.as_str());
                entry.push("supported", node.supported);
                Value::from(entry)
            })
            .collect();
        object.push("estimators", estimators);
        Value::from(object)
    }
}

/// Runs `inspect`.
pub fn run(args: &InspectArgs, style: Style) -> Result<Outcome, CliError> {
    let mut buffer = Vec::new();
    let (file, report, summary) = open(&args.file, &args.trust.trusted, &mut buffer)?;
    let native = if args.native {
        Some(Native::read(&args.file)?)
    } else {
        None
    };
    let stdout = if args.json {
        let native = native.as_ref().map(Native::json);
        json::inspect_report(&summary, &file, &report, args.show, native)
    } else {
        let rows =
            inspect_rows(&file, &report).map_err(|error| CliError::file(&args.file, error))?;
        let shown = tree::filter(&rows, args.show);
        let mut out = text::header(&summary, style);
        out.push('\n');
        match &native {
            Some(native) => {
                let supported: HashMap<_, bool> = native
                    .nodes
                    .iter()
                    .map(|node| (node.node, node.supported))
                    .collect();
                let tag = |row: &skops_trust::visualize::InspectRow| {
                    let supported = supported.get(&row.node?)?;
                    Some(if *supported {
                        NATIVE_TAG
                    } else {
                        NOT_NATIVE_TAG
                    })
                };
                out.push_str(&tree::render_tagged(&shown, style, &tag));
            }
            None => out.push_str(&tree::render(&shown, style)),
        }
        out.push('\n');
        out.push_str(&text::untrusted(&summary, style));
        if let Some(native) = &native {
            out.push_str(&native.footer());
        }
        out
    };
    Ok(Outcome {
        stdout,
        code: crate::EXIT_OK,
    })
}
