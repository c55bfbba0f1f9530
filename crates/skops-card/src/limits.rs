//! Hard limits on what a card file may declare, so that parsing one is bounded.

/// Largest card file accepted by [`crate::parse`] (bytes).
///
/// Real model cards are a few to a few hundred KB; an inlined model diagram adds tens of KB.
pub const MAX_CARD_SIZE: u64 = 64 * 1024 * 1024;

/// Largest YAML front matter accepted (bytes).
///
/// Hub metadata with a large `widget` example is a few KB; 4 MiB is far above any real card.
pub const MAX_FRONT_MATTER_SIZE: u64 = 4 * 1024 * 1024;

/// Most YAML nodes the front matter may expand to, counting every alias expansion.
///
/// Stops "billion laughs" documents, whose aliases expand exponentially.
pub const MAX_YAML_NODES: u64 = 1_000_000;

/// Deepest nesting of YAML lists and mappings in the front matter.
///
/// Keeps recursive conversion and dropping of the value tree well inside the stack.
pub const MAX_YAML_DEPTH: u64 = 128;

/// Most sections (headings) a parsed card may have.
pub const MAX_SECTIONS: u64 = 100_000;

/// Deepest section nesting a path may create (`"A/B/C"` is 3 deep).
///
/// Markdown has six heading levels; the limit keeps the recursive rendering well inside the
/// stack whatever paths a program builds.
pub const MAX_SECTION_DEPTH: u64 = 64;
