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
//!   refuses object dtypes at open anyway) and not structured, and the node names
//!   `numpy.dtype`. Anything else is left to the caller's trust list.
//!
//! Why this is safe: `np.load` of an empty array with a plain descr builds only a dtype
//! object (no items, no Python objects), and `.dtype` of an ndarray is that dtype, an
//! immutable descriptor. Estimators use stored dtypes (`SimpleImputer._fit_dtype`,
//! `KBinsDiscretizer.dtype`) in `astype`/`np.empty(..., dtype=)`, which numpy implements for
//! every plain dtype without reading outside arrays it sizes itself.

use crate::file::SkopsFile;
use crate::npy::Descr;
use crate::schema::{NdArrayStorage, NodeId, NodeKind};
use crate::{Error, Result};

/// The type the dtype validator trusts.
pub const DTYPE_TYPE: &str = "numpy.dtype";

/// Validates the DTypeNode `id` of `file`; `path` gives its access path for error messages.
/// Returns whether the node may be trusted as a `numpy.dtype`.
pub(crate) fn validate_dtype(
    file: &SkopsFile<'_>,
    id: NodeId,
    path: &dyn Fn() -> String,
) -> Result<bool> {
    let schema = file.schema();
    let NodeKind::DType { content } = &schema.node(id).kind else {
        return Ok(false);
    };
    let content_node = schema.node(*content);
    let NodeKind::NdArray(storage) = &content_node.kind else {
        return Err(Error::ValidateDtypeContent {
            path: path(),
            loader: content_node.loader.name(),
        });
    };
    let NdArrayStorage::Numpy { .. } = storage else {
        return Ok(false);
    };
    let Some(header) = file.array_header(*content) else {
        return Ok(false);
    };
    let plain = match &header.descr {
        Descr::Simple(type_str) => type_str.kind != 'O',
        Descr::Structured(_) => false,
    };
    Ok(plain && header.shape == [0] && schema.node(id).type_name() == DTYPE_TYPE)
}
