//! How reports look: the text tree and summaries ([`tree`], [`text`]), the JSON reports
//! ([`json`]), and terminal colors ([`Style`]).

pub mod json;
pub mod text;
pub mod tree;

/// What a piece of text is, for coloring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    /// A node that is trusted, with everything below it (skops: cyan).
    Safe,
    /// A trusted node with something untrusted below it (skops: magenta).
    ChildUnsafe,
    /// A node whose own type is untrusted, and untrusted type names (skops: orange).
    Unsafe,
    /// Tree guides and secondary text.
    Dim,
    /// Labels.
    Bold,
}

/// Whether to emit ANSI colors. Colors are decoration only: the text is the same without them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Emit ANSI color sequences.
    pub color: bool,
}

impl Style {
    /// `text` in the color of `paint` (unchanged without colors). `text` must already be
    /// escaped if it comes from the file.
    pub fn paint(self, paint: Paint, text: &str) -> String {
        if !self.color {
            return text.to_owned();
        }
        let code = match paint {
            Paint::Safe => "36",
            Paint::ChildUnsafe => "35",
            Paint::Unsafe => "38;5;214",
            Paint::Dim => "90",
            Paint::Bold => "1",
        };
        format!("\u{1b}[{code}m{text}\u{1b}[0m")
    }
}
