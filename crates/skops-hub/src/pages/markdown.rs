//! A model card's markdown as HTML a browser may show: the YAML front matter is left out (the
//! page shows its fields as metadata), the rest goes through pulldown-cmark (the parser
//! skops-card uses) and then through ammonia, whatever the markdown held.
//!
//! The sanitiser policy is ammonia's allow-list (formatting, lists, tables, links, images,
//! `<details>`): every other element is dropped, `<script>`, `<style>`, `<iframe>`, `<object>`,
//! `<embed>` and `<template>` with their content; every attribute outside the list goes
//! (`on*=` handlers, `style`, `class`, `id`, `srcset`); URLs keep only ordinary schemes
//! (`http`, `https`, `mailto`, ...: never `javascript:`, `data:` or `vbscript:`); links get
//! `rel="noopener noreferrer nofollow"`. Relative URLs are files of the repository: a card's
//! `![plot](plot.png)` becomes a download of `plot.png` at the commit the page shows.

use std::borrow::Cow;
use std::collections::HashSet;

use ammonia::{Builder, UrlRelative, UrlRelativeEvaluate};
use percent_encoding::percent_decode_str;
use pulldown_cmark::{Options, Parser, html};
use skops_card::metadata::split_front_matter;

use crate::http::files::encode_path;
use crate::limits::MAX_PATH_BYTES;
use crate::names::check_path;

/// Elements removed with everything inside them (the others not allowed are unwrapped: their
/// text stays, as text).
const DROPPED_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "object", "embed", "template", "noscript",
];

/// The `rel` of every link: no access to this page from the target, no referrer, no ranking.
const LINK_REL: &str = "noopener noreferrer nofollow";

/// The card's text without its front matter (and without a byte-order mark).
pub fn card_body(text: &str) -> &str {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    split_front_matter(text).map_or(text, |(_, _, _, rest)| rest)
}

/// The card as sanitised HTML; `files` is the URL prefix of the repository's files at the
/// shown commit (`/alice/iris/resolve/<commit>`), which relative URLs are resolved against.
pub fn card_html(text: &str, files: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut unsafe_html = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(card_body(text), options));
    sanitise(&unsafe_html, files)
}

/// `html` with everything ammonia's policy does not allow removed (see the module's doc).
pub fn sanitise(html: &str, files: &str) -> String {
    let mut builder = Builder::default();
    builder
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect::<HashSet<_>>())
        .url_relative(UrlRelative::Custom(Box::new(RepoFiles {
            prefix: files.to_owned(),
        })))
        .link_rel(Some(LINK_REL));
    builder.clean(html).to_string()
}

/// Resolves relative URLs of a card to the repository's files.
struct RepoFiles {
    prefix: String,
}

impl<'a> UrlRelativeEvaluate<'a> for RepoFiles {
    fn evaluate<'url>(&self, url: &'url str) -> Option<Cow<'url, str>> {
        resolve(&self.prefix, url)
    }
}

/// Where a relative URL of the card points: an anchor stays, a path of this hub (`/...`) stays,
/// a host without a scheme (`//host/x`) is dropped, anything else is a file of the repository
/// (relative to `README.md`, at the root) under `files`; a path that leaves the repository or
/// is not a valid repository path is dropped.
fn resolve<'url>(files: &str, url: &'url str) -> Option<Cow<'url, str>> {
    if url.starts_with('#') {
        return Some(Cow::Borrowed(url));
    }
    if url.starts_with("//") || url.starts_with("/\\") {
        return None;
    }
    if url.starts_with('/') {
        return Some(Cow::Borrowed(url));
    }
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let path = percent_decode_str(path).decode_utf8().ok()?;
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            name => segments.push(name),
        }
    }
    let path = segments.join("/");
    check_path(&path, MAX_PATH_BYTES).ok()?;
    Some(Cow::Owned(format!("{files}/{}", encode_path(&path))))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILES: &str = "/alice/iris/resolve/0123";

    fn render(markdown: &str) -> String {
        card_html(markdown, FILES)
    }

    #[test]
    fn front_matter_is_left_out_and_markdown_rendered() {
        let html = render("---\nlicense: mit\n---\n# Iris\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(!html.contains("license"));
        assert!(html.contains("<h1>Iris</h1>"));
        assert!(html.contains("<td>1</td>"));
    }

    #[test]
    fn scripts_handlers_frames_and_styles_are_removed() {
        let html = render(concat!(
            "# T\n\n",
            "<script>window.pwned = 1</script>\n\n",
            "<img src=\"x.png\" onerror=\"window.pwned = 2\">\n\n",
            "<iframe src=\"https://example.com\">inside</iframe>\n\n",
            "<p style=\"background: url(javascript:alert(1))\" onclick=\"x()\">styled</p>\n\n",
            "<style>body { display: none }</style>\n\n",
            "<a href=\"javascript:alert(1)\">js</a> [md](javascript:alert(2)) ",
            "<a href=\"JaVaScRiPt:alert(3)\">mixed</a> <a href=\"java\tscript:alert(4)\">tab</a>\n\n",
            "<form action=\"/x\"><input name=\"a\"></form><object data=\"x\"></object>\n\n",
            "<svg><script>alert(5)</script></svg><meta http-equiv=\"refresh\" content=\"0\">\n\n",
            "![d](data:image/png;base64,AAAA) <base href=\"https://evil.example/\">\n",
        ));
        for banned in [
            "<script",
            "pwned",
            "onerror",
            "<iframe",
            "inside",
            "style=",
            "<style",
            "onclick",
            "javascript",
            "JaVaScRiPt",
            "alert",
            "<form",
            "<input",
            "<object",
            "<svg",
            "<meta",
            "data:",
            "<base",
            "display: none",
        ] {
            assert!(!html.contains(banned), "`{banned}` left in {html}");
        }
        assert!(html.contains("styled"), "{html}");
        assert!(html.contains(">js</a>"), "{html}");
    }

    #[test]
    fn relative_images_and_links_point_to_the_repository_files() {
        let html = render(concat!(
            "![plot](plot.png) ![sub](./images/my%20plot.png?raw=1) ",
            "<img src=\"roc curve.png\" alt=\"roc\"> [config](config.json) [top](#top) ",
            "[up](../../etc/passwd) [other](//evil.example/x.png) ",
            "[abs](/alice/other) [web](https://example.com/x)\n",
        ));
        for expected in [
            "src=\"/alice/iris/resolve/0123/plot.png\"",
            "src=\"/alice/iris/resolve/0123/images/my%20plot.png\"",
            "src=\"/alice/iris/resolve/0123/roc%20curve.png\"",
            "href=\"/alice/iris/resolve/0123/config.json\"",
            "href=\"#top\"",
            "href=\"/alice/other\"",
            "href=\"https://example.com/x\"",
            "rel=\"noopener noreferrer nofollow\"",
        ] {
            assert!(html.contains(expected), "no `{expected}` in {html}");
        }
        assert!(!html.contains("passwd"), "{html}");
        assert!(!html.contains("evil.example"), "{html}");
    }

    #[test]
    fn relative_paths_are_checked() {
        assert_eq!(
            resolve(FILES, "a/../b.png").as_deref(),
            Some("/alice/iris/resolve/0123/b.png")
        );
        assert_eq!(resolve(FILES, "../b.png"), None);
        assert_eq!(resolve(FILES, "a%5Cb.png"), None);
        assert_eq!(resolve(FILES, ".git/config"), None);
        assert_eq!(resolve(FILES, "%FF.png"), None);
        assert_eq!(resolve(FILES, ""), None);
    }
}
