//! The validator of the libsvm state of `SVC`, `NuSVC`, `SVR`, `NuSVR` and `OneClassSVM`: the
//! invariants libsvm's predict code assumes without checking.
//!
//! skops 0.16 trusts these estimators by default, so this validator grants no trust: it only
//! refuses a state that would make predict read outside its arrays.
//!
//! At predict time sklearn (`_base.py`) hands `support_`, `support_vectors_`, `_n_support`,
//! `_dual_coef_`, `_intercept_`, `_probA` and `_probB` to `_libsvm.predict` (or
//! `_libsvm_sparse.libsvm_sparse_predict`), whose `set_model` (`libsvm_helper.c`) builds an
//! `svm_model` from the raw buffers without a single length check:
//! - `nr_class` is `len(_n_support)`, the number of SVs `l` is `len(support_)` (dense) or the
//!   rows of the sparse `support_vectors_`; `dense_to_libsvm` makes one node per row of
//!   `support_vectors_`, and predict reads `l` of them;
//! - `sv_coef` is `nr_class - 1` rows of `l` doubles from `_dual_coef_`, `rho` is
//!   `nr_class * (nr_class - 1) / 2` doubles from `_intercept_`, and `predict_proba` copies as
//!   many from `_probA`/`_probB`;
//! - a classifier walks `nSV[i]` SVs from `start[i] = nSV[0] + ... + nSV[i-1]`, reading the
//!   kernel values and `sv_coef` at those positions: the counts must be non-negative and sum
//!   to `l` (sklearn checks the sum only when `support_vectors_` is non-empty, which it is not
//!   for a precomputed kernel: CVE-2020-28975's fix does not cover that case);
//! - with a precomputed kernel (and a callable one, which predict runs as "precomputed") the
//!   kernel value of SV `i` is `x[support_[i]]`, where sklearn checks that the row `x` has
//!   `shape_fit_[0]` columns: `support_` must lie in `[0, shape_fit_[0])`;
//! - a sparse model's `csr_to_libsvm` follows `indptr` of `support_vectors_` over its `data`,
//!   and copies `(nr_class - 1) * l` doubles from `_dual_coef_.data`. A sparse model with a
//!   precomputed kernel reads the test row at an index taken from the SVs' *values*, which no
//!   check here can bound: such a state is refused.
//!
//! Checked: `_impl` (when the state sets it) is the class's; `_sparse` is a bool; `kernel` is a
//! known kernel name (a callable kernel, a function node, is left to the audit and bounded as
//! "precomputed": its `decision_function` runs the kernel against `_BaseLibSVM__Xfit` and skips
//! the width check, so that array must have `shape_fit_[0]` rows); `support_` and `_n_support`
//! are int32 vectors; `_n_support` has one non-negative count per class of `classes_` (a `.npy`
//! array, or the object array of JSON items skops writes for string labels, whose length is its
//! number of items) summing to the SVs (a regressor or one-class model stores `[n_SV, n_SV]`,
//! or `[n_SV, 0]` when sparse); `support_` lies in `[0, shape_fit_[0])`; `support_vectors_` is
//! float64 `(n_SV, n_features_in_)` (`(0, 0)` allowed for a precomputed kernel), dense or a CSR
//! matrix with a sound `indptr`; `dual_coef_`/`_dual_coef_` are `(n_class - 1, n_SV)`;
//! `intercept_`/`_intercept_` hold `n_class * (n_class - 1) / 2` values, `_probA`/`_probB` none
//! or that many; `class_weight_` (classifiers) one per class.
//!
//! Not checked: the floats (`_gamma`, `coef0`, the coefficients) and `degree`, which change
//! results but not what is read; the Python-level attributes predict uses through numpy
//! (bounds-checked there).

use super::records::IntField;
use super::state::{
    Array, Slot, State, json_int, json_int_sequence, json_value, object_vector_len,
};
use crate::{Error, Result};
use skops_format::container::Archive;
use skops_format::file::SkopsFile;
use skops_format::json::Value;
use skops_format::limits::Limits;
use skops_format::npy::Descr;
use skops_format::npz::{Sparse, SparseFormat};
use skops_format::schema::{NdArrayStorage, NodeId, NodeKind};

/// The kernels `_libsvm` knows (`LIBSVM_KERNEL_TYPES`).
const KERNELS: [&str; 5] = ["linear", "poly", "rbf", "sigmoid", "precomputed"];

/// The SVM estimators, with their libsvm implementation (`_impl`) and whether they classify.
const SVM_TYPES: [(&str, &str, bool); 5] = [
    ("sklearn.svm._classes.SVC", "c_svc", true),
    ("sklearn.svm._classes.NuSVC", "nu_svc", true),
    ("sklearn.svm._classes.SVR", "epsilon_svr", false),
    ("sklearn.svm._classes.NuSVR", "nu_svr", false),
    ("sklearn.svm._classes.OneClassSVM", "one_class", false),
];

/// The libsvm implementation and whether it classifies, when `type_name` is an SVM estimator.
pub(crate) fn svm_kind(type_name: &str) -> Option<(&'static str, bool)> {
    SVM_TYPES
        .iter()
        .find(|(name, _, _)| *name == type_name)
        .map(|&(_, implementation, classifier)| (implementation, classifier))
}

/// Validates the libsvm state of the SVM ObjectNode `id`; `path` gives its access path.
///
/// An unfitted estimator (no `support_`) has nothing libsvm reads and passes. The steps run in
/// the order below, so a state with several faults reports the first.
pub(crate) fn validate_svm(
    file: &SkopsFile<'_>,
    id: NodeId,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<()> {
    let Some((implementation, classifier)) = svm_kind(&file.schema().node(id).type_name()) else {
        return Err(malformed(path, "not an SVM estimator".to_owned()));
    };
    let svm = Svm {
        file,
        state: State::read(file, id, path)?,
        limits,
        path,
    };
    let Some(support) = svm.state.get("support_") else {
        return Ok(());
    };
    let kernel = svm.kernel(implementation)?;
    let support = svm.int32_vector(support, "support_")?;
    let n_sv = support.len() as u64;
    let n_class = svm.support_counts(classifier, kernel.sparse, n_sv)?;
    let shape_fit = svm.shape_fit()?;
    let n_train = shape_fit.first().copied().unwrap_or(0) as u64;
    svm.support_indices(&support, n_train)?;
    if kernel.callable {
        svm.callable_training_rows(n_train)?;
    }
    let width = svm.width(&shape_fit)?;
    let coef_shape = [n_class - 1, n_sv];
    if kernel.sparse {
        svm.sparse_vectors(n_sv, width, coef_shape)?;
    } else {
        svm.dense_vectors(n_sv, width, kernel.precomputed, coef_shape)?;
    }
    svm.intercepts(n_class.saturating_mul(n_class - 1) / 2)?;
    if classifier {
        svm.class_weights(n_class)?;
    }
    Ok(())
}

/// [`SvmError::State`] at `path`.
fn malformed(path: &dyn Fn() -> String, reason: String) -> Error {
    Error::from(SvmError::State {
        path: path(),
        reason,
    })
}

/// The state of one fitted SVM, and what every step of its validation needs.
struct Svm<'a, 'f> {
    file: &'a SkopsFile<'f>,
    state: State<'a>,
    limits: &'a Limits,
    path: &'a dyn Fn() -> String,
}

/// How predict runs the kernel.
struct Kernel {
    /// The model's support vectors are a sparse matrix.
    sparse: bool,
    /// The kernel is a callable (a function node), which predict passes as "precomputed".
    callable: bool,
    /// libsvm gets kernel values, not vectors: a precomputed or callable kernel.
    precomputed: bool,
}

impl Svm<'_, '_> {
    fn malformed(&self, reason: String) -> Error {
        malformed(self.path, reason)
    }

    /// The state entry `key`, which must be there.
    fn entry(&self, key: &str) -> Result<Slot<'_>> {
        self.state
            .get(key)
            .ok_or_else(|| self.malformed(format!("the state has no `{key}`")))
    }

    /// The numpy array of entry `key`.
    fn array(&self, key: &str) -> Result<Array<'_>> {
        self.load(self.entry(key)?)
    }

    fn load(&self, slot: Slot<'_>) -> Result<Array<'_>> {
        Array::load(self.file, slot, self.limits, &|reason| {
            self.malformed(reason)
        })
    }

    /// The items of the int32 vector in `slot`.
    fn int32_vector(&self, slot: Slot<'_>, name: &str) -> Result<Vec<i128>> {
        int32_vector(&self.load(slot)?, name).map_err(|reason| self.malformed(reason))
    }

    /// The float64 array of entry `key`.
    fn float64_array(&self, key: &str) -> Result<Array<'_>> {
        let array = self.array(key)?;
        float64(&array, key).map_err(|reason| self.malformed(reason))?;
        Ok(array)
    }

    fn shape_error(&self, array: &str, found: &[u64], expected: String) -> Error {
        Error::from(SvmError::Shape {
            path: (self.path)(),
            array: array.to_owned(),
            found: found.to_vec(),
            expected,
        })
    }

    /// `_impl` (when set), `_sparse` and `kernel`: the libsvm model predict builds.
    fn kernel(&self, implementation: &str) -> Result<Kernel> {
        let file = self.file;
        if let Some(set) = self.state.get("_impl") {
            if json_value(file, set).as_ref().and_then(Value::as_str) != Some(implementation) {
                return Err(self.malformed(format!(
                    "the state sets `_impl`, which must be the class's \"{implementation}\""
                )));
            }
        }
        let sparse = match json_value(file, self.entry("_sparse")?) {
            Some(Value::Bool(sparse)) => sparse,
            _ => return Err(self.malformed("`_sparse` is not a bool".to_owned())),
        };
        let kernel_id = self.entry("kernel")?;
        // A JSON value of a JSON-form state is no callable either.
        let callable = kernel_id.node().is_some_and(|kernel| {
            !matches!(file.schema().node(kernel).kind, NodeKind::Json { .. })
        });
        // A callable kernel: predict passes "precomputed" to libsvm.
        let precomputed = callable
            || match json_value(file, kernel_id) {
                Some(Value::String(kernel))
                    if kernel
                        .as_str()
                        .is_some_and(|kernel| KERNELS.contains(&kernel)) =>
                {
                    kernel == "precomputed"
                }
                _ => {
                    return Err(self
                        .malformed(format!("`kernel` is not one of {KERNELS:?} nor a callable")));
                }
            };
        if sparse && precomputed {
            return Err(self.malformed(
                "a sparse model with a precomputed or callable kernel: libsvm reads the test row \
                 at indices taken from the support vectors' values, which cannot be bounded"
                    .to_owned(),
            ));
        }
        Ok(Kernel {
            sparse,
            callable,
            precomputed,
        })
    }

    /// `_n_support` against `classes_` and the `n_sv` support vectors; returns the number of
    /// classes libsvm sees (`len(_n_support)`).
    fn support_counts(&self, classifier: bool, sparse: bool, n_sv: u64) -> Result<u64> {
        let counts = self.int32_vector(self.entry("_n_support")?, "_n_support")?;
        let n_class = counts.len() as u64;
        let bad_counts = |reason: String| {
            Error::from(SvmError::SupportCounts {
                path: (self.path)(),
                reason,
            })
        };
        if classifier {
            let classes = self.class_shape()?;
            if classes != [n_class] {
                return Err(bad_counts(format!(
                    "{n_class} counts for `classes_` of shape {classes:?}"
                )));
            }
            if n_class < 2 {
                return Err(bad_counts(format!(
                    "{n_class} classes: a fitted classifier has at least 2"
                )));
            }
            if let Some(count) = counts.iter().find(|&&count| count < 0) {
                return Err(bad_counts(format!("a negative count {count}")));
            }
            let total: i128 = counts.iter().sum();
            if total != i128::from(n_sv) {
                return Err(bad_counts(format!(
                    "the counts sum to {total} but `support_` has {n_sv} support vectors"
                )));
            }
        } else {
            // libsvm reads only `len(_n_support)` (2) of a regressor's counts; sklearn's
            // `n_support_` is the first, which its own check compares to the support vectors.
            let second = if sparse { 0 } else { n_sv };
            if counts != [i128::from(n_sv), i128::from(second)] {
                return Err(bad_counts(format!(
                    "{counts:?}, but a {} regressor or one-class model stores [{n_sv}, {second}] \
                     (n_SV = {n_sv})",
                    if sparse { "sparse" } else { "dense" }
                )));
            }
        }
        Ok(n_class)
    }

    /// The shape of `classes_`: a `.npy` array (numbers or unicode), or an object array of
    /// JSON items (string labels), one-dimensional, whose length skops takes from its items.
    fn class_shape(&self) -> Result<Vec<u64>> {
        let slot = self.entry("classes_")?;
        let object_array = slot.node().is_some_and(|id| {
            matches!(
                self.file.schema().node(id).kind,
                NodeKind::NdArray(NdArrayStorage::Json { .. })
            )
        });
        if object_array {
            return object_vector_len(self.file, slot)
                .map(|length| vec![length])
                .map_err(|reason| self.malformed(format!("`classes_` is {reason}")));
        }
        Ok(self.load(slot)?.shape().to_vec())
    }

    /// `shape_fit_`, the shape of the training data.
    fn shape_fit(&self) -> Result<Vec<i128>> {
        json_int_sequence(self.file, self.entry("shape_fit_")?)
            .filter(|shape| !shape.is_empty() && shape.iter().all(|&dim| dim >= 0))
            .ok_or_else(|| self.malformed("`shape_fit_` is not a tuple of sizes".to_owned()))
    }

    /// `support_` indexes the `n_train` training samples (the kernel row for a precomputed
    /// kernel).
    fn support_indices(&self, support: &[i128], n_train: u64) -> Result<()> {
        match support
            .iter()
            .enumerate()
            .find(|&(_, &index)| index < 0 || index >= i128::from(n_train))
        {
            Some((position, &index)) => Err(Error::from(SvmError::SupportIndex {
                path: (self.path)(),
                position: position as u64,
                index: i64::try_from(index).unwrap_or(i64::MAX),
                bound: n_train,
            })),
            None => Ok(()),
        }
    }

    /// `decision_function` runs `kernel(X, _BaseLibSVM__Xfit)` and hands the result to libsvm
    /// without comparing its width to `shape_fit_[0]` (only `predict` does): the training rows
    /// kept for a callable kernel must be the `n_train` ones `support_` indexes.
    fn callable_training_rows(&self, n_train: u64) -> Result<()> {
        let rows = training_rows(
            self.file,
            self.entry("_BaseLibSVM__Xfit")?,
            self.limits,
            &|reason| self.malformed(reason),
        )?;
        if rows == n_train {
            Ok(())
        } else {
            Err(self.malformed(format!(
                "a callable kernel's training data `_BaseLibSVM__Xfit` has {rows} rows, but \
                 `shape_fit_[0]` is {n_train}"
            )))
        }
    }

    /// The width of the support vectors: the training width, which `X` is checked against
    /// (`n_features_in_` and `shape_fit_[1]` agree when both are there).
    fn width(&self, shape_fit: &[i128]) -> Result<Option<u64>> {
        let n_features = match self.state.get("n_features_in_") {
            Some(node) => Some(
                json_int(self.file, node)
                    .and_then(|value| u64::try_from(value).ok())
                    .ok_or_else(|| self.malformed("`n_features_in_` is not a size".to_owned()))?,
            ),
            None => None,
        };
        match (n_features, shape_fit.get(1)) {
            (Some(n_features), Some(&fit)) if n_features != fit as u64 => Err(self.malformed(
                format!("`n_features_in_` is {n_features} but `shape_fit_` is {shape_fit:?}"),
            )),
            (Some(n_features), _) => Ok(Some(n_features)),
            (None, fit) => Ok(fit.map(|&fit| fit as u64)),
        }
    }

    /// The CSR support vectors and dual coefficients of a sparse model.
    fn sparse_vectors(&self, n_sv: u64, width: Option<u64>, coef_shape: [u64; 2]) -> Result<()> {
        let (file, limits, path) = (self.file, self.limits, self.path);
        let vectors = self.entry("support_vectors_")?;
        check_csr(file, vectors, "support_vectors_", limits, path, |shape| {
            let rows_ok = shape.0 == n_sv;
            let cols_ok = width.is_none_or(|width| shape.1 == width);
            (rows_ok && cols_ok).then_some(()).ok_or_else(|| {
                let expected = match width {
                    Some(width) => format!("({n_sv}, {width})"),
                    None => format!("({n_sv}, n_features)"),
                };
                self.shape_error("support_vectors_", &[shape.0, shape.1], expected)
            })
        })?;
        for array in ["dual_coef_", "_dual_coef_"] {
            let stored = check_csr(file, self.entry(array)?, array, limits, path, |shape| {
                if [shape.0, shape.1] == coef_shape {
                    Ok(())
                } else {
                    Err(self.shape_error(
                        array,
                        &[shape.0, shape.1],
                        format!("({}, {})", coef_shape[0], coef_shape[1]),
                    ))
                }
            })?;
            let needed = coef_shape[0].saturating_mul(coef_shape[1]);
            if stored < needed {
                return Err(Error::from(SvmError::Sparse {
                    path: path(),
                    array: array.to_owned(),
                    reason: format!(
                        "it stores {stored} values, but libsvm copies {needed} (every \
                         coefficient)"
                    ),
                }));
            }
        }
        Ok(())
    }

    /// The dense support vectors (none for a precomputed kernel) and dual coefficients.
    fn dense_vectors(
        &self,
        n_sv: u64,
        width: Option<u64>,
        precomputed: bool,
        coef_shape: [u64; 2],
    ) -> Result<()> {
        let vectors = self.float64_array("support_vectors_")?;
        let shape = vectors.shape();
        let sound = match shape {
            [0, 0] if precomputed => true,
            [rows, cols] => {
                *rows == n_sv && !precomputed && width.is_none_or(|width| *cols == width)
            }
            _ => false,
        };
        if !sound {
            let expected = match (precomputed, width) {
                (true, _) => "(0, 0) for a precomputed kernel".to_owned(),
                (false, Some(width)) => format!("({n_sv}, {width})"),
                (false, None) => format!("({n_sv}, n_features)"),
            };
            return Err(self.shape_error("support_vectors_", shape, expected));
        }
        for array in ["dual_coef_", "_dual_coef_"] {
            let coef = self.float64_array(array)?;
            if coef.shape() != coef_shape {
                return Err(self.shape_error(
                    array,
                    coef.shape(),
                    format!("({}, {})", coef_shape[0], coef_shape[1]),
                ));
            }
        }
        Ok(())
    }

    /// The intercepts and probability parameters: one per pair of classes (`_probA` and
    /// `_probB` may be empty).
    fn intercepts(&self, pairs: u64) -> Result<()> {
        for (array, optional) in [
            ("intercept_", false),
            ("_intercept_", false),
            ("_probA", true),
            ("_probB", true),
        ] {
            let values = self.float64_array(array)?;
            let sound = values.shape() == [pairs] || (optional && values.shape() == [0]);
            if !sound {
                let expected = if optional {
                    format!("(0,) or ({pairs},)")
                } else {
                    format!("({pairs},)")
                };
                return Err(self.shape_error(array, values.shape(), expected));
            }
        }
        Ok(())
    }

    /// A classifier's `class_weight_`, when set: one per class.
    fn class_weights(&self, n_class: u64) -> Result<()> {
        if !self.state.has("class_weight_") {
            return Ok(());
        }
        let weights = self.float64_array("class_weight_")?;
        if weights.shape() == [n_class] {
            Ok(())
        } else {
            Err(self.shape_error("class_weight_", weights.shape(), format!("({n_class},)")))
        }
    }
}

/// The rows of the training data a callable kernel keeps (a numpy array or a sparse matrix).
fn training_rows(
    file: &SkopsFile<'_>,
    slot: Slot<'_>,
    limits: &Limits,
    malformed: &dyn Fn(String) -> Error,
) -> Result<u64> {
    let kind = slot.node().map(|id| &file.schema().node(id).kind);
    match kind {
        Some(NodeKind::SparseMatrix { file: member }) => {
            with_sparse(file, member, limits, |matrix| Ok(matrix.shape.0))
        }
        _ => {
            let array = Array::load(file, slot, limits, malformed)?;
            match array.shape() {
                [rows, _] => Ok(*rows),
                shape => Err(malformed(format!(
                    "`_BaseLibSVM__Xfit` has shape {shape:?}, not two dimensions"
                ))),
            }
        }
    }
}

/// Opens the sparse `.npz` member `member` and runs `inspect` on the matrix it holds.
pub(super) fn with_sparse<T>(
    file: &SkopsFile<'_>,
    member: &str,
    limits: &Limits,
    inspect: impl FnOnce(&Sparse<'_>) -> Result<T>,
) -> Result<T> {
    let bytes = file.validation_member(member)?;
    let archive = Archive::parse(&bytes, limits)?;
    let mut members = Vec::with_capacity(archive.entries().len());
    for entry in archive.entries() {
        let content = archive.read_entry(entry)?;
        file.charge_validation_read(content.len() as u64, member)?;
        members.push((entry.name.clone(), content));
    }
    let borrowed = members
        .iter()
        .map(|(name, content)| (name.as_str(), content.as_slice()))
        .collect();
    inspect(&Sparse::from_members(borrowed, limits)?)
}

/// The items of a one-dimensional int32 array (what the Cython signatures take).
fn int32_vector(array: &Array<'_>, name: &str) -> std::result::Result<Vec<i128>, String> {
    if !array.is('i', 4) || array.shape().len() != 1 {
        return Err(format!(
            "`{name}` is {} of shape {:?}, not a one-dimensional int32 array",
            array.dtype(),
            array.shape()
        ));
    }
    array
        .ints()
        .ok_or_else(|| format!("`{name}` items cannot be read"))
}

/// Checks that an array is float64 (what the Cython signatures take).
fn float64(array: &Array<'_>, name: &str) -> std::result::Result<(), String> {
    if array.is('f', 8) {
        Ok(())
    } else {
        Err(format!("`{name}` is {}, not float64", array.dtype()))
    }
}

/// Checks the CSR matrix of SparseMatrixNode `id`: format, shape (by `check_shape`) and an
/// `indptr` from 0, non-decreasing, ending within `data`; returns `indptr[-1]`, the number of
/// values the loaded matrix keeps.
fn check_csr(
    file: &SkopsFile<'_>,
    slot: Slot<'_>,
    array: &str,
    limits: &Limits,
    path: &dyn Fn() -> String,
    check_shape: impl Fn((u64, u64)) -> Result<()>,
) -> Result<u64> {
    let bad = |reason: String| {
        Error::from(SvmError::Sparse {
            path: path(),
            array: array.to_owned(),
            reason,
        })
    };
    let Some(NodeKind::SparseMatrix { file: member }) =
        slot.node().map(|id| &file.schema().node(id).kind)
    else {
        return Err(bad("not a sparse matrix in a sparse model".to_owned()));
    };
    with_sparse(file, member, limits, |matrix| {
        if matrix.format != SparseFormat::Csr {
            return Err(bad(format!("a {} matrix, not csr", matrix.format.as_str())));
        }
        check_shape(matrix.shape)?;
        let data = matrix
            .member("data")
            .ok_or_else(|| bad("no `data`".to_owned()))?;
        if !matches!(&data.header.descr, Descr::Simple(t) if t.kind == 'f' && t.size == 8) {
            return Err(bad(format!(
                "`data` is {}, not float64",
                data.header.descr.to_python_repr()
            )));
        }
        let stored = data.header.shape.first().copied().unwrap_or(0);
        let indptr = matrix
            .member("indptr")
            .ok_or_else(|| bad("no `indptr`".to_owned()))?;
        let Descr::Simple(type_str) = &indptr.header.descr else {
            return Err(bad("`indptr` is structured".to_owned()));
        };
        let field = IntField::plain(type_str)
            .map_err(|_| bad(format!("`indptr` is {}", type_str.to_type_string())))?;
        let size = usize::try_from(type_str.size).unwrap_or(1).max(1);
        let mut previous = 0i128;
        for (row, item) in indptr.data.chunks_exact(size).enumerate() {
            let value = field
                .read(item)
                .ok_or_else(|| bad("`indptr` item".to_owned()))?;
            let sound = if row == 0 {
                value == 0
            } else {
                value >= previous && value <= i128::from(stored)
            };
            if !sound {
                return Err(bad(format!(
                    "`indptr[{row}]` is {value}: it must start at 0 and not decrease nor pass the \
                     {stored} stored values"
                )));
            }
            previous = value;
        }
        // scipy's constructor prunes `data` to `indptr[-1]` values: that is what libsvm gets.
        Ok(u64::try_from(previous).unwrap_or(0))
    })
}

/// What the `svm` validator refuses.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(SvmErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`SvmError`], without their data.")]
pub enum SvmError {
    /// The libsvm state of an SVM (`SVC`, `NuSVC`, `SVR`, `NuSVR`, `OneClassSVM`) is not what
    /// sklearn writes: a missing entry, an array of another dtype or dimension, an unknown
    /// kernel, a sparse model with a precomputed kernel, or an `_impl` of another class.
    #[error("the libsvm state of the SVM at `{path}` is malformed: {reason}")]
    State {
        /// Where the estimator is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// `_n_support` does not hold one non-negative count per class summing to the number of
    /// support vectors (`[n_SV, n_SV]` for a regressor or one-class model).
    #[error("the SVM at `{path}` has inconsistent `_n_support`: {reason}")]
    SupportCounts {
        /// Where the estimator is.
        path: String,
        /// How the counts disagree.
        reason: String,
    },
    /// An array of the libsvm state does not have the shape the class counts and the number of
    /// support vectors give it.
    #[error("the SVM at `{path}` has `{array}` of shape {found:?}, expected {expected}")]
    Shape {
        /// Where the estimator is.
        path: String,
        /// The array (`support_vectors_`, `_dual_coef_`, `_intercept_`, ...).
        array: String,
        /// The shape found.
        found: Vec<u64>,
        /// The shape expected.
        expected: String,
    },
    /// A `support_` entry is not the index of a training sample (a precomputed kernel reads
    /// the test row there).
    #[error(
        "`support_[{position}]` of the SVM at `{path}` is {index}, outside [0, {bound}) (`shape_fit_[0]`)"
    )]
    SupportIndex {
        /// Where the estimator is.
        path: String,
        /// The position in `support_`.
        position: u64,
        /// The index found.
        index: i64,
        /// `shape_fit_[0]`, the number of training samples.
        bound: u64,
    },
    /// A sparse matrix of a sparse SVM is not a CSR matrix whose `indptr` runs from 0, does not
    /// decrease and stays within `data`, or stores fewer values than libsvm copies.
    #[error("the SVM at `{path}` has a malformed sparse `{array}`: {reason}")]
    Sparse {
        /// Where the estimator is.
        path: String,
        /// `support_vectors_`, `dual_coef_` or `_dual_coef_`.
        array: String,
        /// What is wrong.
        reason: String,
    },
}

skops_format::error_kinds!(SvmError / SvmErrorKind {
    State => "validate-svm-state",
    SupportCounts => "validate-svm-support-counts",
    Shape => "validate-svm-shape",
    SupportIndex => "validate-svm-support-index",
    Sparse => "validate-svm-sparse",
});

impl SvmError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        "the libsvm state of an SVM breaks an invariant libsvm relies on at predict time (it \
         would read out of bounds): the file is corrupt or was crafted; do not load it"
    }
}
