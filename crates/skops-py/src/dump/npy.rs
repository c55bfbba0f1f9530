//! numpy arrays as `.npy` bytes, byte for byte what `np.save(f, array, allow_pickle=False)`
//! writes: skops_format's header writer, then the array's memory copied once.
//!
//! The dtype descriptor is what `numpy.lib.format.dtype_to_descr` returns (asked once per
//! dtype object and dump, so structured dtypes, padding fields and datetime units are exactly
//! numpy's). Contiguous arrays (C or Fortran order) are copied straight from their buffer;
//! other arrays are first made C-contiguous by numpy (`tobytes()`), as `np.save` does.

use numpy::{PyArrayDescr, PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use pyo3::{Bound, intern};
use skops_format::npy::{Descr, NpyHeader, write_header};

use super::address_map::AddressMap;
use super::error::DumpResult;
use super::python::{self, Helper};

/// What `np.save(..., allow_pickle=False)` does with a dtype.
enum DtypeSupport {
    /// Saved, with this descriptor in the header.
    Saved(Descr),
    /// Refused with a `ValueError` (object fields, or a non-legacy dtype such as
    /// `StringDType` that numpy would have to pickle).
    Refused,
}

/// Encodes arrays, remembering what it learnt about each dtype object.
pub(crate) struct NpyEncoder<'py> {
    dtypes: AddressMap<DtypeSupport>,
    /// Keeps the dtypes alive so their addresses stay theirs.
    seen: Vec<Bound<'py, PyArrayDescr>>,
}

impl<'py> NpyEncoder<'py> {
    pub(crate) fn new() -> Self {
        Self {
            dtypes: AddressMap::default(),
            seen: Vec::new(),
        }
    }

    /// Appends the `.npy` bytes of `array` to `out`; `false` (nothing written) if
    /// `np.save(..., allow_pickle=False)` would refuse the dtype.
    pub(crate) fn encode(
        &mut self,
        array: &Bound<'py, PyUntypedArray>,
        out: &mut Vec<u8>,
    ) -> DumpResult<bool> {
        let dtype = array.dtype();
        let Some(descr) = self.descr(&dtype)? else {
            return Ok(false);
        };
        let c_order = array.is_c_contiguous();
        let fortran_order = !c_order && array.is_fortran_contiguous();
        let header = NpyHeader {
            descr,
            fortran_order,
            shape: array.shape().iter().map(|&dim| dim as u64).collect(),
        };
        out.extend_from_slice(&write_header(&header)?);
        if c_order || fortran_order {
            out.extend_from_slice(contiguous_bytes(array, &dtype));
        } else {
            let bytes = array.call_method0(intern!(array.py(), "tobytes"))?;
            out.extend_from_slice(bytes.cast::<PyBytes>().map_err(PyErr::from)?.as_bytes());
        }
        Ok(true)
    }

    /// The header descriptor of `dtype`, or `None` if numpy refuses to save it.
    fn descr(&mut self, dtype: &Bound<'py, PyArrayDescr>) -> DumpResult<Option<Descr>> {
        let address = dtype.as_ptr() as usize;
        if let Some(support) = self.dtypes.get(&address) {
            return Ok(match support {
                DtypeSupport::Saved(descr) => Some(descr.clone()),
                DtypeSupport::Refused => None,
            });
        }
        let support = self.learn(dtype)?;
        let descr = match &support {
            DtypeSupport::Saved(descr) => Some(descr.clone()),
            DtypeSupport::Refused => None,
        };
        self.dtypes.insert(address, support);
        self.seen.push(dtype.clone());
        Ok(descr)
    }

    fn learn(&self, dtype: &Bound<'py, PyArrayDescr>) -> DumpResult<DtypeSupport> {
        let py = dtype.py();
        // numpy's `write_array`: `dtype.hasobject or not type(dtype)._legacy` needs pickle.
        let legacy = match dtype.get_type().getattr_opt(intern!(py, "_legacy"))? {
            Some(flag) => flag.is_truthy()?,
            None => true, // numpy 1.x has legacy dtypes only
        };
        if dtype.has_object() || !legacy {
            return Ok(DtypeSupport::Refused);
        }
        let dtype_to_descr = python::get(py, Helper::NumpyDtypeToDescr)?;
        let text = dtype_to_descr.call1((dtype,))?.repr()?;
        Ok(DtypeSupport::Saved(Descr::parse(text.to_str()?)?))
    }
}

/// The memory of a C- or Fortran-contiguous array (its elements in storage order).
fn contiguous_bytes<'a>(
    array: &'a Bound<'_, PyUntypedArray>,
    dtype: &Bound<'_, PyArrayDescr>,
) -> &'a [u8] {
    let length = array.shape().iter().product::<usize>() * dtype.itemsize();
    if length == 0 {
        return &[];
    }
    // SAFETY: the array is alive for 'a (borrowed), the caller holds the GIL, and numpy
    // guarantees that a contiguous array's data pointer addresses `size * itemsize` readable
    // bytes. Nothing runs between here and the copy the caller makes, so the buffer is not
    // resized or freed meanwhile.
    unsafe {
        let fields = numpy::npyffi::_PyArray_GET_ITEM_DATA(array.as_array_ptr());
        std::slice::from_raw_parts((*fields).data.cast::<u8>().cast_const(), length)
    }
}
