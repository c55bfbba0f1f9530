//! The input batch: a dense row-major matrix of float64, a sparse CSR matrix (scipy's
//! `csr_matrix`, whose non-zeros linear models sum in stored order), or named columns of
//! numbers or strings (a DataFrame's shape, for `ColumnTransformer` and encoders of string
//! columns).

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use crate::error::{InputError, Result};

/// The most cells (rows x columns) one batch may hold: sizes computed from it cannot
/// overflow, and a front end checks it before it allocates.
pub const MAX_BATCH_CELLS: usize = 1 << 34;

/// A dense, row-major matrix of float64. Its items may be a run of rows of a buffer shared
/// with other matrices ([`Matrix::slice_rows`] of a batch's chunk copies nothing); writing
/// to a shared one copies its own rows first.
#[derive(Debug, Clone)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    /// The buffer; this matrix is its items `start..start + rows * cols`.
    buffer: Arc<Vec<f64>>,
    start: usize,
}

impl PartialEq for Matrix {
    fn eq(&self, other: &Self) -> bool {
        self.rows == other.rows && self.cols == other.cols && self.data() == other.data()
    }
}

impl Matrix {
    /// A matrix of `rows` rows and `cols` columns from its row-major items.
    pub fn new(rows: usize, cols: usize, data: Vec<f64>) -> Result<Self> {
        match rows.checked_mul(cols) {
            Some(cells) if cells == data.len() && cells <= MAX_BATCH_CELLS => {
                Ok(Self::owned(rows, cols, data))
            }
            _ => Err(InputError::Shape {
                reason: format!(
                    "{} values do not make {rows} rows of {cols} columns (at most {MAX_BATCH_CELLS} cells)",
                    data.len()
                ),
            }
            .into()),
        }
    }

    /// `data` as a matrix, its length already checked.
    fn owned(rows: usize, cols: usize, data: Vec<f64>) -> Self {
        Self {
            rows,
            cols,
            buffer: Arc::new(data),
            start: 0,
        }
    }

    /// A matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self::owned(rows, cols, vec![0.0; rows * cols])
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row `index`.
    pub fn row(&self, index: usize) -> &[f64] {
        &self.data()[index * self.cols..(index + 1) * self.cols]
    }

    /// Row `index`, mutable.
    pub fn row_mut(&mut self, index: usize) -> &mut [f64] {
        let cols = self.cols;
        &mut self.data_mut()[index * cols..(index + 1) * cols]
    }

    /// Every row, in order.
    pub fn iter_rows(&self) -> impl ExactSizeIterator<Item = &[f64]> {
        // `chunks_exact(0)` panics; a matrix without columns has empty rows.
        let data = self.data();
        let cols = self.cols;
        (0..self.rows).map(move |index| &data[index * cols..(index + 1) * cols])
    }

    /// The row-major items.
    pub fn data(&self) -> &[f64] {
        &self.buffer[self.start..self.start + self.rows * self.cols]
    }

    /// The row-major items, mutable (copied out of a shared buffer first).
    pub fn data_mut(&mut self) -> &mut [f64] {
        let cells = self.rows * self.cols;
        if self.start != 0 || self.buffer.len() != cells {
            self.buffer = Arc::new(self.data().to_vec());
            self.start = 0;
        }
        Arc::make_mut(&mut self.buffer).as_mut_slice()
    }

    /// The row-major items, owned.
    pub fn into_data(self) -> Vec<f64> {
        if self.start == 0 && self.buffer.len() == self.rows * self.cols {
            Arc::try_unwrap(self.buffer).unwrap_or_else(|shared| shared.as_ref().clone())
        } else {
            self.data().to_vec()
        }
    }

    /// Column `index`, copied.
    pub fn column(&self, index: usize) -> Vec<f64> {
        self.iter_rows().map(|row| row[index]).collect()
    }

    /// Rows `range`, sharing this matrix's buffer (nothing is copied).
    pub fn slice_rows(&self, range: Range<usize>) -> Self {
        assert!(range.start <= range.end && range.end <= self.rows);
        Self {
            rows: range.len(),
            cols: self.cols,
            buffer: Arc::clone(&self.buffer),
            start: self.start + range.start * self.cols,
        }
    }
}

/// A sparse matrix in compressed sparse row form, as scipy's `csr_matrix` holds it: row `i`'s
/// stored entries are `indices[indptr[i]..indptr[i + 1]]` (columns) and the same range of
/// `data`, in stored order (which may be unsorted and hold duplicates, as scipy allows).
#[derive(Debug, Clone, PartialEq)]
pub struct Csr {
    rows: usize,
    cols: usize,
    indptr: Vec<usize>,
    indices: Vec<usize>,
    data: Vec<f64>,
}

impl Csr {
    /// A CSR matrix of `rows` x `cols` from its three arrays, checked: `indptr` has `rows + 1`
    /// non-decreasing offsets from 0 to the number of entries, every column index is below
    /// `cols`, and `indices` and `data` have one item per entry.
    pub fn new(
        rows: usize,
        cols: usize,
        indptr: Vec<usize>,
        indices: Vec<usize>,
        data: Vec<f64>,
    ) -> Result<Self> {
        let fail = |reason: String| -> Result<Self> { Err(InputError::Shape { reason }.into()) };
        if indptr.len() != rows.saturating_add(1) {
            return fail(format!(
                "a sparse matrix of {rows} rows has {} row offsets, not {}",
                indptr.len(),
                rows.saturating_add(1)
            ));
        }
        if indices.len() != data.len() {
            return fail(format!(
                "a sparse matrix has {} column indices for {} values",
                indices.len(),
                data.len()
            ));
        }
        if indptr.first() != Some(&0)
            || indptr.last() != Some(&data.len())
            || indptr.windows(2).any(|pair| pair[0] > pair[1])
        {
            return fail(
                "the row offsets of a sparse matrix do not rise from 0 to its number of values"
                    .to_owned(),
            );
        }
        if let Some(&column) = indices.iter().find(|&&column| column >= cols) {
            return fail(format!(
                "a sparse matrix of {cols} columns has an entry in column {column}"
            ));
        }
        if data.len() > MAX_BATCH_CELLS {
            return fail(format!("more than {MAX_BATCH_CELLS} stored values"));
        }
        Ok(Self {
            rows,
            cols,
            indptr,
            indices,
            data,
        })
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The stored values (every row's, in order).
    pub fn data(&self) -> &[f64] {
        &self.data
    }

    /// Row `index`'s stored entries as (column indices, values), in stored order.
    pub fn row(&self, index: usize) -> (&[usize], &[f64]) {
        let range = self.indptr[index]..self.indptr[index + 1];
        (&self.indices[range.clone()], &self.data[range])
    }

    /// Every row's stored entries, in order.
    pub fn iter_rows(&self) -> impl ExactSizeIterator<Item = (&[usize], &[f64])> {
        (0..self.rows).map(move |index| self.row(index))
    }

    /// The dense matrix, duplicates summed in stored order (scipy's `toarray`).
    pub fn to_dense(&self) -> Result<Matrix> {
        if self
            .rows
            .checked_mul(self.cols)
            .is_none_or(|cells| cells > MAX_BATCH_CELLS)
        {
            return Err(InputError::Shape {
                reason: format!(
                    "a sparse matrix of {} x {} is too large to make dense (at most {MAX_BATCH_CELLS} cells)",
                    self.rows, self.cols
                ),
            }
            .into());
        }
        let mut dense = Matrix::zeros(self.rows, self.cols);
        for index in 0..self.rows {
            let (columns, values) = self.row(index);
            let row = dense.row_mut(index);
            for (&column, &value) in columns.iter().zip(values) {
                row[column] += value;
            }
        }
        Ok(dense)
    }

    /// Rows `range`, copied.
    pub fn slice_rows(&self, range: Range<usize>) -> Self {
        let start = self.indptr[range.start];
        let end = self.indptr[range.end];
        Self {
            rows: range.len(),
            cols: self.cols,
            indptr: self.indptr[range.start..=range.end]
                .iter()
                .map(|offset| offset - start)
                .collect(),
            indices: self.indices[start..end].to_vec(),
            data: self.data[start..end].to_vec(),
        }
    }

    /// The columns at `indices`, in that order (a column may come more than once); each
    /// row's entries sorted by their new column, stored order kept among equals.
    pub fn select(&self, indices: &[usize]) -> Self {
        let mut targets: Vec<Vec<usize>> = vec![Vec::new(); self.cols];
        for (new, &old) in indices.iter().enumerate() {
            targets[old].push(new);
        }
        let mut indptr = Vec::with_capacity(self.rows + 1);
        indptr.push(0);
        let mut entries: Vec<(usize, f64)> = Vec::new();
        let mut out_indices = Vec::new();
        let mut out_data = Vec::new();
        for (columns, values) in self.iter_rows() {
            entries.clear();
            for (&column, &value) in columns.iter().zip(values) {
                entries.extend(targets[column].iter().map(|&new| (new, value)));
            }
            entries.sort_by_key(|&(new, _)| new);
            out_indices.extend(entries.iter().map(|&(new, _)| new));
            out_data.extend(entries.iter().map(|&(_, value)| value));
            indptr.push(out_indices.len());
        }
        Self {
            rows: self.rows,
            cols: indices.len(),
            indptr,
            indices: out_indices,
            data: out_data,
        }
    }
}

/// One named column of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Numbers (ints and booleans are given as float64, as numpy converts them).
    Numbers(Vec<f64>),
    /// Strings of an object or string column; `None` is a missing value (`None` or NaN in
    /// an object column).
    Strings(Vec<Option<String>>),
}

impl Column {
    /// The number of rows.
    pub fn len(&self) -> usize {
        match self {
            Self::Numbers(values) => values.len(),
            Self::Strings(values) => values.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What the column holds, for messages.
    pub fn holds(&self) -> &'static str {
        match self {
            Self::Numbers(_) => "numbers",
            Self::Strings(_) => "strings",
        }
    }

    fn slice(&self, range: Range<usize>) -> Self {
        match self {
            Self::Numbers(values) => Self::Numbers(values[range].to_vec()),
            Self::Strings(values) => Self::Strings(values[range].to_vec()),
        }
    }
}

/// Columns of equal length, with names or without (a DataFrame, a CSV file).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    names: Option<Vec<String>>,
    columns: Vec<Column>,
    rows: usize,
}

impl Table {
    /// A table of `columns`, named by `names` when given (one name per column).
    pub fn new(names: Option<Vec<String>>, columns: Vec<Column>) -> Result<Self> {
        let rows = columns.first().map_or(0, Column::len);
        if let Some(column) = columns.iter().position(|column| column.len() != rows) {
            return Err(InputError::Shape {
                reason: format!(
                    "column {column} has {} rows, column 0 has {rows}",
                    columns[column].len()
                ),
            }
            .into());
        }
        if let Some(names) = &names {
            if names.len() != columns.len() {
                return Err(InputError::Shape {
                    reason: format!("{} names for {} columns", names.len(), columns.len()),
                }
                .into());
            }
        }
        if rows.saturating_mul(columns.len()) > MAX_BATCH_CELLS {
            return Err(InputError::Shape {
                reason: format!("more than {MAX_BATCH_CELLS} cells"),
            }
            .into());
        }
        Ok(Self {
            names,
            columns,
            rows,
        })
    }

    /// The column names, when the table has them.
    pub fn names(&self) -> Option<&[String]> {
        self.names.as_deref()
    }

    /// The columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }
}

/// An input batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// A dense float64 matrix (a numpy array).
    Matrix(Matrix),
    /// Columns, maybe named, maybe of strings.
    Table(Table),
    /// A sparse CSR matrix of float64 (scipy's `csr_matrix`).
    Sparse(Csr),
}

impl Data {
    /// The number of rows.
    pub fn rows(&self) -> usize {
        match self {
            Self::Matrix(matrix) => matrix.rows(),
            Self::Table(table) => table.rows(),
            Self::Sparse(csr) => csr.rows(),
        }
    }

    /// The number of columns.
    pub fn cols(&self) -> usize {
        match self {
            Self::Matrix(matrix) => matrix.cols(),
            Self::Table(table) => table.columns.len(),
            Self::Sparse(csr) => csr.cols(),
        }
    }

    /// The column names, when the batch has them.
    pub fn names(&self) -> Option<&[String]> {
        match self {
            Self::Matrix(_) | Self::Sparse(_) => None,
            Self::Table(table) => table.names(),
        }
    }

    /// The batch as a float64 matrix (a sparse one made dense); `estimator` names who needs
    /// numbers in the error when a column holds strings.
    pub fn to_matrix(&self, estimator: &dyn Fn() -> String) -> Result<Cow<'_, Matrix>> {
        let table = match self {
            Self::Matrix(matrix) => return Ok(Cow::Borrowed(matrix)),
            Self::Sparse(csr) => return Ok(Cow::Owned(csr.to_dense()?)),
            Self::Table(table) => table,
        };
        let cols = table.columns.len();
        let mut data = vec![0.0; table.rows * cols];
        for (index, column) in table.columns.iter().enumerate() {
            let Column::Numbers(values) = column else {
                return Err(InputError::Type {
                    column: self.column_label(index),
                    estimator: estimator(),
                    expected: "numbers".to_owned(),
                    got: column.holds().to_owned(),
                }
                .into());
            };
            for (row, &value) in values.iter().enumerate() {
                data[row * cols + index] = value;
            }
        }
        Ok(Cow::Owned(Matrix::new(table.rows, cols, data)?))
    }

    /// Column `index` as a table column (copied from a matrix).
    pub fn column(&self, index: usize) -> Cow<'_, Column> {
        match self {
            Self::Matrix(matrix) => Cow::Owned(Column::Numbers(matrix.column(index))),
            Self::Table(table) => Cow::Borrowed(&table.columns[index]),
            Self::Sparse(csr) => {
                let mut values = vec![0.0; csr.rows()];
                for (row, (columns, items)) in csr.iter_rows().enumerate() {
                    for (&column, &value) in columns.iter().zip(items) {
                        if column == index {
                            values[row] += value;
                        }
                    }
                }
                Cow::Owned(Column::Numbers(values))
            }
        }
    }

    /// How messages name column `index`: its name in backticks, else its index.
    pub fn column_label(&self, index: usize) -> String {
        match self.names().and_then(|names| names.get(index)) {
            Some(name) => format!("`{name}`"),
            None => index.to_string(),
        }
    }

    /// Rows `range`, copied.
    pub fn slice_rows(&self, range: Range<usize>) -> Self {
        match self {
            Self::Matrix(matrix) => Self::Matrix(matrix.slice_rows(range)),
            Self::Sparse(csr) => Self::Sparse(csr.slice_rows(range)),
            Self::Table(table) => Self::Table(Table {
                names: table.names.clone(),
                columns: table
                    .columns
                    .iter()
                    .map(|column| column.slice(range.clone()))
                    .collect(),
                rows: range.len(),
            }),
        }
    }

    /// The columns at `indices`, in that order, with their names.
    pub fn select(&self, indices: &[usize]) -> Self {
        match self {
            Self::Matrix(matrix) => {
                let mut data = Vec::with_capacity(matrix.rows() * indices.len());
                for row in matrix.iter_rows() {
                    data.extend(indices.iter().map(|&index| row[index]));
                }
                Self::Matrix(Matrix::owned(matrix.rows(), indices.len(), data))
            }
            Self::Table(table) => Self::Table(Table {
                names: table
                    .names
                    .as_ref()
                    .map(|names| indices.iter().map(|&index| names[index].clone()).collect()),
                columns: indices
                    .iter()
                    .map(|&index| table.columns[index].clone())
                    .collect(),
                rows: table.rows,
            }),
            Self::Sparse(csr) => Self::Sparse(csr.select(indices)),
        }
    }
}

impl From<Matrix> for Data {
    fn from(matrix: Matrix) -> Self {
        Self::Matrix(matrix)
    }
}

impl From<Csr> for Data {
    fn from(csr: Csr) -> Self {
        Self::Sparse(csr)
    }
}

impl From<Table> for Data {
    fn from(table: Table) -> Self {
        Self::Table(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Csr {
        // [[1, 0, 2], [0, 0, 0], [0, 3, 0]] with row 0 stored unsorted and a duplicate.
        Csr::new(
            3,
            3,
            vec![0, 3, 3, 4],
            vec![2, 0, 2, 1],
            vec![1.5, 1.0, 0.5, 3.0],
        )
        .unwrap()
    }

    #[test]
    fn csr_densifies_summing_duplicates_and_slices_and_selects() {
        let csr = example();
        let dense = csr.to_dense().unwrap();
        assert_eq!(dense.data(), &[1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0]);
        let tail = csr.slice_rows(1..3);
        assert_eq!(
            tail.to_dense().unwrap().data(),
            &[0.0, 0.0, 0.0, 0.0, 3.0, 0.0]
        );
        let picked = csr.select(&[1, 2, 2]);
        assert_eq!(
            picked.to_dense().unwrap().data(),
            &[0.0, 2.0, 2.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0]
        );
        let data = Data::Sparse(csr);
        assert_eq!(
            data.column(2).into_owned(),
            Column::Numbers(vec![2.0, 0.0, 0.0])
        );
    }

    #[test]
    fn csr_refuses_inconsistent_arrays() {
        assert!(Csr::new(2, 3, vec![0, 1], vec![0], vec![1.0]).is_err());
        assert!(Csr::new(1, 3, vec![0, 1], vec![3], vec![1.0]).is_err());
        assert!(Csr::new(2, 3, vec![0, 2, 1], vec![0, 1], vec![1.0, 2.0]).is_err());
        assert!(Csr::new(1, 3, vec![0, 2], vec![0], vec![1.0]).is_err());
    }
}
