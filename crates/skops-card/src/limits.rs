//! Hard limits on what a card file may declare, so that parsing and rendering one is bounded.

/// Largest card file accepted by [`crate::parse()`] (bytes).
///
/// Real model cards are a few to a few hundred KB; an inlined model diagram adds tens of KB.
pub const MAX_CARD_SIZE: u64 = 64 * 1024 * 1024;

/// Largest `config.json` read for [`crate::metadata::from_config`] (bytes).
///
/// skops writes a few KB (the columns and three example rows).
pub const MAX_CONFIG_SIZE: u64 = 16 * 1024 * 1024;

/// Largest YAML front matter accepted (bytes of text between the `---` lines).
///
/// Hub metadata with a large `widget` example is a few KB; 4 MiB is far above any real card.
pub const MAX_FRONT_MATTER_SIZE: u64 = 4 * 1024 * 1024;

/// Largest metadata, measured as written out in block style with every alias expanded:
/// each node counts the text the writer gives it (a string as quoted, a number as printed,
/// a key), two bytes per level of indentation and three for its punctuation and newline.
///
/// Stops YAML aliases that point at a large scalar, and alias-built nesting whose written
/// form grows with its depth: both cost their full expanded size here, however short the
/// text they came from. The same measure bounds metadata set from Python, and it is an upper
/// bound of what the writer produces, so metadata within it is written back as front matter
/// no larger than [`MAX_FRONT_MATTER_SIZE`], which parsing accepts again.
pub const MAX_METADATA_BYTES: u64 = MAX_FRONT_MATTER_SIZE;

/// Most nodes (scalars, keys, lists, mappings) the metadata may hold, aliases expanded.
///
/// Stops "billion laughs" documents, whose aliases expand exponentially, and bounds the
/// objects built for Python's `Card.metadata` (the byte budget alone would allow about
/// 800,000 one-character nodes). Real Hub metadata holds tens to thousands.
pub const MAX_METADATA_NODES: u64 = 500_000;

/// Deepest nesting of lists and mappings in the metadata, the top-level mapping counting as
/// 1 and the values an alias brings counting at the depth they land at.
///
/// One limit for parsing and for writing (Python metadata deeper than this is refused), so
/// parsing accepts everything rendering writes and the reverse. Keeps recursive conversion,
/// writing and dropping of the value tree well inside the stack; real Hub metadata
/// (`model-index`, `widget`) nests 5 or 6 deep.
pub const MAX_METADATA_DEPTH: u64 = 128;

/// Most sections (headings) a parsed card may have.
pub const MAX_SECTIONS: u64 = 100_000;

/// Deepest section nesting a path may create (`"A/B/C"` is 3 deep).
///
/// Markdown has six heading levels; the limit keeps the recursive rendering well inside the
/// stack whatever paths a program builds.
pub const MAX_SECTION_DEPTH: u64 = 64;
