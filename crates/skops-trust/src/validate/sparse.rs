//! The validator of scipy sparse matrices and arrays (`SparseMatrixNode`): the index
//! invariants scipy's C++ `sparsetools` assume without checking.
//!
//! skops builds the matrix with `scipy.sparse.load_npz`, which hands the `.npz` members to
//! the class its `format` (and `_is_array`) member names: `csr_matrix((data, indices,
//! indptr), shape=shape)` and so on. The constructors run only scipy's cheap checks
//! (`check_format(full_check=False)`: the lengths of `indptr` and `data`, `indptr[0]`, the
//! last pointer not past the end), never that the pointers are monotone or the indices in
//! range. `sparsetools` (every product, `tocsc`, slicing, `sum(axis=...)`) then walks
//! `indptr` and indexes with `indices` with no bounds checks: a crafted
//! `SparseRandomProjection.components_` reads outside `X` at `transform`
//! (`X @ components_.T`).
//!
//! What is checked, from the members, before anything is built (the structure check at open,
//! [`skops_format::npz::Sparse::from_members`], has already required the members of the format, a
//! 2-d non-negative `shape`, 1-d integer index arrays and `indptr`/`indices`/`data` lengths
//! that agree with `shape`):
//! - `data` has a numeric or bool dtype (never object, string, datetime or structured);
//! - both dimensions of `shape` fit in `int64` (scipy casts indices to `int32`/`int64`, which
//!   must not wrap);
//! - csr/csc: `indptr[0] == 0`, `indptr` non-decreasing, `indptr[-1] == len(indices)`, every
//!   index in `[0, minor)` (columns for csr, rows for csc);
//! - bsr: the same on the block grid (`shape[0] / R` block rows, indices in
//!   `[0, shape[1] / C)`), `data` being `(len(indices), R, C)`;
//! - coo: every row in `[0, shape[0])`, every column in `[0, shape[1])` (scipy checks these
//!   too, at construction);
//! - dia: only the dtype of `data` (the structure check covers the rest); a dia matrix is
//!   never trusted by default: `dia_matvec` clips each diagonal by its offset, but that
//!   arithmetic on unchecked offsets was not audited here.
//!
//! Why a matrix that passes is safe wherever it sits: (a) building it runs the scipy
//! constructor on arrays whose values are already in range, so `check_format`'s casts to the
//! index dtype cannot wrap and `prune()` has nothing to cut; (b) every native path reads
//! `indptr[i]..indptr[i + 1]` inside `indices`/`data` and `indices[k] < minor`; the other
//! operand of a product is checked against `shape` in Python by scipy (`matmul: dimension
//! mismatch`), so `X` of any width cannot be over-read through a sound matrix. sklearn's
//! uses of stored sparse attributes (`SparseRandomProjection.components_`, a sparsified
//! `coef_`) go through scipy's operators (`safe_sparse_dot`), not through their own Cython.
//!
//! One use is not: the neighbors estimators (KNeighbors*, RadiusNeighbors*, NearestNeighbors,
//! the neighbors transformers, LocalOutlierFactor) hand a sparse `_fit_X` to the
//! pairwise-distance reductions (`ArgKmin`, `RadiusNeighbors`), whose dense-sparse pair reads
//! the dense query at `j * _fit_X.shape[1] + indices[k]` (and the Euclidean middle term at
//! `Y[j, indices[k]]`) with the query checked only against `n_features_in_`; the results index
//! graphs of `n_samples_fit_` columns. So a matrix held as `_fit_X` is trusted only when every
//! object holding it has `n_features_in_` and `n_samples_fit_` equal to its shape (a
//! `_fit_X` wider than `n_features_in_` reads far past the query: a segfault).
//!
//! The node is trusted as the class the members build (e.g. `scipy.sparse._csr.csr_matrix`
//! for `format == "csr"` without `_is_array`), and only when the schema names that class: a
//! schema naming another class keeps its own audit.

use std::borrow::Cow;

use super::context::Context;
use super::records::IntField;
use super::registry::{PathFn, Validator};
use super::usage::{Referrers, attribute_int, state_shadows_methods};
use crate::{Error, Result};
use skops_format::container::Archive;
use skops_format::error::NpzError;
use skops_format::file::SkopsFile;
use skops_format::limits::Limits;
use skops_format::npy::{Descr, NpyView};
use skops_format::npz::{Sparse, SparseFormat};
use skops_format::schema::{ChildKey, NodeId, NodeKind};

/// Validates the SparseMatrixNode `id` of `file`; `path` gives its access path for error
/// messages. Returns the class it is trusted as, when it may be trusted (see the module doc),
/// with its shape, for [`placement_is_bounded`].
pub(crate) fn validate_sparse(
    file: &SkopsFile<'_>,
    id: NodeId,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<Option<(&'static str, (u64, u64))>> {
    let node = file.schema().node(id);
    let NodeKind::SparseMatrix { file: member } = &node.kind else {
        return Ok(None);
    };
    let bytes = file.validation_member(member)?;
    let inner = Archive::parse(&bytes, limits)?;
    let mut members: Vec<(&str, Cow<'_, [u8]>)> = Vec::with_capacity(inner.entries().len());
    for entry in inner.entries() {
        let data = match inner.stored_data(entry) {
            Some(data) => Cow::Borrowed(data),
            None => {
                let data = inner.read_entry(entry)?;
                file.charge_validation_read(data.len() as u64, member)?;
                Cow::Owned(data)
            }
        };
        members.push((entry.name.as_str(), data));
    }
    let borrowed = members
        .iter()
        .map(|(name, data)| (*name, data.as_ref()))
        .collect();
    let sparse = Sparse::from_members(borrowed, limits)?;
    check_sparse(&sparse, path)?;
    let class = class_name(sparse.format, sparse.is_array);
    Ok(
        (sparse.format != SparseFormat::Dia && node.type_name() == class)
            .then_some((class, sparse.shape)),
    )
}

/// The attribute in which the neighbors estimators keep their training data.
const FIT_X: &str = "_fit_X";

/// Whether the sound matrix `id` of shape `(rows, cols)` is used only where its shape is
/// checked: held as `_fit_X` only by objects whose `n_features_in_` is `cols` and whose
/// `n_samples_fit_` is `rows` (see the module doc).
pub(crate) fn placement_is_bounded(
    file: &SkopsFile<'_>,
    referrers: &Referrers<'_>,
    id: NodeId,
    (rows, cols): (u64, u64),
) -> bool {
    referrers.of(id).iter().all(|&(parent, key)| {
        key != ChildKey::Key(FIT_X)
            || (referrers.is_object_state(parent)
                && referrers.of(parent).iter().all(|&(owner, _)| {
                    // A callable in the state could replace the method that checks `X`.
                    !state_shadows_methods(file, owner)
                        && attribute_int(file, owner, "n_features_in_") == Some(i128::from(cols))
                        && attribute_int(file, owner, "n_samples_fit_") == Some(i128::from(rows))
                }))
    })
}

/// The class `load_npz` builds for `format` (a `*_array` when `_is_array` is true).
pub(crate) fn class_name(format: SparseFormat, is_array: bool) -> &'static str {
    match (format, is_array) {
        (SparseFormat::Csr, false) => "scipy.sparse._csr.csr_matrix",
        (SparseFormat::Csr, true) => "scipy.sparse._csr.csr_array",
        (SparseFormat::Csc, false) => "scipy.sparse._csc.csc_matrix",
        (SparseFormat::Csc, true) => "scipy.sparse._csc.csc_array",
        (SparseFormat::Bsr, false) => "scipy.sparse._bsr.bsr_matrix",
        (SparseFormat::Bsr, true) => "scipy.sparse._bsr.bsr_array",
        (SparseFormat::Coo, false) => "scipy.sparse._coo.coo_matrix",
        (SparseFormat::Coo, true) => "scipy.sparse._coo.coo_array",
        (SparseFormat::Dia, false) => "scipy.sparse._dia.dia_matrix",
        (SparseFormat::Dia, true) => "scipy.sparse._dia.dia_array",
    }
}

/// The classes the validator may trust, with their formats (dia is never trusted).
pub const SPARSE_TYPES: [&str; 8] = [
    "scipy.sparse._csr.csr_matrix",
    "scipy.sparse._csr.csr_array",
    "scipy.sparse._csc.csc_matrix",
    "scipy.sparse._csc.csc_array",
    "scipy.sparse._bsr.bsr_matrix",
    "scipy.sparse._bsr.bsr_array",
    "scipy.sparse._coo.coo_matrix",
    "scipy.sparse._coo.coo_array",
];

/// Checks the invariants of the module doc on members that passed the structure check.
fn check_sparse(sparse: &Sparse<'_>, path: &dyn Fn() -> String) -> Result<()> {
    let member = |name: &'static str| {
        sparse.member(name).ok_or_else(|| {
            skops_format::Error::Npz(NpzError::MissingMember {
                format: sparse.format.as_str().to_owned(),
                name: name.to_owned(),
            })
        })
    };
    let data = member("data")?;
    let numeric = match &data.header.descr {
        Descr::Simple(type_str) => matches!(type_str.kind, 'b' | 'i' | 'u' | 'f' | 'c'),
        Descr::Structured(_) => false,
    };
    if !numeric {
        return Err(Error::from(SparseError::Dtype {
            path: path(),
            array: "data",
            dtype: data.header.descr.to_python_repr(),
        }));
    }
    let (rows, cols) = sparse.shape;
    if i64::try_from(rows).is_err() || i64::try_from(cols).is_err() {
        return Err(Error::from(SparseError::Shape {
            path: path(),
            rows,
            cols,
        }));
    }
    match sparse.format {
        SparseFormat::Csr => check_compressed(member("indptr")?, member("indices")?, cols, path),
        SparseFormat::Csc => check_compressed(member("indptr")?, member("indices")?, rows, path),
        SparseFormat::Bsr => {
            // The structure check made `data` (blocks, R, C) with R and C dividing `shape`.
            let block_cols = data.header.shape.get(2).copied().unwrap_or(0);
            let minor = cols.checked_div(block_cols).unwrap_or(0);
            check_compressed(member("indptr")?, member("indices")?, minor, path)
        }
        SparseFormat::Coo => {
            check_indices(member("row")?, "row", rows, path)?;
            check_indices(member("col")?, "col", cols, path)
        }
        SparseFormat::Dia => Ok(()),
    }
}

/// Checks a compressed (csr, csc, bsr) index: `indptr` runs from 0 to `len(indices)`
/// without decreasing, and every index is in `[0, minor)`.
fn check_compressed(
    indptr: &NpyView<'_>,
    indices: &NpyView<'_>,
    minor: u64,
    path: &dyn Fn() -> String,
) -> Result<()> {
    let nnz = indices.header.shape.first().copied().unwrap_or(0);
    let broken = |position: u64, reason: String| {
        Error::from(SparseError::Indptr {
            path: path(),
            position,
            reason,
        })
    };
    let mut previous: Option<i128> = None;
    let mut last: u64 = 0;
    for (position, pointer) in (0u64..).zip(int_values(indptr, "indptr", path)?) {
        let pointer = pointer.ok_or_else(|| truncated("indptr", path))?;
        match previous {
            None if pointer != 0 => {
                return Err(broken(position, format!("starts at {pointer}, not 0")));
            }
            Some(before) if pointer < before => {
                return Err(broken(
                    position,
                    format!("decreases from {before} to {pointer}"),
                ));
            }
            _ => {}
        }
        previous = Some(pointer);
        last = position;
    }
    let end = previous.unwrap_or(0);
    if end != i128::from(nnz) {
        return Err(broken(
            last,
            format!("ends at {end}, not at the {nnz} stored entries"),
        ));
    }
    check_indices(indices, "indices", minor, path)
}

/// Checks that every value of the 1-d integer array `array` is in `[0, bound)`.
fn check_indices(
    view: &NpyView<'_>,
    array: &'static str,
    bound: u64,
    path: &dyn Fn() -> String,
) -> Result<()> {
    for (position, index) in (0u64..).zip(int_values(view, array, path)?) {
        let index = index.ok_or_else(|| truncated(array, path))?;
        if index < 0 || index >= i128::from(bound) {
            return Err(Error::from(SparseError::Index {
                path: path(),
                array,
                position,
                index: i64::try_from(index).unwrap_or(i64::MAX),
                bound,
            }));
        }
    }
    Ok(())
}

/// The values of a 1-d integer array (the structure check made it one), `None` for an item
/// that cannot be read.
fn int_values<'v>(
    view: &'v NpyView<'_>,
    array: &'static str,
    path: &dyn Fn() -> String,
) -> Result<impl Iterator<Item = Option<i128>> + 'v> {
    let not_integer = || {
        Error::from(SparseError::Dtype {
            path: path(),
            array,
            dtype: view.header.descr.to_python_repr(),
        })
    };
    let Descr::Simple(type_str) = &view.header.descr else {
        return Err(not_integer());
    };
    let field = IntField::plain(type_str).map_err(|_| not_integer())?;
    let size = usize::try_from(type_str.size)
        .ok()
        .filter(|&size| size > 0)
        .ok_or_else(not_integer)?;
    Ok(view
        .data
        .chunks_exact(size)
        .map(move |item| field.read(item)))
}

fn truncated(array: &str, path: &dyn Fn() -> String) -> Error {
    Error::Format(skops_format::Error::Npz(NpzError::InvalidStructure {
        reason: format!(
            "an item of `{array}` of the sparse matrix at `{}` cannot be read",
            path()
        ),
    }))
}

/// What the `sparse` validator refuses.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(SparseErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`SparseError`], without their data.")]
pub enum SparseError {
    /// A sparse matrix's `data` is not numeric or bool, or an index array is not a plain
    /// integer array.
    #[error("the sparse matrix at `{path}` has `{array}` of dtype {dtype}, which scipy cannot use")]
    Dtype {
        /// Where the matrix is, as a Python access path from the root object.
        path: String,
        /// `data`, `indptr`, `indices`, `row` or `col`.
        array: &'static str,
        /// The dtype found.
        dtype: String,
    },
    /// A sparse matrix's `shape` does not fit scipy's `int64` indices.
    #[error("the sparse matrix at `{path}` has shape ({rows}, {cols}), beyond int64")]
    Shape {
        /// Where the matrix is.
        path: String,
        /// The rows of `shape`.
        rows: u64,
        /// The columns of `shape`.
        cols: u64,
    },
    /// A compressed matrix's `indptr` does not start at 0, decreases, or does not end at the
    /// number of stored entries.
    #[error("the sparse matrix at `{path}` has `indptr` that {reason} (at position {position})")]
    Indptr {
        /// Where the matrix is.
        path: String,
        /// The position in `indptr` where the invariant breaks.
        position: u64,
        /// How it breaks.
        reason: String,
    },
    /// An index (`indices`, `row`, `col`) is outside `[0, bound)`.
    #[error(
        "the sparse matrix at `{path}` has `{array}[{position}]` = {index}, outside [0, {bound})"
    )]
    Index {
        /// Where the matrix is.
        path: String,
        /// `indices`, `row` or `col`.
        array: &'static str,
        /// The position in the array.
        position: u64,
        /// The index found.
        index: i64,
        /// The dimension it indexes.
        bound: u64,
    },
}

skops_format::error_kinds!(SparseError / SparseErrorKind {
    Dtype => "validate-sparse-dtype",
    Shape => "validate-sparse-shape",
    Indptr => "validate-sparse-indptr",
    Index => "validate-sparse-index",
});

impl SparseError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        "a scipy sparse matrix breaks an invariant scipy's native code relies on (it would read \
         out of bounds): the file is corrupt or was crafted; do not load it"
    }
}

// The registry's entry points (see `registry`).

/// Registry: validates the matrix, and trusts it where its placement bounds its shape.
pub(super) fn check(
    context: &mut Context<'_, '_>,
    id: NodeId,
    _name: &str,
    path: PathFn<'_>,
) -> Result<()> {
    let file = context.file;
    if let Some((class, shape)) = validate_sparse(file, id, context.limits, path)?
        && placement_is_bounded(file, context.referrers(), id, shape)
    {
        context.trust(id, class, Validator::Sparse);
    }
    Ok(())
}
