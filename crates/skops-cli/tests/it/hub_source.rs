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
