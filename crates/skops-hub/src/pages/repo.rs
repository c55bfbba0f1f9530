//! `GET /{namespace}/{name}[/tree/{rev}]`: a model's page at `main` or at a revision: its
//! metadata (from the card's front matter and `config.json`); in `<section id="audit">` one
//! `<article class="audit" data-file="...">` per `.skops` file with its audit and whether the
//! card is bound to that exact file (the check of `skops-rs card check`); the files with size,
//! sha256 and a download link; the rendered card. The audit comes before the card: it is what
//! a reviewer needs before anyone loads the model, and the card is the author's own words.

use std::sync::Arc;

use axum::response::Response;
use maud::{Markup, PreEscaped, html};
use serde_json::Value as Json;
use skops_card::Card;
use skops_card::binding::{MODEL_SHA256_KEY, check_sha256};

use super::audit::{FileAudit, Report};
use super::html::{human_size, layout, respond, respond_with_widget, widget_layout};
use super::{markdown, read_text};
use crate::card::{CardInfo, card_info};
use skops_serve::ServedModel;
use skops_serve::pages::{script_json, widget_config};

use crate::error::Result;
use crate::http::files::encode_path;
use crate::http::{Ctx, Hub};
use crate::limits::{MAX_AUDITS_PER_PAGE, MAX_CARD_BYTES, MAX_CONFIG_BYTES, MAX_LISTED_ENTRIES};
use crate::names::{MAIN_BRANCH, RepoId};
use crate::objects::{Commit, FileEntry, RepoMeta};
use crate::time::iso8601;

/// The model card, as far as it could be read.
#[derive(Default)]
struct CardView {
    /// The sanitised HTML of its body.
    html: Option<String>,
    /// Its metadata fields.
    info: CardInfo,
    /// The parsed card, for the binding check; the error's kind and message if it does not
    /// parse.
    parsed: Option<std::result::Result<Card, (&'static str, String)>>,
}

/// What `config.json` says (the file `skops_rs.hub_utils.init` writes).
#[derive(Default)]
struct Config {
    /// `sklearn.model.file`.
    model_file: Option<String>,
    /// `sklearn.task`.
    task: Option<String>,
    /// The scikit-learn requirement of `sklearn.environment` (`1.9.1`, or `>=1.5` as given).
    sklearn: Option<String>,
}

/// `GET /{namespace}/{name}[/tree/{rev}]`.
pub async fn page(hub: &Hub, ctx: &Ctx, repo: &RepoId, revision: Option<&str>) -> Result<Response> {
    let meta = hub.visible(repo, &ctx.access).await?;
    let commit = hub
        .repos
        .resolve(repo, revision.unwrap_or(MAIN_BRANCH))
        .await?;
    let store = hub.repos.store();
    let files = format!("/{repo}/resolve/{}", commit.id);
    let card = match commit.tree.get("README.md") {
        Some(entry) => match read_text(store, entry, MAX_CARD_BYTES).await {
            Some(text) => read_card(text, files.clone()).await,
            None => CardView::default(),
        },
        None => CardView::default(),
    };
    let config = match commit.tree.get("config.json") {
        Some(entry) => read_text(store, entry, MAX_CONFIG_BYTES)
            .await
            .map_or_else(Config::default, |text| read_config(&text)),
        None => Config::default(),
    };
    let mut skops_files: Vec<(&String, &FileEntry)> = commit
        .tree
        .iter()
        .filter(|(path, _)| path.to_ascii_lowercase().ends_with(".skops"))
        .collect();
    // The model file `config.json` names first (a stable sort keeps the others by path).
    skops_files.sort_by_key(|(path, _)| Some(path.as_str()) != config.model_file.as_deref());
    let audits = futures_util::future::join_all(
        skops_files
            .iter()
            .take(MAX_AUDITS_PER_PAGE)
            .map(|(_, entry)| hub.audits.audit(store, entry, hub.limits.audit_bytes)),
    )
    .await;
    let audited: Vec<(&String, &FileEntry, Arc<FileAudit>)> = skops_files
        .iter()
        .zip(audits)
        .map(|((path, entry), audit)| (*path, *entry, audit))
        .collect();
    let widget = match &hub.serving {
        Some(serving) => Some(
            serving
                .model(store, repo, &commit, hub.limits.served_model_bytes)
                .await
                .and_then(|model| Ok((model.path.clone(), model.ready()?))),
        ),
        None => None,
    };
    let view = View {
        repo,
        meta: &meta,
        commit: &commit,
        at_main: revision.is_none_or(|r| r == MAIN_BRANCH),
        files: &files,
        card: &card,
        config: &config,
    };
    let body = html! {
        (view.heading())
        (view.metadata())
        section #audit {
            h2 { "Audit" }
            p.dim {
                "What loading each " code { ".skops" } " file would import, as "
                code { "skops-rs audit" } " reports it: the types not trusted by default "
                "and where they occur, and the nodes trusted because a validator checked "
                "their state. Nothing here loads the model."
            }
            @if audited.is_empty() {
                p { "No .skops file in this revision." }
            }
            @for (path, entry, audit) in &audited {
                (view.audit_article(path, entry, audit))
            }
            @if skops_files.len() > audited.len() {
                p.dim { (skops_files.len() - audited.len()) " more .skops files are not audited on this page." }
            }
        }
        @if let Some(widget) = &widget {
            (view.widget(widget))
        }
        (view.file_table())
        h2 { "Model card" }
        @match &card.html {
            Some(html) => section.card #card { (PreEscaped(html)) },
            None => p.dim #card { "This repository has no model card (README.md)." },
        }
    };
    // The widget's script and the policy that lets it run only on a page that has a widget.
    if matches!(widget, Some(Ok(_))) {
        return Ok(respond_with_widget(
            200,
            widget_layout(&repo.to_string(), &ctx.access, body),
        ));
    }
    Ok(respond(200, layout(&repo.to_string(), &ctx.access, body)))
}

/// The URL of the `infer` route of `repo`'s model at `commit` (the revision the page shows,
/// by id: the widget keeps asking the model it was built for).
pub fn infer_url(repo: &RepoId, commit: &Commit) -> String {
    format!(
        "/api/{}/{repo}/infer/{}",
        repo.repo_type.plural(),
        commit.id
    )
}

/// Renders and parses the card off the async runtime (markdown and sanitising are CPU work).
async fn read_card(text: String, files: String) -> CardView {
    let work = tokio::task::spawn_blocking(move || CardView {
        html: Some(markdown::card_html(&text, &files)),
        info: card_info(&text),
        parsed: Some(skops_card::parse(&text).map_err(|error| (error.kind(), error.to_string()))),
    });
    work.await.unwrap_or_default()
}

/// The fields of `config.json` a page shows (none if it is not the JSON `init` writes).
fn read_config(text: &str) -> Config {
    let Ok(json) = serde_json::from_str::<Json>(text) else {
        return Config::default();
    };
    let text_at = |pointer: &str| {
        json.pointer(pointer)
            .and_then(Json::as_str)
            .map(str::to_owned)
    };
    Config {
        model_file: text_at("/sklearn/model/file"),
        task: text_at("/sklearn/task"),
        sklearn: json
            .pointer("/sklearn/environment")
            .and_then(Json::as_array)
            .and_then(|requirements| requirements.iter().find_map(sklearn_requirement)),
    }
}

/// The version part of a `scikit-learn` requirement (`scikit-learn=1.9.1` gives `1.9.1`,
/// `scikit-learn>=1.5` gives `>=1.5`, an unpinned `scikit-learn` nothing).
fn sklearn_requirement(requirement: &Json) -> Option<String> {
    let text = requirement.as_str()?.trim();
    let name_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(text.len());
    let (name, spec) = text.split_at(name_end);
    if !matches!(
        name.to_ascii_lowercase().as_str(),
        "scikit-learn" | "sklearn"
    ) {
        return None;
    }
    let spec = spec.trim();
    let pinned = spec.strip_prefix("==").or_else(|| spec.strip_prefix('='));
    // skops' examples quote the version: `scikit-learn="1.9.1"`.
    let version = pinned.unwrap_or(spec).trim().trim_matches(['"', '\'']);
    (!version.is_empty()).then(|| version.to_owned())
}

/// `skops-serve`'s widget configuration, with the hub's `infer` URL.
fn hub_widget_config(model: &ServedModel, infer_url: &str) -> Json {
    let mut config = widget_config(model);
    if let Some(fields) = config.as_object_mut() {
        fields.insert("infer_url".to_owned(), Json::String(infer_url.to_owned()));
    }
    config
}

/// What the parts of a model page are drawn from.
struct View<'a> {
    repo: &'a RepoId,
    meta: &'a RepoMeta,
    commit: &'a Commit,
    at_main: bool,
    files: &'a str,
    card: &'a CardView,
    config: &'a Config,
}

impl View<'_> {
    fn heading(&self) -> Markup {
        let commit = self.commit;
        html! {
            h1 {
                (self.repo)
                @if self.meta.private { " " span.badge.private { "private" } }
            }
            p.dim {
                @if self.at_main { "main at " } @else { "revision " }
                code { (commit.id) } " · " (commit.title) " · " (iso8601(commit.date_ms))
                @if !self.at_main { " · " a href={ "/" (self.repo) } { "back to main" } }
            }
        }
    }

    fn metadata(&self) -> Markup {
        let info = &self.card.info;
        let license = info
            .card_data
            .as_ref()
            .and_then(|data| data.get("license"))
            .and_then(Json::as_str);
        let task = info.pipeline_tag.as_deref().or(self.config.task.as_deref());
        html! {
            h2 { "Metadata" }
            dl.meta #metadata {
                dt { "Task" } dd { (task.unwrap_or("—")) }
                dt { "Library" } dd { (info.library_name.as_deref().unwrap_or("—")) }
                dt { "Tags" } dd {
                    @if info.tags.is_empty() { "—" }
                    @for tag in &info.tags { span.badge { (tag) } }
                }
                dt { "scikit-learn" } dd { (self.config.sklearn.as_deref().unwrap_or("—")) }
                dt { "Model file" } dd { (self.config.model_file.as_deref().unwrap_or("—")) }
                dt { "License" } dd { (license.unwrap_or("—")) }
            }
        }
    }

    /// `<section id="try">`: the widget of the revision's model (its configuration as
    /// `skops-serve` writes it, with the hub's `infer` URL), or why there is none.
    fn widget(&self, widget: &Result<(String, Arc<ServedModel>)>) -> Markup {
        html! {
            section #try {
                h2 { "Try it" }
                @match widget {
                    Ok((path, model)) => {
                        @let url = infer_url(self.repo, self.commit);
                        @let config = hub_widget_config(model, &url);
                        p.dim {
                            code { (path) } " (" code { (model.predictor.type_name()) } "), "
                            "evaluated by the native engine: edit the rows and press Compute. "
                            "The same as JSON: " code { "POST " (url) } " (Open Inference Protocol v2)."
                        }
                        div #widget {}
                        script #widget-config type="application/json" {
                            (PreEscaped(script_json(&config)))
                        }
                    }
                    Err(error) => p.bad #widget-off {
                        "No widget: " (error.to_string()) " (" code { (error.kind()) } ")"
                    },
                }
            }
        }
    }

    fn file_table(&self) -> Markup {
        let tree = &self.commit.tree;
        html! {
            h2 { "Files" }
            table #files {
                thead { tr { th { "File" } th { "Size" } th { "sha256" } } }
                tbody {
                    @for (path, entry) in tree.iter().take(MAX_LISTED_ENTRIES) {
                        tr {
                            td { a href={ (self.files) "/" (encode_path(path)) } { (path) } }
                            td.num title={ (entry.size) " bytes" } { (human_size(entry.size)) }
                            td.sha.mono { (entry.sha256) }
                        }
                    }
                }
            }
            @if tree.len() > MAX_LISTED_ENTRIES {
                p.dim { (tree.len() - MAX_LISTED_ENTRIES) " more files not listed here." }
            }
        }
    }

    fn audit_article(&self, path: &str, entry: &FileEntry, audit: &FileAudit) -> Markup {
        let sklearn_version = match audit {
            FileAudit::Done(report) => report.sklearn_version.as_deref(),
            FileAudit::Failed { .. } => None,
        };
        html! {
            article.audit data-file=(path) {
                h3 {
                    (path)
                    @if Some(path) == self.config.model_file.as_deref() {
                        " " span.badge { "model file" }
                    }
                }
                p.mono.dim { "sha256 " (entry.sha256) " · " (human_size(entry.size)) }
                @match audit {
                    FileAudit::Done(report) => (report_lines(report)),
                    FileAudit::Failed { kind, message } => p.bad {
                        "Not audited: " code { (kind) } ": " (message)
                    },
                }
                (self.binding(entry, sklearn_version))
            }
        }
    }

    /// Whether the card is bound to this file: `skops-rs card check`'s comparison, with the
    /// blob's sha256 and the file's scikit-learn version.
    fn binding(&self, entry: &FileEntry, sklearn_version: Option<&str>) -> Markup {
        html! {
            @match &self.card.parsed {
                None => p.dim { "Card: none, so nothing binds it to this file." },
                Some(Err((kind, message))) => p.bad {
                    "Card: unreadable (" code { (kind) } ": " (message) ")"
                },
                Some(Ok(card)) => {
                    @let mismatches = check_sha256(card, &entry.sha256, sklearn_version);
                    @if mismatches.is_empty() {
                        p.good { "Card: bound to this file (its " code { (MODEL_SHA256_KEY) } " matches)." }
                    } @else {
                        p.bad {
                            "Card: not bound to this file: "
                            @for (index, mismatch) in mismatches.iter().enumerate() {
                                @if index > 0 { "; " }
                                (mismatch.to_string())
                            }
                            "."
                        }
                    }
                }
            }
        }
    }
}

/// The audit of one file, as lines of text (the demo prints them).
fn report_lines(report: &Report) -> Markup {
    html! {
        p.dim {
            "scikit-learn " (report.sklearn_version.as_deref().unwrap_or("unknown"))
            " · protocol " (report.protocol)
        }
        @if report.untrusted.is_empty() {
            p.good { "No untrusted types: it loads with no trust list." }
        } @else {
            p.bad {
                (report.untrusted.len()) " untrusted type"
                @if report.untrusted.len() != 1 { "s" }
                ": the file loads only if you trust "
                @if report.untrusted.len() == 1 { "it" } @else { "them" }
                ", and trusting lets the file call "
                @if report.untrusted.len() == 1 { "it" } @else { "them" } "."
            }
            ul.untrusted {
                @for entry in &report.untrusted {
                    li {
                        code { (entry.name) } " at "
                        @for (index, at) in entry.paths.iter().enumerate() {
                            @if index > 0 { ", " }
                            code { (at) }
                        }
                        @if entry.more > 0 { " and " (entry.more) " more" }
                    }
                }
            }
        }
        @let validated: usize = report.validated.iter().map(|group| group.count).sum();
        @if validated == 0 {
            p { "Trusted by validation: none." }
        } @else {
            p {
                "Trusted by validation: " (validated) " node"
                @if validated != 1 { "s" }
                " whose state a validator checked:"
            }
            ul.validated {
                @for group in &report.validated {
                    li {
                        code { (group.type_name) } " (validator " code { (group.validator) } "): "
                        (group.count) " node" @if group.count != 1 { "s" } ", at "
                        @for (index, at) in group.paths.iter().enumerate() {
                            @if index > 0 { ", " }
                            code { (at) }
                        }
                        @if group.count > group.paths.len() {
                            " and " (group.count - group.paths.len()) " more"
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_fields_as_hub_utils_writes_them() {
        let config = read_config(
            r#"{"sklearn": {"environment": ["numpy=2.4.6", "scikit-learn=1.9.1"],
                "model": {"file": "model.skops"}, "task": "tabular-classification"}}"#,
        );
        assert_eq!(config.model_file.as_deref(), Some("model.skops"));
        assert_eq!(config.task.as_deref(), Some("tabular-classification"));
        assert_eq!(config.sklearn.as_deref(), Some("1.9.1"));
        let requirement = |text: &str| sklearn_requirement(&Json::from(text));
        assert_eq!(requirement("scikit-learn==1.5").as_deref(), Some("1.5"));
        assert_eq!(
            requirement("scikit-learn >= 1.5").as_deref(),
            Some(">= 1.5")
        );
        assert_eq!(requirement("sklearn"), None);
        assert_eq!(
            requirement("scikit-learn=\"1.9.1\"").as_deref(),
            Some("1.9.1")
        );
        assert_eq!(requirement("scikit-learn-extra=1"), None);
        assert!(read_config("[1]").model_file.is_none());
    }
}
