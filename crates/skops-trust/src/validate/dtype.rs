//! The validator of `numpy.dtype` (`DTypeNode`): trusted when the dtype is a plain one.
//!
//! skops stores a dtype as an empty array of that dtype (`np.ndarray(0, dtype=obj)`) and its
//! loader returns `content.construct().dtype`. skops 0.16 trusts no DTypeNode by default: the
//! node hands back whatever its content's `.dtype` is, so a crafted content (another node
//! whose constructed object has a `dtype` attribute) could pass off any object as a dtype.
//!
//! Checked from the schema and the `.npy` header, before anything is built:
//! - the content is an NdArrayNode (refused otherwise: skops always writes one, even for
//!   object dtypes, so anything else is crafted);
//! - trusted only when that array is a `.npy` member (not a `"json"` object array) of shape
//!   `(0,)` whose descr is a plain dtype: one type string, not object (the `.npy` reader
//!   refuses object dtypes at open anyway) and not structured, of at most
//!   [`skops_format::limits::MAX_DTYPE_ITEMSIZE`] bytes per item, and the node names `numpy.dtype`.
//!   Anything else is left to the caller's trust list. The size bound matters because
//!   estimators apply a stored dtype to the caller's data (`KBinsDiscretizer.dtype` goes to
//!   `check_array`, `OrdinalEncoder.dtype` to `astype`): a `<U16777216` (64 MiB an item, a
//!   few bytes in the file) makes `transform` of a 10 x 3 `X` take gigabytes.
//!
//! Why this is safe: `np.load` of an empty array with a plain descr builds only a dtype
//! object (no items, no Python objects), and `.dtype` of an ndarray is that dtype, an
//! immutable descriptor. Estimators use stored dtypes (`SimpleImputer._fit_dtype`,
//! `KBinsDiscretizer.dtype`) in `astype`/`np.empty(..., dtype=)`, which numpy implements for
//! every plain dtype without reading outside arrays it sizes itself.

use super::context::Context;
use super::registry::{PathFn, Validator};

use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::limits::Limits;
use skops_format::npy::Descr;
use skops_format::schema::{NdArrayStorage, NodeId, NodeKind};

/// The type the dtype validator trusts.
pub const DTYPE_TYPE: &str = "numpy.dtype";

/// Validates the DTypeNode `id` of `file`; `path` gives its access path for error messages.
/// Returns whether the node may be trusted as a `numpy.dtype`.
pub(crate) fn validate_dtype(
    file: &SkopsFile<'_>,
    id: NodeId,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<bool> {
    let schema = file.schema();
    let NodeKind::DType { content } = &schema.node(id).kind else {
        return Ok(false);
    };
    let content_node = schema.node(*content);
    let NodeKind::NdArray(storage) = &content_node.kind else {
        return Err(Error::from(DtypeError::Content {
            path: path(),
            loader: content_node.loader.name(),
        }));
    };
    let NdArrayStorage::Numpy { .. } = storage else {
        return Ok(false);
    };
    let Some(header) = file.array_header(*content) else {
        return Ok(false);
    };
    // A plain dtype of at most `max_dtype_itemsize` bytes: estimators apply a stored dtype to
    // the caller's data (`astype`), so a huge item would multiply what `transform` allocates.
    let plain = match &header.descr {
        Descr::Simple(type_str) => {
            type_str.kind != 'O'
                && type_str
                    .itemsize()
                    .is_some_and(|size| size <= limits.max_dtype_itemsize)
        }
        Descr::Structured(_) => false,
    };
    Ok(plain && header.shape == [0] && schema.node(id).type_name() == DTYPE_TYPE)
}

/// What the `dtype` validator refuses.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(DtypeErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`DtypeError`], without their data.")]
pub enum DtypeError {
    /// The content of a `numpy.dtype` node is not an NdArrayNode (skops always writes the
    /// dtype as an empty array; its loader returns whatever `.dtype` the content has).
    #[error("the dtype at `{path}` is carried by a `{loader}`, not an NdArrayNode")]
    Content {
        /// Where the dtype is, as a Python access path from the root object.
        path: String,
        /// The loader of the content node.
        loader: &'static str,
    },
}

skops_format::error_kinds!(DtypeError / DtypeErrorKind {
    Content => "validate-dtype-content",
});

impl DtypeError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        "skops writes a `numpy.dtype` as an empty array; this one is carried by another \
         node, which could pass off any object as a dtype: the file was crafted"
    }
}

// The registry's entry points (see `registry`).

/// Registry: validates the dtype, and trusts it when plain.
pub(super) fn check(
    context: &mut Context<'_, '_>,
    id: NodeId,
    _name: &str,
    path: PathFn<'_>,
) -> Result<()> {
    if validate_dtype(context.file, id, context.limits, path)? {
        context.trust(id, DTYPE_TYPE, Validator::DType);
    }
    Ok(())
}
