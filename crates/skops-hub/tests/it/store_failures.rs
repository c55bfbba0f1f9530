//! A store damaged under the hub, or one it cannot open: the store's own kinds (a 500 for a
//! request, the only server-side errors), never a wrong answer.

use skops_hub::Limits;

use crate::support::start;

#[test]
fn a_repository_record_that_is_not_what_the_hub_wrote_is_store_corrupt() {
    let server = start(Limits::default());
    server.create("iris", false);
    let record = server.dir.path().join("repos/model/alice/iris/repo.json");
    assert!(record.is_file());
    std::fs::write(&record, b"{not json").unwrap();
    let info = server.get("/api/models/alice/iris", Some(&server.write));
    assert_eq!((info.status, info.kind().as_str()), (500, "store-corrupt"));
}

#[test]
fn a_repository_record_the_store_cannot_read_is_store_io() {
    let server = start(Limits::default());
    server.create("iris", false);
    let record = server.dir.path().join("repos/model/alice/iris/repo.json");
    std::fs::remove_file(&record).unwrap();
    std::fs::create_dir(&record).unwrap();
    let info = server.get("/api/models/alice/iris", Some(&server.write));
    assert_eq!((info.status, info.kind().as_str()), (500, "store-io"));
}

#[test]
fn a_location_of_another_scheme_is_store_location() {
    let error = skops_hub::store::open("ftp://example.invalid/models")
        .err()
        .expect("an ftp location must be refused");
    assert_eq!(error.kind(), "store-location");
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().display());
    assert!(skops_hub::store::open(&url).is_ok());
}
