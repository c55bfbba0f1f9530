//! Plain 8-byte arrays as Cython's typed memoryviews take them: the dtype, byte order and
//! memory order checked first, then the values decoded one at a time from the `.npy` data in
//! place.
//!
//! Cython refuses a big-endian or Fortran-ordered array for a `const float64_t[:, ::1]`
//! attribute (with a `ValueError`, which is safe), but scikit-learn never writes one, and the
//! validators read the values in little-endian order; so anything else is refused here.

use super::state::numpy_member;
use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::limits::Limits;
use skops_format::npy::{ByteOrder, Descr};
use skops_format::schema::NodeId;

/// The element type of a plain array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Element {
    /// `<f8`, Cython's `float64_t`.
    Float64,
    /// `<i8`, Cython's `intp_t` on 64-bit platforms.
    Int64,
}

impl Element {
    fn kind(self) -> char {
        match self {
            Element::Float64 => 'f',
            Element::Int64 => 'i',
        }
    }

    fn name(self) -> &'static str {
        match self {
            Element::Float64 => "float64",
            Element::Int64 => "int64",
        }
    }
}

/// A plain array whose dtype and memory order were checked: its shape and its data.
pub(super) struct Plain<'v> {
    /// The shape the header declares.
    pub(super) shape: &'v [u64],
    data: &'v [u8],
}

impl Plain<'_> {
    /// The elements as floats (meaningful for [`Element::Float64`] arrays).
    pub(super) fn floats(&self) -> impl Iterator<Item = f64> + '_ {
        self.data
            .chunks_exact(8)
            .map(|chunk| chunk.try_into().map(f64::from_le_bytes).unwrap_or(f64::NAN))
    }

    /// The elements as integers (meaningful for [`Element::Int64`] arrays).
    pub(super) fn ints(&self) -> impl Iterator<Item = i64> + '_ {
        self.data
            .chunks_exact(8)
            .map(|chunk| chunk.try_into().map(i64::from_le_bytes).unwrap_or(-1))
    }
}

/// Whether a type string's byte order is little-endian on this machine.
pub(super) fn little_endian(order: ByteOrder) -> bool {
    match order {
        ByteOrder::Little => true,
        ByteOrder::Native => cfg!(target_endian = "little"),
        ByteOrder::Big | ByteOrder::NotApplicable => false,
    }
}

/// Reads the array of NdArrayNode `id`, checks that it is a C-ordered little-endian array of
/// `element`, and hands it to `check`. A node that is not a `.npy` array, or an array of another
/// dtype or order, fails with `problem(reason)`; an unreadable `.npy` with its own error.
pub(super) fn with_plain<T>(
    file: &SkopsFile<'_>,
    id: NodeId,
    limits: &Limits,
    element: Element,
    problem: &dyn Fn(String) -> Error,
    check: impl FnOnce(Plain<'_>) -> Result<T>,
) -> Result<T> {
    let bytes = numpy_member(file, id)
        .map_err(|reason| problem(format!("that is not a `.npy` array ({reason})")))?;
    let view = bytes.view(limits)?;
    match &view.header.descr {
        Descr::Simple(type_str)
            if type_str.kind == element.kind()
                && type_str.size == 8
                && little_endian(type_str.byte_order) => {}
        other => {
            return Err(problem(format!(
                "of dtype {}, not little-endian {}",
                other.to_python_repr(),
                element.name()
            )));
        }
    }
    if view.header.fortran_order && view.header.shape.len() >= 2 {
        return Err(problem("in Fortran order, not C order".to_owned()));
    }
    check(Plain {
        shape: &view.header.shape,
        data: view.data,
    })
}
