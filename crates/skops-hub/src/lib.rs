//! A self-hostable hub that speaks the Hugging Face Hub API subset the official clients use
//! (`huggingface_hub`'s `create_repo`, `upload_folder`, `snapshot_download`, ...), so teams can
//! share models without a public hub.
//!
//! Repositories have git-like semantics (40-hex commit ids, parents, history kept, `main`
//! moved by compare-and-swap) on a [`store::Backend`] of content-addressed blobs and small
//! objects; the embedded store is a local folder. Uploads are streamed: a commit body is parsed
//! and base64-decoded into staging files as it arrives, within the bounds of [`limits`].
//!
//! Modules, bottom up:
//! - [`error`]: one error type with families and stable kinds, mapped to HF-style answers,
//! - [`limits`], [`names`]: what requests may ask for (sizes, names, paths),
//! - [`store`]: the storage trait and its local-folder implementation, [`stage`]: uploads on
//!   their way to it,
//! - [`objects`]: commits and repository metadata, [`repo`]: repository operations,
//! - [`ndjson`]: the streamed commit body, [`card`]: the card metadata of repository info,
//! - [`auth`]: hashed tokens and who may do what, [`time`]: ISO dates,
//! - [`pages`]: the model pages for people (HTML: the list of repositories, each model's
//!   card, metadata, files and the audit of its `.skops` files),
//! - [`serving`]: the models served on their pages (`--serve-models`), built by
//!   `skops-serve` from the stored blobs,
//! - [`http`]: the routes.
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

pub mod auth;
pub mod card;
pub mod error;
pub mod http;
pub mod limits;
pub mod names;
pub mod ndjson;
pub mod objects;
pub mod pages;
pub mod repo;
pub mod serving;
pub mod stage;
pub mod store;
pub mod time;

pub use error::{Error, Result};
pub use http::{Hub, router, serve};
pub use limits::Limits;
