//! Sparse matrices of scipy as `.npz` members (placeholder).
