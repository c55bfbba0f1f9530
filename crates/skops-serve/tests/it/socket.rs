//! `skops_serve::serve` on a real 127.0.0.1 socket, for the faults only a connection shows:
//! a client that trickles or never finishes its headers (slowloris) is disconnected within the
//! header timeout while others are answered; a body slower than the request timeout gets 408;
//! at shutdown the requests in flight are answered, new connections are refused and the
//! server returns.

use std::sync::Arc;
use std::time::{Duration, Instant};

use skops_serve::{Limits, ModelSpec, Models, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

use super::data;

const HEADER_TIMEOUT: Duration = Duration::from_millis(300);
const REQUEST_TIMEOUT: Duration = Duration::from_millis(700);
/// Well past both timeouts: a connection still open then was not cut off.
const BOUND: Duration = Duration::from_secs(5);

struct Running {
    addr: std::net::SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start() -> Running {
    start_with(Limits {
        header_timeout: HEADER_TIMEOUT,
        timeout: REQUEST_TIMEOUT,
        ..Limits::default()
    })
    .await
}

async fn start_with(limits: Limits) -> Running {
    let models = Models::load(&[ModelSpec::path(data("tree.skops"))]).unwrap();
    let server = Arc::new(Server::new(models, limits).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(skops_serve::serve(listener, server, async move {
        let _ = stopped.await;
    }));
    Running {
        addr,
        stop: Some(stop),
        task,
    }
}

const BODY: &str = r#"{"inputs": {"data": {"a": [0.5, 1.5], "b": [-0.5, 2.0]}}}"#;

fn head(length: usize) -> String {
    format!(
        "POST /models/tree HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    )
}

/// Reads until the server closes the connection (or fails it); what it sent.
async fn read_to_close(stream: &mut (impl AsyncReadExt + Unpin)) -> Vec<u8> {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return answer,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
        }
    }
}

/// A whole request on a new connection: its status line.
async fn status_of(addr: std::net::SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("{}{BODY}", head(BODY.len())).as_bytes())
        .await
        .unwrap();
    let answer = read_to_close(&mut stream).await;
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn slow_headers_are_cut_off_while_other_requests_are_answered() {
    let running = start().await;
    // Headers trickled a byte every 50 ms: they would take seconds.
    let trickled = TcpStream::connect(running.addr).await.unwrap();
    let (mut reader, mut writer) = trickled.into_split();
    let trickle = tokio::spawn(async move {
        for byte in head(BODY.len()).bytes() {
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    // Headers begun and never finished.
    let mut stalled = TcpStream::connect(running.addr).await.unwrap();
    stalled
        .write_all(b"GET /v2/health/ready HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    // Meanwhile a whole request is answered.
    assert_eq!(status_of(running.addr).await, "HTTP/1.1 200 OK");
    let cut = tokio::time::timeout(BOUND, read_to_close(&mut reader))
        .await
        .expect("a trickling client is disconnected");
    let stalled_cut = tokio::time::timeout(BOUND, read_to_close(&mut stalled))
        .await
        .expect("a client that stops mid-headers is disconnected");
    let elapsed = started.elapsed();
    assert!(elapsed >= HEADER_TIMEOUT, "{elapsed:?}");
    assert!(elapsed < BOUND, "{elapsed:?}");
    // Nothing is answered to a request that never arrived whole (hyper may say 408).
    for answer in [&cut, &stalled_cut] {
        let text = String::from_utf8_lossy(answer);
        assert!(
            text.is_empty() || text.starts_with("HTTP/1.1 408"),
            "{text}"
        );
    }
    trickle.abort();
    // The server still answers.
    assert_eq!(status_of(running.addr).await, "HTTP/1.1 200 OK");
}

#[tokio::test]
async fn a_body_slower_than_the_request_timeout_is_answered_408() {
    let running = start().await;
    let mut stream = TcpStream::connect(running.addr).await.unwrap();
    stream.write_all(head(BODY.len()).as_bytes()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for byte in BODY.bytes() {
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let started = Instant::now();
    let answer = tokio::time::timeout(BOUND, read_to_close(&mut reader))
        .await
        .expect("a slow body is answered within the bound");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("serve-body-timeout"), "{text}");
    assert!(started.elapsed() < BOUND);
    trickle.abort();
}

#[tokio::test]
async fn shutdown_answers_requests_in_flight_and_refuses_new_connections() {
    let mut running = start().await;
    // Four requests in flight: headers and half the body sent.
    let half = BODY.len() / 2;
    let mut in_flight = Vec::new();
    for _ in 0..4 {
        let mut stream = TcpStream::connect(running.addr).await.unwrap();
        stream
            .write_all(format!("{}{}", head(BODY.len()), &BODY[..half]).as_bytes())
            .await
            .unwrap();
        in_flight.push(stream);
    }
    // An idle keep-alive connection, its request answered.
    let mut idle = TcpStream::connect(running.addr).await.unwrap();
    idle.write_all(b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 1024];
    let n = idle.read(&mut buffer).await.unwrap();
    assert!(buffer[..n].starts_with(b"HTTP/1.1 200"));
    tokio::time::sleep(Duration::from_millis(50)).await;
    running.stop.take().unwrap().send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // New connections are refused once the listener is closed.
    assert!(TcpStream::connect(running.addr).await.is_err());
    // The requests in flight finish and are answered.
    let mut answers = Vec::new();
    for mut stream in in_flight {
        answers.push(tokio::spawn(async move {
            stream.write_all(&BODY.as_bytes()[half..]).await.unwrap();
            read_to_close(&mut stream).await
        }));
    }
    for answer in answers {
        let answer = tokio::time::timeout(BOUND, answer).await.unwrap().unwrap();
        let text = String::from_utf8_lossy(&answer);
        assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    }
    // The idle connection is closed, and the server returns without hanging.
    let closed = tokio::time::timeout(BOUND, read_to_close(&mut idle)).await;
    assert!(closed.is_ok_and(|rest| rest.is_empty()));
    let result = tokio::time::timeout(BOUND, running.task).await;
    assert!(matches!(result, Ok(Ok(Ok(())))), "{result:?}");
}

#[tokio::test]
async fn at_shutdown_a_body_still_dripping_is_cut_off_after_the_grace() {
    const GRACE: Duration = Duration::from_millis(300);
    // A request timeout far beyond the bound: only the shutdown grace can end the request.
    let mut running = start_with(Limits {
        timeout: Duration::from_secs(60),
        shutdown_body_grace: GRACE,
        ..Limits::default()
    })
    .await;
    let mut stream = TcpStream::connect(running.addr).await.unwrap();
    stream.write_all(head(BODY.len()).as_bytes()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let drip = tokio::spawn(async move {
        for byte in BODY.bytes() {
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stopped_at = Instant::now();
    running.stop.take().unwrap().send(()).unwrap();
    let answer = tokio::time::timeout(BOUND, read_to_close(&mut reader))
        .await
        .expect("the dripping request is answered within the bound");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("serve-shutting-down"), "{text}");
    let result = tokio::time::timeout(BOUND, running.task).await;
    assert!(matches!(result, Ok(Ok(Ok(())))), "{result:?}");
    let elapsed = stopped_at.elapsed();
    assert!(elapsed >= GRACE && elapsed < BOUND, "{elapsed:?}");
    drip.abort();
}
