//! Model cards compatible with skops 0.16, without Python and without pandoc.
//!
//! A [`Card`] is an ordered tree of [`Section`]s addressed by `/` paths (`\/` escapes a literal
//! slash), with optional YAML front matter ([`Metadata`]). Building a card with the same calls
//! as skops' `Card` renders byte-identical markdown ([`Card::render`]): tables are drawn exactly
//! like skops 0.16's PrettyTable markdown style, folded sections are wrapped in `<details>`.
//!
//! [`parse()`] reads any markdown file back into a card. Unlike skops' pandoc-based parser it is
//! lossless: an unchanged parsed card renders back to the same bytes, and editing one section
//! (or one metadata key) changes only that section's (or key's) bytes.
//!
//! Modules, bottom up:
//! - [`path`]: section paths (`"A/B"`, `\/` escapes),
//! - [`width`]: display width of table cells (the `wcwidth` rules PrettyTable measures with),
//! - [`table`]: markdown tables as skops 0.16 draws them,
//! - [`section`]: sections and their formatting (text, plot, table; folded or not),
//! - [`template`]: the default skops template,
//! - [`card`]: the tree (add, select, delete, table of contents) and rendering,
//! - [`metadata`]: YAML front matter as ordered, structured metadata,
//! - [`parse()`]: markdown -> card, keeping every byte,
//! - [`mod@file`]: reading card files safely (regular files only, no symbolic links, bounded),
//! - [`repr`]: the text of skops' `Card.__repr__`,
//! - [`binding`]: a card bound to its model file (sha256 and scikit-learn version),
//! - [`chart`]: evaluation plots as PNG and SVG, drawn without matplotlib,
//! - [`model_file`], [`ops`]: what command-line tools need (a card for a `.skops` file, a
//!   summary, setting a section, checking a card against its model).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable
    )
)]

pub mod binding;
pub mod card;
pub mod chart;
pub mod error;
pub mod file;
pub mod limits;
pub mod metadata;
pub mod model_file;
pub mod ops;
pub mod parse;
pub mod path;
pub mod repr;
pub mod section;
pub mod table;
pub mod template;
pub mod width;

mod lines;
mod render;

pub use card::Card;
pub use error::{Error, Result};
pub use metadata::{Metadata, Value};
pub use parse::{parse, parse_file};
pub use section::{Section, SectionKind};
pub use table::Table;
