//! Model pages: server-rendered HTML for people, beside the JSON API for clients, at the URLs
//! of the Hugging Face site. No script runs on them (none is sent, and the policy forbids any).
//!
//! - `GET /`: the repositories the caller may see ([`list`]),
//! - `GET /{namespace}/{name}`: a model at `main`, and `GET /{namespace}/{name}/tree/{rev}` at
//!   a branch or commit id ([`repo`]): its rendered card ([`markdown`]), metadata, files with
//!   size and sha256, and for every `.skops` file its audit ([`audit`]) and whether the card
//!   is bound to that exact file.
//!
//! Pages take the API's `Authorization: Bearer` token (no cookies): private repositories are
//! listed and shown only to a token that may read them. [`html`] has the frame, the response
//! headers (Content-Security-Policy, `nosniff`) and the error page.

pub mod audit;
pub mod html;
pub mod list;
pub mod markdown;
pub mod repo;

use futures_util::StreamExt;

use crate::objects::FileEntry;
use crate::store::Backend;

/// The text of a small file of a repository: `None` if it is larger than `limit`, unreadable,
/// or not UTF-8 (a page shows it as absent rather than failing).
pub(crate) async fn read_text(
    store: &dyn Backend,
    entry: &FileEntry,
    limit: u64,
) -> Option<String> {
    if entry.size > limit {
        return None;
    }
    let mut stream = store
        .read_blob(entry.sha256.clone(), 0, entry.size)
        .await
        .ok()?;
    let mut bytes = Vec::with_capacity(usize::try_from(entry.size).unwrap_or(0));
    while let Some(piece) = stream.next().await {
        bytes.extend_from_slice(&piece.ok()?);
    }
    String::from_utf8(bytes).ok()
}
