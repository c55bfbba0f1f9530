//! `.npy` and sparse `.npz` members -> numpy arrays and scipy sparse matrices, as
//! `np.load(buffer, allow_pickle=False)` and `scipy.sparse.load_npz` make them.
//!
//! numpy reads an in-memory `.npy` into a fresh 1-D `np.ndarray(count, dtype)` and reshapes it
//! (`reshape(shape)`, or `reshape(shape[::-1]).transpose()` in Fortran order); we do the same,
//! so the arrays have the same flags and base as skops' (writeable, a view of an owned 1-D
//! array), and copy the data in once, from the archive's bytes straight into the array. The
//! dtype comes from numpy's own `descr_to_dtype`, so structured dtypes with padding fields
//! come out as numpy makes them; one dtype object serves every array of the same descriptor
//! in a load (numpy makes one per array; dtypes are immutable in practice, and making a
//! structured one costs more than copying a small array). The headers were checked when the
//! file was opened.
//!
//! [`Numpy::view_array`] makes a read-only view of the file's own bytes instead, for arrays
//! nobody but a copying constructor ever sees, and for every aligned array of a memory-mapped
//! load (see `build.rs`).

use std::borrow::Cow;
use std::collections::HashMap;

use numpy::{PyArray1, PyArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use skops_format::container::Archive;
use skops_format::npy::{Descr, NpyHeader};
use skops_format::npz::{Sparse, SparseFormat};
use skops_format::{Error, Limits};

use crate::errors::format_error;
use skops_format::error::NpzError;

/// numpy objects the array builder uses, looked up on first use.
pub(super) struct Numpy<'py> {
    py: Python<'py>,
    /// The dtype of each descriptor met so far.
    dtypes: HashMap<Descr, Bound<'py, PyAny>>,
}

/// The numpy functions and types the array builder calls, looked up once per process:
/// importing `numpy` and `numpy.lib.format` by name takes microseconds each, a fixed cost of
/// every load.
struct Handles {
    numpy: Py<PyAny>,
    ndarray: Py<PyAny>,
    uint8: Py<PyAny>,
    frombuffer: Py<PyAny>,
    descr_to_dtype: Py<PyAny>,
}

static HANDLES: PyOnceLock<Handles> = PyOnceLock::new();

impl Handles {
    fn new(py: Python<'_>) -> PyResult<Self> {
        let numpy = py.import("numpy")?.into_any();
        let format = py.import("numpy.lib.format")?;
        Ok(Self {
            ndarray: numpy.getattr("ndarray")?.unbind(),
            uint8: numpy.getattr("uint8")?.unbind(),
            frombuffer: numpy.getattr("frombuffer")?.unbind(),
            descr_to_dtype: format.getattr("descr_to_dtype")?.unbind(),
            numpy: numpy.unbind(),
        })
    }
}

impl<'py> Numpy<'py> {
    pub(super) fn new(py: Python<'py>) -> Self {
        Self {
            py,
            dtypes: HashMap::new(),
        }
    }

    fn handles(&self) -> PyResult<&'static Handles> {
        HANDLES.get_or_try_init(self.py, || Handles::new(self.py))
    }

    /// The `numpy` module.
    pub(super) fn module(&mut self) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.handles()?.numpy.bind(self.py).clone())
    }

    /// `numpy.lib.format.descr_to_dtype(descr)`.
    fn dtype(&mut self, descr: &Descr) -> PyResult<Bound<'py, PyAny>> {
        if let Some(dtype) = self.dtypes.get(descr) {
            return Ok(dtype.clone());
        }
        let literal = descr_literal(self.py, descr)?;
        let dtype = self.handles()?.descr_to_dtype.call1(self.py, (literal,))?;
        let dtype = dtype.into_bound(self.py);
        self.dtypes.insert(descr.clone(), dtype.clone());
        Ok(dtype)
    }

    /// The array of a `.npy` member, given its (checked) header and the member's bytes.
    pub(super) fn array(
        &mut self,
        header: &NpyHeader,
        member: &[u8],
    ) -> PyResult<Bound<'py, PyAny>> {
        let data = data_of(header, member)?;
        let count = header.element_count().ok_or_else(corrupt)?;
        let dtype = self.dtype(&header.descr)?;
        let handles = self.handles()?;
        let flat = handles.ndarray.bind(self.py).call1((count, dtype))?;
        if !data.is_empty() {
            let bytes = flat
                .call_method1("view", (handles.uint8.bind(self.py),))?
                .cast_into::<PyArray1<u8>>()?;
            let mut writer = bytes.try_readwrite().map_err(|_| corrupt())?;
            let target = writer.as_slice_mut().map_err(|_| corrupt())?;
            if target.len() != data.len() {
                return Err(corrupt());
            }
            target.copy_from_slice(data);
        }
        self.shaped(header, flat)
    }

    /// Where the data of a `.npy` member lies in `whole` (the bytes of the whole `.skops`
    /// file): its offset, or `None` when the member is not inside `whole` (it was
    /// decompressed) or holds no data.
    pub(super) fn data_offset(
        &self,
        header: &NpyHeader,
        member: &[u8],
        whole: &[u8],
    ) -> PyResult<Option<usize>> {
        let data = data_of(header, member)?;
        let offset = (data.as_ptr() as usize).checked_sub(whole.as_ptr() as usize);
        let inside = offset.filter(|&offset| {
            offset
                .checked_add(data.len())
                .is_some_and(|end| end <= whole.len())
        });
        Ok(inside.filter(|_| !data.is_empty()))
    }

    /// The array of a `.npy` member whose data starts at `offset` in `file` (the whole
    /// `.skops` file as a Python object exporting its bytes, see [`Numpy::data_offset`]), as
    /// a read-only view of those bytes: no copy.
    pub(super) fn view_array(
        &mut self,
        header: &NpyHeader,
        file: &Bound<'py, PyAny>,
        offset: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let count = header.element_count().ok_or_else(corrupt)?;
        let dtype = self.dtype(&header.descr)?;
        let kwargs = PyDict::new(self.py);
        kwargs.set_item("dtype", dtype)?;
        kwargs.set_item("count", count)?;
        kwargs.set_item("offset", offset)?;
        let flat = self
            .handles()?
            .frombuffer
            .bind(self.py)
            .call((file,), Some(&kwargs))?;
        self.shaped(header, flat)
    }

    /// `flat` in the header's shape and order, as `np.load` shapes it.
    fn shaped(&self, header: &NpyHeader, flat: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        if header.fortran_order {
            let reversed = PyTuple::new(self.py, header.shape.iter().rev())?;
            flat.call_method1("reshape", (reversed,))?
                .call_method0("transpose")
        } else {
            let shape = PyTuple::new(self.py, &header.shape)?;
            flat.call_method1("reshape", (shape,))
        }
    }

    /// `scipy.sparse.load_npz(member)`: the arrays of the inner `.npz`, given to the scipy
    /// class its `format` and `_is_array` members name.
    pub(super) fn sparse(
        &mut self,
        sparse_module: &Bound<'py, PyAny>,
        member: &[u8],
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        let limits = Limits::default();
        let fail = |error: Error| format_error(py, &error);
        let inner = Archive::parse(member, &limits).map_err(fail)?;
        let mut members: Vec<(&str, Cow<'_, [u8]>)> = Vec::with_capacity(inner.entries().len());
        for entry in inner.entries() {
            let bytes = match inner.stored_data(entry) {
                Some(bytes) => Cow::Borrowed(bytes),
                None => Cow::Owned(inner.read_entry(entry).map_err(fail)?),
            };
            members.push((entry.name.as_str(), bytes));
        }
        let borrowed = members
            .iter()
            .map(|(name, bytes)| (*name, bytes.as_ref()))
            .collect();
        let sparse = Sparse::from_members(borrowed, &limits).map_err(fail)?;

        let suffix = if sparse.is_array { "_array" } else { "_matrix" };
        let class = sparse_module.getattr(format!("{}{suffix}", sparse.format.as_str()))?;
        let mut load = |name: &str| -> PyResult<Bound<'py, PyAny>> {
            let view = sparse.member(name).ok_or_else(|| {
                fail(Error::Npz(NpzError::MissingMember {
                    format: sparse.format.as_str().to_owned(),
                    name: name.to_owned(),
                }))
            })?;
            self.array(&view.header, view.data)
        };
        let kwargs = PyDict::new(py);
        let arguments = match sparse.format {
            SparseFormat::Csr | SparseFormat::Csc | SparseFormat::Bsr => {
                let data = load("data")?;
                let indices = load("indices")?;
                let indptr = load("indptr")?;
                PyTuple::new(py, [data, indices, indptr])?
            }
            SparseFormat::Dia => {
                let data = load("data")?;
                let offsets = load("offsets")?;
                PyTuple::new(py, [data, offsets])?
            }
            SparseFormat::Coo => {
                let data = load("data")?;
                let row = load("row")?;
                let col = load("col")?;
                let coordinates = PyTuple::new(py, [row, col])?.into_any();
                PyTuple::new(py, [data, coordinates])?
            }
        };
        kwargs.set_item("shape", load("shape")?)?;
        class.call((arguments,), Some(&kwargs))
    }
}

fn corrupt() -> PyErr {
    PyValueError::new_err("`.npy` data does not match its header (checked at open)")
}

/// The data part of a `.npy` member: its last `header.data_len()` bytes.
fn data_of<'m>(header: &NpyHeader, member: &'m [u8]) -> PyResult<&'m [u8]> {
    let data_len = header
        .data_len()
        .and_then(|len| usize::try_from(len).ok())
        .ok_or_else(corrupt)?;
    member
        .len()
        .checked_sub(data_len)
        .and_then(|start| member.get(start..))
        .ok_or_else(corrupt)
}

/// The Python literal of a descriptor, as `np.load` hands it to `descr_to_dtype`: a type
/// string, or a list of `(name, descr[, shape])` tuples (`name` may be `(title, name)`).
fn descr_literal<'py>(py: Python<'py>, descr: &Descr) -> PyResult<Bound<'py, PyAny>> {
    match descr {
        Descr::Simple(type_str) => Ok(PyString::new(py, &type_str.to_type_string()).into_any()),
        Descr::Structured(fields) => {
            let list = PyList::empty(py);
            for field in fields {
                let name = match &field.title {
                    Some(title) => {
                        PyTuple::new(py, [title.as_str(), field.name.as_str()])?.into_any()
                    }
                    None => PyString::new(py, &field.name).into_any(),
                };
                let sub = descr_literal(py, &field.descr)?;
                let item = if field.shape.is_empty() {
                    PyTuple::new(py, [name, sub])?
                } else {
                    let shape = PyTuple::new(py, &field.shape)?.into_any();
                    PyTuple::new(py, [name, sub, shape])?
                };
                list.append(item)?;
            }
            Ok(list.into_any())
        }
    }
}
