//! Every fixture skops 0.16 wrote (`python/tests/fixtures/generate.py --out DIR`, DIR in the
//! environment variable `SKOPS_RS_FIXTURES`) opens, its schema is written back as skops wrote
//! it, loading it materialises each member once, and its audit equals skops'
//! `get_untrusted_types`.
//!
//! "As skops wrote it" means byte for byte, or equal once `__id__`s and member names are
//! renumbered by first appearance, or, for files where skops wrote one object twice with
//! different ephemeral children under the same `__id__` (its reader keeps the first copy, and
//! so do we), equal once later copies are collapsed onto the first (see [`Renumber`]).
//!
//! Files skops itself cannot audit (the manifest has `"untrusted": null` and the Python error
//! in `untrusted_error`) must fail to open with the error variant that corresponds to that
//! Python error (see [`python_error_matches`]): where skops refuses a file, we refuse it for
//! the same reason, at open.
//!
//! Without `SKOPS_RS_FIXTURES` the test prints a note and passes, unless
//! `SKOPS_RS_REQUIRE_FIXTURES=1` (CI), where a missing directory fails.

use std::collections::HashMap;
use std::path::PathBuf;

use skops_format::Limits;
use skops_format::json::{self, Number, Object, Value};
use skops_trust::error::AuditError;
use skops_trust::{Error, ModelFile};

/// Whether `error` is what we raise for a file skops 0.16 refuses with `python` (the
/// manifest's `"ExceptionName: message"`).
fn python_error_matches(python: &str, error: &Error) -> bool {
    if python.starts_with("ValueError: Expected object of type") {
        return error.kind() == "schema-method-type-mismatch";
    }
    if python.starts_with("ValueError: Expected module 'operator'") {
        return error.kind() == "schema-operator-module";
    }
    if python.starts_with("TypeError:  Can't find loader") {
        return error.kind() == "schema-unknown-loader";
    }
    if python.starts_with("AttributeError: 'str' object has no attribute 'get_unsafe_set'") {
        return matches!(error, Error::Audit(AuditError::RawGeneratorState { .. }));
    }
    false
}

fn fixtures_dir() -> Option<PathBuf> {
    match std::env::var_os("SKOPS_RS_FIXTURES") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            assert!(
                std::env::var("SKOPS_RS_REQUIRE_FIXTURES").as_deref() != Ok("1"),
                "SKOPS_RS_REQUIRE_FIXTURES=1 but SKOPS_RS_FIXTURES is not set"
            );
            eprintln!(
                "skipping the fixture test: set SKOPS_RS_FIXTURES to the output of \
                 python/tests/fixtures/generate.py"
            );
            None
        }
    }
}

/// Replaces `__id__` values and the member names in node `file` keys by their order of first
/// appearance, so two schemas of the same object compare equal whatever ids Python used.
///
/// With `collapse`, a node state whose `__id__` appeared before is replaced by that first
/// state, as skops' reader does (its memo returns the first node). skops 0.16 writes a shared
/// object in full at each occurrence, and the ephemeral objects inside it (the empty array of a
/// dtype, the arrays `RandomState.get_state()` returns) get new ids and member names each time,
/// so the later copies differ from the first although skops never reads them.
#[derive(Default)]
struct Renumber<'v> {
    ids: HashMap<String, u64>,
    files: HashMap<String, u64>,
    first_states: HashMap<String, &'v Object>,
    collapse: bool,
    collapsed: u64,
}

impl<'v> Renumber<'v> {
    fn value(&mut self, value: &'v Value) -> Value {
        match value {
            Value::Array(items) => {
                Value::Array(items.iter().map(|item| self.value(item)).collect())
            }
            Value::Object(object) => Value::Object(self.object(object)),
            other => other.clone(),
        }
    }

    fn object(&mut self, object: &'v Object) -> Object {
        let is_node = object.contains_key("__loader__");
        if let (true, Some(Value::Number(id))) = (is_node, object.get("__id__")) {
            match self.first_states.get(id.as_str()) {
                Some(&first) if self.collapse && !std::ptr::eq(first, object) => {
                    if first != object {
                        self.collapsed += 1;
                    }
                    return self.object(first);
                }
                Some(_) => {}
                None => {
                    self.first_states.insert(id.as_str().to_owned(), object);
                }
            }
        }
        let mut out = Object::with_capacity(object.len());
        for (key, value) in object.iter() {
            let renamed = match (key.as_str().unwrap_or_default(), value) {
                ("__id__", Value::Number(number)) => {
                    let next = self.ids.len() as u64;
                    let id = *self.ids.entry(number.as_str().to_owned()).or_insert(next);
                    Value::Number(Number::from_u64(id))
                }
                ("file", Value::String(name)) if is_node => {
                    let next = self.files.len() as u64;
                    let name = name.as_str().expect("member names are text");
                    let index = *self.files.entry(name.to_owned()).or_insert(next);
                    let extension = name.rsplit_once('.').map_or("", |(_, ext)| ext);
                    Value::from(format!("member{index}.{extension}"))
                }
                _ => self.value(value),
            };
            out.push(key, renamed);
        }
        out
    }
}

/// The schema text renumbered (and, with `collapse`, with repeated ids collapsed), and how
/// many differing repeated states were collapsed.
fn normalized(text: &[u8], collapse: bool) -> Result<(String, u64), Error> {
    let value = json::parse(text, Limits::default().max_json_depth)?;
    let mut renumber = Renumber {
        collapse,
        ..Renumber::default()
    };
    let normal = renumber.value(&value);
    Ok((json::to_string_pretty(&normal), renumber.collapsed))
}

/// The first line where two texts differ, with a little context, for failure messages.
fn first_difference(original: &str, written: &str) -> String {
    let mut original_lines = original.lines();
    let mut written_lines = written.lines();
    let mut number = 1;
    loop {
        match (original_lines.next(), written_lines.next()) {
            (Some(a), Some(b)) if a == b => number += 1,
            (None, None) => return "same lines, different bytes".to_owned(),
            (a, b) => {
                return format!("line {number}: original {a:?}, written {b:?}");
            }
        }
    }
}

fn strings(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|item| item.as_str().map(str::to_owned))
        .collect()
}

#[test]
fn fixtures_open_round_trip_and_audit_like_skops() {
    let Some(dir) = fixtures_dir() else {
        return;
    };
    let manifest_text = std::fs::read(dir.join("manifest.json"))
        .unwrap_or_else(|error| panic!("cannot read {}/manifest.json: {error}", dir.display()));
    let manifest = json::parse(&manifest_text, 64).unwrap();
    let files = manifest
        .as_object()
        .and_then(|root| root.get("files"))
        .and_then(Value::as_array)
        .expect("manifest has a `files` list");

    let version = |name: &str| {
        manifest
            .as_object()
            .and_then(|root| root.get("versions"))
            .and_then(Value::as_object)
            .and_then(|versions| versions.get(name))
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("manifest has no {name} version"))
    };
    let (sklearn_version, skops_version) = (version("scikit-learn"), version("skops"));
    let limits = Limits::default();
    let mut failures: Vec<String> = Vec::new();
    let (mut opened, mut refused_like_skops, mut audited) = (0, 0, 0);
    let (mut exact_schema, mut renumbered_schema, mut collapsed_schema) = (0, 0, 0);
    for entry in files {
        let entry = entry.as_object().expect("manifest entry is an object");
        let relative = entry.get("path").and_then(Value::as_str).expect("path");
        let bytes = std::fs::read(dir.join(relative)).expect("fixture readable");
        let result = ModelFile::open(&bytes, &limits);

        let expected = entry.get("untrusted").and_then(strings);
        let Some(expected) = expected else {
            // skops refuses this file: so must we, for the same reason.
            let python = entry
                .get("untrusted_error")
                .and_then(Value::as_str)
                .unwrap_or("");
            match &result {
                Err(error) if python_error_matches(python, error) => refused_like_skops += 1,
                Err(error) => failures.push(format!(
                    "{relative}: skops says {python:?}, we say {error} ({error:?})"
                )),
                Ok(_) => failures.push(format!(
                    "{relative}: skops refuses it ({python:?}), we open it"
                )),
            }
            continue;
        };
        let file = match result {
            Ok(file) => file,
            Err(error) => {
                failures.push(format!("{relative}: cannot open: {error} ({error:?})"));
                continue;
            }
        };
        opened += 1;

        // skops names each member from one node (a shared object is one `__id__`), so loading
        // materialises each member once, with no allowance needed.
        let plan = file.materialisation();
        if plan.planned != plan.needed {
            failures.push(format!("{relative}: materialises {plan:?}"));
        }

        let original = file.member("schema.json").expect("schema.json readable");
        let written = file.schema().to_json();
        if written.as_bytes() == original.as_ref() {
            exact_schema += 1;
        } else {
            let renumbered = (
                normalized(&original, false).map(|(text, _)| text),
                normalized(written.as_bytes(), false).map(|(text, _)| text),
            );
            match renumbered {
                (Ok(a), Ok(b)) if a == b => renumbered_schema += 1,
                _ => match (
                    normalized(&original, true),
                    normalized(written.as_bytes(), true),
                ) {
                    (Ok((a, collapsed)), Ok((b, _))) if a == b && collapsed > 0 => {
                        collapsed_schema += 1;
                    }
                    (Ok((a, _)), Ok((b, _))) => failures.push(format!(
                        "{relative}: schema differs after renumbering: {}",
                        first_difference(&a, &b)
                    )),
                    (a, b) => failures.push(format!(
                        "{relative}: schema not JSON: original {:?}, written {:?}",
                        a.err(),
                        b.err()
                    )),
                },
            }
        }

        let kind = entry.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind == "estimator" && file.sklearn_version().as_deref() != Some(sklearn_version) {
            failures.push(format!(
                "{relative}: sklearn version {:?}, expected {sklearn_version}",
                file.sklearn_version()
            ));
        }
        if file.skops_version().and_then(|version| version.as_str()) != Some(skops_version) {
            failures.push(format!(
                "{relative}: skops version {:?}",
                file.skops_version()
            ));
        }

        // Without validation the audit is skops' exactly; with it, ours is skops' minus the
        // types whose validator passed (the validated nodes are trusted).
        match skops_trust::audit::audit(file.schema(), &[]) {
            Ok(report) if report.untrusted_types() == expected => {}
            Ok(report) => failures.push(format!(
                "{relative}: schema-only audit {:?}, skops {expected:?}",
                report.untrusted_types()
            )),
            Err(error) => failures.push(format!("{relative}: schema-only audit failed: {error}")),
        }
        let validated = match file.validate() {
            Ok(validated) => {
                // Only the registry's trusting validators may trust a node.
                for validator in validated.validators() {
                    if !validator.can_trust() {
                        failures.push(format!(
                            "{relative}: refuse-only validator {} trusted a node",
                            validator.name()
                        ));
                    }
                }
                validated.types()
            }
            Err(error) => {
                failures.push(format!("{relative}: validation failed: {error}"));
                continue;
            }
        };
        let skops_expected = expected.clone();
        let expected: Vec<String> = expected
            .into_iter()
            .filter(|name| !validated.contains(name.as_str()))
            .collect();
        if skops_expected.len() - expected.len() != validated.len() {
            failures.push(format!(
                "{relative}: validated {validated:?} but skops lists {skops_expected:?}"
            ));
        }
        match file.audit(&[]) {
            Ok(report) if report.untrusted_types() == expected => {
                audited += 1;
                for type_name in &expected {
                    if report.paths(type_name).is_empty() {
                        failures.push(format!("{relative}: no path for {type_name}"));
                    }
                }
                if !expected.is_empty()
                    && file.audit(&expected).map(|r| r.is_clean()).ok() != Some(true)
                {
                    failures.push(format!(
                        "{relative}: not clean with its untrusted types trusted"
                    ));
                }
            }
            Ok(report) => failures.push(format!(
                "{relative}: untrusted {:?}, skops {expected:?}",
                report.untrusted_types()
            )),
            Err(error) => failures.push(format!("{relative}: audit failed: {error}")),
        }
    }
    eprintln!(
        "fixtures: {} files; {opened} opened, {audited} audited like skops (minus validated \
         types); schemas written \
         back: {exact_schema} byte for byte, {renumbered_schema} after renumbering, \
         {collapsed_schema} after collapsing objects skops wrote twice; {refused_like_skops} \
         refused as skops refuses them",
        files.len()
    );
    assert_eq!(exact_schema + renumbered_schema + collapsed_schema, opened);
    assert!(
        failures.is_empty(),
        "{} fixture mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(opened + refused_like_skops, files.len());
}
