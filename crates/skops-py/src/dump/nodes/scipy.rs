//! scipy sparse matrices and arrays (skops' `_scipy.py`): a SparseMatrixNode whose `<id>.npz`
//! member is what `scipy.sparse.save_npz` writes (a deflated zip of `.npy` members).

use numpy::PyUntypedArray;
use pyo3::exceptions::PyNotImplementedError;
use pyo3::prelude::*;
use pyo3::types::PyString;
use pyo3::{Bound, intern};

use crate::dump::archive::{Body, npz_writer};
use crate::dump::context::Dumper;
use crate::dump::error::{DumpError, DumpResult};
use crate::dump::python::{self, Helper};

impl<'py> Dumper<'py> {
    /// `sparse_matrix_get_state`: `type: "scipy"`, `file: "<id>.npz"` (written once per
    /// matrix).
    pub(super) fn sparse_node(
        &mut self,
        obj: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
    ) -> DumpResult<()> {
        if !self.archive.has_id(id) {
            let npz = self.save_npz(obj)?;
            self.archive
                .add_for_id(id, "npz", Vec::new(), Body::Owned(npz));
        }
        self.begin_node_of(type_index, "SparseMatrixNode")?;
        self.text.key("type");
        self.text.raw("\"scipy\"");
        self.text.key("file");
        self.text.string(&format!("{id}.npz"));
        self.end_node(id);
        Ok(())
    }

    /// The bytes `scipy.sparse.save_npz(file, matrix)` writes (scipy 1.17): the format's
    /// index arrays, `format`, `shape`, `data`, and `_is_array` for sparse arrays, each saved
    /// as `np.savez_compressed` saves `np.asanyarray(value)`.
    fn save_npz(&mut self, matrix: &Bound<'py, PyAny>) -> DumpResult<Vec<u8>> {
        let py = self.py;
        let format_name = matrix.getattr(intern!(py, "format"))?;
        let format = format_name
            .cast::<PyString>()
            .map_err(PyErr::from)?
            .to_str()?
            .to_owned();
        let index_names: &[&'static str] = match format.as_str() {
            "csc" | "csr" | "bsr" => &["indices", "indptr"],
            "dia" => &["offsets"],
            "coo" if matrix.getattr(intern!(py, "ndim"))?.extract::<i64>()? == 2 => &["row", "col"],
            "coo" => &["coords"],
            _ => {
                return Err(DumpError::Python(PyNotImplementedError::new_err(format!(
                    "Save is not implemented for sparse matrix of format {format}."
                ))));
            }
        };
        let mut members: Vec<(&'static str, Bound<'py, PyAny>)> = Vec::with_capacity(6);
        for &name in index_names {
            members.push((name, matrix.getattr(name)?));
        }
        let encoded_format = format_name.call_method1(intern!(py, "encode"), ("ascii",))?;
        members.push(("format", encoded_format));
        members.push(("shape", matrix.getattr(intern!(py, "shape"))?));
        members.push(("data", matrix.getattr(intern!(py, "data"))?));
        let sparray = python::get(self.py, Helper::ScipySparray)?.clone();
        if matrix.is_instance(&sparray)? {
            members.push((
                "_is_array",
                pyo3::types::PyBool::new(py, true).to_owned().into_any(),
            ));
        }

        let as_array = python::get(self.py, Helper::NumpyAsAnyArray)?.clone();
        let mut inner = npz_writer();
        let mut bytes = Vec::new();
        for (name, value) in members {
            let array = as_array
                .call1((value,))?
                .cast_into::<PyUntypedArray>()
                .map_err(PyErr::from)?;
            let Some((header, body)) = self.npy.encode(&array)? else {
                // np.savez refuses object arrays the same way.
                return Err(DumpError::Python(pyo3::exceptions::PyValueError::new_err(
                    "Object arrays cannot be saved when allow_pickle=False",
                )));
            };
            bytes.clear();
            bytes.extend_from_slice(&header);
            bytes.extend_from_slice(body.as_slice());
            inner.add(&format!("{name}.npy"), &bytes)?;
        }
        Ok(inner.finish()?)
    }
}
