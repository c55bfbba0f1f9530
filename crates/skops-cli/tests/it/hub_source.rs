//! Hub repositories as model sources (`skops_serve::source`) against a real `skops-rs hub
//! serve`: each way a download fails is told by its own kind. (Downloads that succeed, the
//! cache layout and pinned commits are tested end to end with the official Python client in
//! python/tests/test_serve_hub_source.py.)

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hf_hub::repository::AddSource;
use hf_hub::{HFClient, HFClientSync, RepoTypeModel};
use skops_serve::source::{HubRepo, HubSettings, download_with};

use crate::common::skops_rs;

/// How long the hub may take to accept connections.
const STARTUP: Duration = Duration::from_secs(30);

/// A running `skops-rs hub serve` on 127.0.0.1, stopped when dropped.
struct Hub {
    child: Child,
    url: String,
    token: String,
    _dir: tempfile::TempDir,
}

impl Hub {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("hub");
        let data_arg = data.to_str().unwrap();
        let added = skops_rs([
            "hub", "token", "add", "alice", "--write", "--data", data_arg,
        ]);
        assert_eq!(added.code, 0, "{}", added.stderr);
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_skops-rs"))
            .args(["hub", "serve", "--data", data_arg, "--addr"])
            .arg(format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + STARTUP;
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(Instant::now() < deadline, "the hub did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            token: added.stdout.trim().to_owned(),
            _dir: dir,
        }
    }

    /// Settings for this hub with `token` and the cache `cache`.
    fn settings(&self, token: &str, cache: &Path) -> HubSettings {
        HubSettings {
            endpoint: Some(self.url.clone()),
            token: Some(token.to_owned()),
            cache_dir: Some(cache.to_path_buf()),
            ..HubSettings::default()
        }
    }

    /// A client of this hub with the write token.
    fn client(&self) -> HFClientSync {
        let client = HFClient::builder()
            .endpoint(self.url.clone())
            .token(self.token.clone())
            .build()
            .unwrap();
        HFClientSync::from_inner(client).unwrap()
    }

    /// Creates the empty repository `repo_id` (the official client's `create_repository`).
    fn create(&self, repo_id: &str, private: bool) {
        self.client()
            .create_repository()
            .repo_id(repo_id)
            .repo_type(RepoTypeModel)
            .private(private)
            .send()
            .unwrap();
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn kind_of(repo: &str, settings: &HubSettings) -> (String, String) {
    let repo = HubRepo::parse(repo).unwrap();
    let error = download_with(&repo, None, settings).unwrap_err();
    (error.kind().to_owned(), error.to_string())
}

#[test]
fn each_failed_download_has_its_kind() {
    let hub = Hub::start();
    let dir = tempfile::tempdir().unwrap();
    let cache: PathBuf = dir.path().join("cache");
    let settings = hub.settings(&hub.token, &cache);
    hub.create("alice/empty", false);
    hub.create("alice/secret", true);

    let (kind, message) = kind_of("alice/no-such-repo", &settings);
    assert_eq!(kind, "serve-hub-repo-not-found", "{message}");
    assert!(message.contains("`alice/no-such-repo`"), "{message}");

    let (kind, message) = kind_of("alice/empty@no-such-branch", &settings);
    assert_eq!(kind, "serve-hub-revision-not-found", "{message}");
    assert!(message.contains("`no-such-branch`"), "{message}");

    let (kind, message) = kind_of("alice/empty", &settings);
    assert_eq!(kind, "serve-hub-no-model", "{message}");

    let wrong = hub.settings("skh_not-a-token", &cache);
    let (kind, message) = kind_of("alice/secret", &wrong);
    assert_eq!(kind, "serve-hub-unauthorized", "{message}");

    let offline = HubSettings {
        offline: true,
        ..settings.clone()
    };
    let (kind, message) = kind_of("alice/empty", &offline);
    assert_eq!(kind, "serve-hub-not-cached", "{message}");

    // Nothing listens on port 9 (discard) of the loopback address.
    let nowhere = HubSettings {
        endpoint: Some("http://127.0.0.1:9".to_owned()),
        ..settings.clone()
    };
    let (kind, message) = kind_of("alice/empty", &nowhere);
    assert_eq!(kind, "serve-hub-unreachable", "{message}");
    assert!(message.contains("127.0.0.1:9"), "{message}");
}

#[test]
fn a_cache_that_cannot_be_written_fails_the_download() {
    let hub = Hub::start();
    hub.create("alice/one-file", false);
    hub.client()
        .model("alice", "one-file")
        .upload_file()
        .source(AddSource::Bytes(
            b"not read: the download fails first".to_vec().into(),
        ))
        .path_in_repo("model.skops")
        .send()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The cache folder is a file: nothing can be stored under it.
    let cache = dir.path().join("cache");
    std::fs::write(&cache, b"not a folder").unwrap();
    let (kind, message) = kind_of("alice/one-file", &hub.settings(&hub.token, &cache));
    assert_eq!(kind, "serve-hub-download", "{message}");
}

#[test]
fn a_hub_that_stops_answering_fails_after_the_read_timeout() {
    // Accepts connections and reads nothing back: a hub that stalls.
    let silent = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = silent.local_addr().unwrap().port();
    // Connections are kept open (never answered) until the listener thread ends.
    std::thread::spawn(move || {
        let mut open = Vec::new();
        while let Ok((connection, _)) = silent.accept() {
            open.push(connection);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let settings = HubSettings {
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        cache_dir: Some(dir.path().join("cache")),
        read_timeout: Duration::from_millis(300),
        ..HubSettings::default()
    };
    let started = Instant::now();
    let (kind, message) = kind_of("alice/stalled", &settings);
    // Without the timeout the call would wait for ever.
    eprintln!("stalled hub: {:?}: {message}", started.elapsed());
    assert!(started.elapsed() < Duration::from_secs(20), "{message}");
    assert_eq!(kind, "serve-hub-unreachable", "{message}");
}

/// What a hostile hub answers: the commit id and file name of its listing, the `ETag` and the
/// declared length of its files.
#[derive(Clone)]
struct Lies {
    commit: String,
    file: String,
    etag: String,
    declared: Option<u64>,
}

/// A fake hub on 127.0.0.1 answering the listing and file routes with `lies` (the body of a
/// file is a few bytes), for as long as the test runs.
fn hostile_hub(lies: Lies) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for connection in listener.incoming() {
            let Ok(mut connection) = connection else {
                return;
            };
            let mut reader = BufReader::new(connection.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
                line.clear();
            }
            let answer = if request_line.contains("/api/models/") {
                let body = serde_json::json!({
                    "id": "alice/iris",
                    "sha": lies.commit,
                    "siblings": [{"rfilename": lies.file}],
                })
                .to_string();
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            } else {
                let body = "bytes";
                let length = lies.declared.unwrap_or(body.len() as u64);
                format!(
                    "HTTP/1.1 200 OK\r\nETag: \"{}\"\r\nX-Repo-Commit: {}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n{body}",
                    lies.etag, lies.commit
                )
            };
            let _ = connection.write_all(answer.as_bytes());
        }
    });
    url
}

#[test]
fn a_hostile_hub_cannot_write_outside_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let victim = outside.join("victim.skops");
    std::fs::write(&victim, b"keep me").unwrap();
    let good_commit = "a".repeat(40);
    let cases = [
        // A path as the commit id.
        Lies {
            commit: format!("../../../../{}", outside.display()),
            file: "model.skops".to_owned(),
            etag: "0".repeat(64),
            declared: None,
        },
        // A file name climbing out of the snapshot folder, or absolute.
        Lies {
            commit: good_commit.clone(),
            file: "../../../../../victim.skops".to_owned(),
            etag: "0".repeat(64),
            declared: None,
        },
        Lies {
            commit: good_commit.clone(),
            file: victim.display().to_string(),
            etag: "0".repeat(64),
            declared: None,
        },
        // An ETag naming a file outside (it is not a hash: the blob is named after the bytes).
        Lies {
            commit: good_commit.clone(),
            file: "model.skops".to_owned(),
            etag: victim.display().to_string(),
            declared: None,
        },
        // A hash that is not the bytes' hash.
        Lies {
            commit: good_commit.clone(),
            file: "model.skops".to_owned(),
            etag: "e".repeat(64),
            declared: None,
        },
        // More than a download may hold, declared.
        Lies {
            commit: good_commit.clone(),
            file: "model.skops".to_owned(),
            etag: "e".repeat(64),
            declared: Some(10_u64.pow(13)),
        },
    ];
    for (index, lies) in cases.into_iter().enumerate() {
        let cache = dir.path().join(format!("cache-{index}"));
        let settings = HubSettings {
            endpoint: Some(hostile_hub(lies.clone())),
            cache_dir: Some(cache.clone()),
            ..HubSettings::default()
        };
        let repo = HubRepo::parse("alice/iris").unwrap();
        let outcome = download_with(&repo, None, &settings);
        if index == 3 {
            // The bytes are kept, named by their SHA-256 (then refused by the load: not a
            // .skops file); the ETag's path is not touched.
            let spec = outcome.unwrap();
            assert!(spec.path.starts_with(&cache), "{}", spec.path.display());
            let blob = std::fs::canonicalize(&spec.path).unwrap();
            assert!(blob.starts_with(std::fs::canonicalize(&cache).unwrap()));
            assert_eq!(std::fs::read(&blob).unwrap(), b"bytes");
        } else {
            let error = outcome.unwrap_err();
            assert_eq!(error.kind(), "serve-hub-download", "case {index}: {error}");
        }
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep me", "case {index}");
        let entries: Vec<_> = std::fs::read_dir(&outside).unwrap().collect();
        assert_eq!(entries.len(), 1, "case {index}: {entries:?}");
    }
}
