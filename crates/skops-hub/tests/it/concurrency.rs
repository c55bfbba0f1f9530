//! Concurrent commits to one repository: without `parentCommit` they all land, one after the
//! other; with the same `parentCommit` exactly one lands and the others get a 412. None is lost.

use skops_hub::Limits;

use crate::support::{ndjson, start};

const WRITERS: usize = 6;

#[test]
fn concurrent_commits_all_land_in_history() {
    let server = start(Limits::default());
    server.create("iris", false);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|i| {
                let server = &server;
                scope.spawn(move || {
                    let path = format!("file-{i}.txt");
                    server.commit("iris", &ndjson(None, &[(&path, path.as_bytes())]))
                })
            })
            .collect();
        for handle in handles {
            let response = handle.join().unwrap();
            assert_eq!(
                response.status,
                200,
                "{}",
                String::from_utf8_lossy(&response.body)
            );
        }
    });
    let tree = server.get("/api/models/alice/iris/tree/main", None).json();
    assert_eq!(tree.as_array().unwrap().len(), WRITERS);
    let history = server
        .get("/api/models/alice/iris/commits/main", None)
        .json();
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), WRITERS + 1);
    // Each commit's parent is the next one in the list: one line of history.
    for pair in history.windows(2) {
        assert_eq!(pair[0]["parents"][0], pair[1]["id"]);
    }
}

#[test]
fn commits_on_the_same_parent_conflict_instead_of_overwriting() {
    let server = start(Limits::default());
    server.create("iris", false);
    let parent = server.head("iris");
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|i| {
                let (server, parent) = (&server, &parent);
                scope.spawn(move || {
                    let path = format!("file-{i}.txt");
                    server
                        .commit("iris", &ndjson(Some(parent), &[(&path, b"x")]))
                        .status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|&&s| s == 412).count(), WRITERS - 1);
    let tree = server.get("/api/models/alice/iris/tree/main", None).json();
    assert_eq!(tree.as_array().unwrap().len(), 1);
}
