//! A hub on a free port of 127.0.0.1 with a temporary store, and a minimal HTTP client.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use skops_hub::store::local::LocalStore;
use skops_hub::{Hub, Limits};

/// A running hub; stopped when dropped.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    pub(crate) dir: tempfile::TempDir,
    /// A write token of `alice`.
    pub(crate) write: String,
    /// A read token of `bob`.
    pub(crate) read: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts a hub with `limits`.
pub(crate) fn start(limits: Limits) -> Server {
    start_with(limits, false)
}

/// Starts a hub that serves its models on their pages (`--serve-models`).
pub(crate) fn start_serving() -> Server {
    start_with(Limits::default(), true)
}

pub(crate) fn start_with(limits: Limits, serving: bool) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let store = LocalStore::open(&root).unwrap();
            let write = skops_hub::auth::add(&store, "alice", true).await.unwrap();
            let read = skops_hub::auth::add(&store, "bob", false).await.unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx
                .send((listener.local_addr().unwrap(), write, read))
                .unwrap();
            let mut hub = Hub::new(Box::new(store), limits);
            if serving {
                hub = hub.with_serving().unwrap();
            }
            let hub = Arc::new(hub);
            skops_hub::serve(listener, hub, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
    });
    let (addr, write, read) = addr_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    Server {
        addr,
        dir,
        write,
        read,
        stop: Some(stop),
        thread: Some(thread),
    }
}

/// An HTTP response.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The error kind of a hub error answer.
    pub(crate) fn kind(&self) -> String {
        self.json()["kind"].as_str().unwrap_or("").to_owned()
    }
}

impl Server {
    /// Sends a request with `Connection: close` and reads the whole answer.
    pub(crate) fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        let mut stream = TcpStream::connect(self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if let Some(token) = token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        // The server may answer (and close) before reading a refused body.
        let _ = stream.write_all(body);
        read_response(&mut stream, method == "HEAD")
    }

    pub(crate) fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request("GET", path, token, &[], b"")
    }

    pub(crate) fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> Response {
        self.request(
            "POST",
            path,
            token,
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
    }

    /// Creates `alice/<name>` (private or not).
    pub(crate) fn create(&self, name: &str, private: bool) {
        let visibility = if private { "private" } else { "public" };
        let response = self.post_json(
            "/api/repos/create",
            Some(&self.write),
            &serde_json::json!({"name": name, "organization": "alice", "type": "model", "visibility": visibility}),
        );
        assert_eq!(
            response.status,
            200,
            "{:?}",
            String::from_utf8_lossy(&response.body)
        );
    }

    /// Commits an NDJSON `body` to `alice/<name>`.
    pub(crate) fn commit(&self, name: &str, body: &str) -> Response {
        self.request(
            "POST",
            &format!("/api/models/alice/{name}/commit/main"),
            Some(&self.write),
            &[("Content-Type", "application/x-ndjson")],
            body.as_bytes(),
        )
    }

    /// The head commit of `alice/<name>`.
    pub(crate) fn head(&self, name: &str) -> String {
        let info = self.get(&format!("/api/models/alice/{name}"), Some(&self.write));
        info.json()["sha"].as_str().unwrap().to_owned()
    }

    /// Files in the staging folder (what uploads left behind).
    pub(crate) fn staged(&self) -> usize {
        std::fs::read_dir(self.dir.path().join("tmp"))
            .unwrap()
            .count()
    }
}

fn read_response(stream: &mut TcpStream, head_only: bool) -> Response {
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    if chunked && !head_only {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&data[..line_end])
                .split(';')
                .next()
                .unwrap()
                .trim(),
            16,
        )
        .unwrap();
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// An NDJSON commit body: a header (with `parent`, if any) and one `file` line per file.
pub(crate) fn ndjson(parent: Option<&str>, files: &[(&str, &[u8])]) -> String {
    let mut header = serde_json::json!({"summary": "test", "description": ""});
    if let Some(parent) = parent {
        header["parentCommit"] = parent.into();
    }
    let mut out = serde_json::json!({"key": "header", "value": header}).to_string();
    out.push('\n');
    for (path, content) in files {
        let content = base64::engine::general_purpose::STANDARD.encode(content);
        out.push_str(
            &serde_json::json!({"key": "file", "value": {"content": content, "path": path, "encoding": "base64"}})
                .to_string(),
        );
        out.push('\n');
    }
    out
}
