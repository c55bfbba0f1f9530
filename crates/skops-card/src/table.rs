//! Markdown tables drawn exactly as skops 0.16 draws them (PrettyTable, `TableStyle.MARKDOWN`).
//!
//! Every column is centred; the header separator marks that with colons
//! (`| :----: | :---: |`). A column is as wide as its widest cell by display width, and at least
//! three wide as soon as the table has a row (markdown needs a hyphen between the colons). Cells
//! are the values' `str()` with newlines replaced by `<br />` and tabs expanded.

use crate::width::{center, display_width, expand_tabs};
use crate::{Error, Result};

/// A table: column headers and rows of cell text, in PrettyTable's row layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    headers: Vec<String>,
    /// Rows as PrettyTable builds them column by column. A column added while the table still
    /// had no rows starts new rows, so rows may be shorter than the header (a PrettyTable
    /// quirk reproduced as is).
    rows: Vec<Vec<String>>,
    /// Rows as the caller sees them: the length of the first column (skops' `repr`).
    declared_rows: usize,
}

impl Table {
    /// Builds a table from `(header, cells)` columns, in order, like skops'
    /// `TableSection.format` does (`str(value).replace("\n", "<br />")` per cell).
    ///
    /// Errors: no columns ([`Error::EmptyTable`]), or a column whose length differs from the
    /// rows so far ([`Error::ColumnLength`], PrettyTable's `add_column` check).
    pub fn from_columns<H, C, S>(columns: impl IntoIterator<Item = (H, C)>) -> Result<Self>
    where
        H: Into<String>,
        C: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut headers = Vec::new();
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut declared_rows = None;
        for (header, cells) in columns {
            let cells: Vec<String> = cells
                .into_iter()
                .map(|cell| cell.as_ref().replace('\n', "<br />"))
                .collect();
            declared_rows.get_or_insert(cells.len());
            if !rows.is_empty() && rows.len() != cells.len() {
                return Err(Error::ColumnLength {
                    column_len: cells.len(),
                    rows: rows.len(),
                });
            }
            for (index, cell) in cells.into_iter().enumerate() {
                if rows.len() < index + 1 {
                    rows.push(Vec::new());
                }
                if let Some(row) = rows.get_mut(index) {
                    row.push(cell);
                }
            }
            headers.push(header.into());
        }
        let Some(declared_rows) = declared_rows else {
            return Err(Error::EmptyTable);
        };
        Ok(Table {
            headers,
            rows,
            declared_rows,
        })
    }

    /// Column headers.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Number of rows as skops reports it (`TableSection(<rows>x<columns>)`).
    pub fn n_rows(&self) -> usize {
        self.declared_rows
    }

    /// Number of columns.
    pub fn n_columns(&self) -> usize {
        self.headers.len()
    }

    /// The cells of column `index`, top to bottom (as stored, `<br />` included).
    pub fn column(&self, index: usize) -> Vec<&str> {
        self.rows
            .iter()
            .filter_map(|row| row.get(index).map(String::as_str))
            .collect()
    }

    /// The table as markdown, without a trailing newline (`PrettyTable.get_string()`).
    pub fn to_markdown(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| row.iter().map(|cell| expand_tabs(cell)).collect())
            .collect();
        let widths = self.column_widths(&rows);
        let headers: Vec<String> = self
            .headers
            .iter()
            .zip(&widths)
            .map(|(header, &width)| fit_header(header, width))
            .collect();
        let mut lines = Vec::with_capacity(rows.len() + 2);
        lines.push(render_row(&headers, &widths));
        lines.push(separator(&widths));
        for row in &rows {
            lines.push(render_row(row, &widths));
        }
        lines.join("\n")
    }

    /// PrettyTable's `_compute_widths`: header widths, widened by the cells, at least three
    /// wide for a column that has a cell (the minimum is applied inside the row loop).
    fn column_widths(&self, rows: &[Vec<String>]) -> Vec<usize> {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| block_width(h)).collect();
        for row in rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(block_width(cell)).max(3);
            }
        }
        widths
    }
}

/// PrettyTable's `_stringify_header`: a header whose width as one line (its line breaks count
/// nothing, its lines add up) exceeds the column is cut to that many characters.
fn fit_header(header: &str, width: usize) -> String {
    if display_width(header) > width {
        header.chars().take(width).collect()
    } else {
        header.to_owned()
    }
}

/// Widest line of a possibly multi-line text (`prettytable._get_size(text)[0]`).
fn block_width(text: &str) -> usize {
    text.split('\n').map(display_width).max().unwrap_or(0)
}

/// `| cell | cell |`, cells centred; a short row draws only the cells it has.
fn render_row(cells: &[String], widths: &[usize]) -> String {
    let mut line = String::from("|");
    for (cell, width) in cells.iter().zip(widths) {
        line.push(' ');
        line.push_str(&center(cell, *width));
        line.push_str(" |");
    }
    line
}

/// `| :---: |`: PrettyTable draws `width + 2` hyphens, then overwrites the first two with
/// ` :` and the last two with `: ` (so a column of width 0 or 1 loses its hyphens).
fn separator(widths: &[usize]) -> String {
    let mut line = String::from("|");
    for width in widths {
        let rule = "-".repeat(width + 2);
        let rule = format!(" :{}", rule.get(2..).unwrap_or_default());
        let kept = rule.get(..rule.len().saturating_sub(2)).unwrap_or_default();
        line.push_str(kept);
        line.push_str(": |");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(columns: &[(&str, &[&str])]) -> Table {
        Table::from_columns(columns.iter().map(|(h, c)| (*h, c.iter().copied()))).unwrap()
    }

    /// A multi-line header is as wide as its widest line, but it is drawn cut to that many
    /// characters (what PrettyTable 3 prints).
    #[test]
    fn multi_line_headers_are_cut_to_the_column() {
        assert_eq!(table(&[("0\n0", &[])]).to_markdown(), "| 0 |\n| : |");
        assert_eq!(fit_header("ab\ncd", 3), "ab\n");
    }

    #[test]
    fn draws_like_prettytable() {
        let t = table(&[
            ("Metric", &["acc", "f1 score"]),
            ("Value", &["0.9", "0.95"]),
        ]);
        insta::assert_snapshot!(t.to_markdown(), @r"
        |  Metric  | Value |
        | :------: | :---: |
        |   acc    |  0.9  |
        | f1 score |  0.95 |
        ");
    }

    #[test]
    fn empty_table_has_no_minimum_width() {
        let t = table(&[("a", &[]), ("Value", &[])]);
        assert_eq!(t.to_markdown(), "| a | Value |\n| : | :---: |");
    }

    #[test]
    fn errors() {
        let none: Vec<(String, Vec<String>)> = vec![];
        assert!(matches!(Table::from_columns(none), Err(Error::EmptyTable)));
        let bad = Table::from_columns([("a", vec!["1", "2"]), ("b", vec!["1"])]);
        assert!(matches!(
            bad,
            Err(Error::ColumnLength {
                column_len: 1,
                rows: 2
            })
        ));
    }
}
