//! numpy arrays as `.npy` bytes, byte for byte what `np.save(f, array, allow_pickle=False)`
//! writes: skops_format's header writer, then the array's memory copied once.
//!
//! The dtype descriptor is what `numpy.lib.format.dtype_to_descr` returns (asked once per
//! dtype object and dump, so structured dtypes, padding fields and datetime units are exactly
//! numpy's). Contiguous arrays (C or Fortran order) are later copied straight from their
//! buffer into the archive; other arrays are first made C-contiguous by numpy (`tobytes()`),
//! as `np.save` does.

use numpy::{PyArrayDescr, PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use pyo3::{Bound, intern};
use skops_format::npy::{Descr, NpyHeader, write_header};

use super::address_map::AddressMap;
use super::archive::Body;
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

    /// The `.npy` header of `array` and its data, or `None` if
    /// `np.save(..., allow_pickle=False)` would refuse the dtype. The data of a contiguous
    /// array is not copied here: it is read when the archive is written.
    pub(crate) fn encode(
        &mut self,
        array: &Bound<'py, PyUntypedArray>,
    ) -> DumpResult<Option<(Vec<u8>, Body<'py>)>> {
        let dtype = array.dtype();
        let Some(descr) = self.descr(&dtype)? else {
            return Ok(None);
        };
        let c_order = array.is_c_contiguous();
        let fortran_order = !c_order && array.is_fortran_contiguous();
        let header = NpyHeader {
            descr,
            fortran_order,
            shape: array.shape().iter().map(|&dim| dim as u64).collect(),
        };
        let header = write_header(&header)?;
        let body = if c_order || fortran_order {
            Body::Array(ContiguousArray::new(array))
        } else {
            // numpy writes other arrays in C order, as `tobytes()` gives them.
            let bytes = array.call_method0(intern!(array.py(), "tobytes"))?;
            Body::Bytes(bytes.cast_into::<PyBytes>()?)
        };
        Ok(Some((header, body)))
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

/// A C- or Fortran-contiguous array whose memory goes into a member as it is.
pub(crate) struct ContiguousArray<'py> {
    array: Bound<'py, PyUntypedArray>,
    data: *const u8,
    length: usize,
}

impl<'py> ContiguousArray<'py> {
    fn new(array: &Bound<'py, PyUntypedArray>) -> Self {
        let (data, length) = data_and_length(array);
        Self {
            array: array.clone(),
            data,
            length,
        }
    }

    /// Fails if Python code run during the dump resized or reallocated the array (its
    /// memory is read at the end of the dump, skops copies it at once).
    pub(crate) fn check_unchanged(&self) -> PyResult<()> {
        let contiguous = self.array.is_c_contiguous() || self.array.is_fortran_contiguous();
        if contiguous && data_and_length(&self.array) == (self.data, self.length) {
            return Ok(());
        }
        Err(pyo3::exceptions::PyRuntimeError::new_err(
            "a numpy array was resized while the object was being dumped",
        ))
    }

    /// The array's memory (its elements in storage order).
    pub(crate) fn bytes(&self) -> &[u8] {
        if self.length == 0 || self.data.is_null() {
            return &[];
        }
        // SAFETY: `self.array` keeps the array alive as long as `self`, and the GIL is held
        // (`Bound<'py>`). numpy guarantees that a contiguous array's data pointer addresses
        // `size * itemsize` readable bytes; `check_unchanged` verified before the archive is
        // written that pointer and size are still the array's, and no Python code runs while
        // the archive is written.
        unsafe { std::slice::from_raw_parts(self.data, self.length) }
    }
}

/// The data pointer and byte length of an array.
fn data_and_length(array: &Bound<'_, PyUntypedArray>) -> (*const u8, usize) {
    let length = array.shape().iter().product::<usize>() * array.dtype().itemsize();
    // SAFETY: `array` is a live numpy array (borrowed, GIL held); reading its `data` field
    // is what numpy's own `PyArray_DATA` does.
    let data = unsafe {
        let fields = numpy::npyffi::_PyArray_GET_ITEM_DATA(array.as_array_ptr());
        (*fields).data.cast::<u8>().cast_const()
    };
    (data, length)
}
