//! `Dataset::export_to`: export → poll → download → unpack per split, against wiremock; split
//! selection, a local archive without requests, a corrupt archive, a zip-slip member.

mod support;

use std::io::{Cursor, Write};

use clarifai::{Error, ExportOptions};
use serde_json::json;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A ZIP with the given members (`(name, contents)`), deflated.
fn zip_of(members: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, contents) in members {
        zip.start_file(*name, options).unwrap();
        zip.write_all(contents.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn archive() -> Vec<u8> {
    zip_of(&[
        ("mimetype", "application/x.clarifai-data+json"),
        ("train/batch-0.json", r#"{"inputs":[{"id":"a"}]}"#),
        ("train/batch-1.json", r#"{"inputs":[{"id":"b"}]}"#),
        ("test/batch-0.json", r#"{"inputs":[{"id":"c"}]}"#),
    ])
}

/// A server whose first export answer is ready and whose archive URL serves `bytes`.
async fn server_with(bytes: Vec<u8>) -> MockServer {
    let server = MockServer::start().await;
    let url = format!("{}/archives/export.zip", server.uri());
    Mock::given(method("PUT"))
        .and(path_regex(r"/datasets/pets/versions/v1/exports$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": {"code": 10000},
            "exports": [{"format": 3, "status": {"code": 64200}, "url": url}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/archives/export.zip"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes))
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn export_polls_downloads_and_unpacks_every_split() {
    let server = server_with(archive()).await;
    let dir = tempfile::tempdir().unwrap();
    let dataset = support::client(&server).dataset("pets").version("v1");
    let written = dataset
        .export_to(dir.path(), ExportOptions::default())
        .await
        .unwrap();

    assert_eq!(written.splits.keys().collect::<Vec<_>>(), ["test", "train"]);
    assert_eq!(written.splits["train"].len(), 2);
    assert_eq!(written.files().count(), 3);
    let train1 = std::fs::read_to_string(dir.path().join("train/batch-1.json")).unwrap();
    assert_eq!(train1, r#"{"inputs":[{"id":"b"}]}"#);
    assert!(dir.path().join("test/batch-0.json").is_file());
    // The format marker is read by the SDK, not written out.
    assert!(!dir.path().join("mimetype").exists());
    // The JSON export format (3) was asked for.
    let put = &server.received_requests().await.unwrap()[0];
    let body: serde_json::Value = serde_json::from_slice(&put.body).unwrap();
    assert_eq!(body["exports"][0]["format"], 3, "{body}");
}

#[tokio::test]
async fn split_selects_one_top_folder() {
    let server = server_with(archive()).await;
    let dir = tempfile::tempdir().unwrap();
    let dataset = support::client(&server).dataset("pets").version("v1");
    let written = dataset
        .export_to(dir.path(), ExportOptions::default().split("test"))
        .await
        .unwrap();
    assert_eq!(written.splits.keys().collect::<Vec<_>>(), ["test"]);
    assert!(dir.path().join("test/batch-0.json").is_file());
    assert!(!dir.path().join("train").exists());
}

#[tokio::test]
async fn split_all_and_missing_split() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("export.zip");
    std::fs::write(&local, archive()).unwrap();
    let dataset = support::client(&server).dataset("pets").version("v1");
    let all = dataset
        .export_to(
            dir.path().join("out"),
            ExportOptions::default()
                .split(clarifai::ALL_SPLITS)
                .local_archive_path(&local),
        )
        .await
        .unwrap();
    assert_eq!(all.files().count(), 3);
    let err = dataset
        .export_to(
            dir.path().join("none"),
            ExportOptions::default()
                .split("valid")
                .local_archive_path(&local),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("valid") && m.contains("train")),
        "{err}"
    );
    assert!(!dir.path().join("none").exists());
}

#[tokio::test]
async fn local_archive_is_unpacked_without_requests() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("clarifai-data.zip");
    std::fs::write(&local, archive()).unwrap();
    // No version pinned: a local archive needs none.
    let dataset = support::client(&server).dataset("pets");
    let written = dataset
        .export_to(
            dir.path().join("out"),
            ExportOptions::default().local_archive_path(&local),
        )
        .await
        .unwrap();
    assert_eq!(written.splits["train"].len(), 2);
    assert!(dir.path().join("out/train/batch-0.json").is_file());
    assert!(server.received_requests().await.unwrap().is_empty());

    let missing = dataset
        .export_to(
            dir.path().join("out2"),
            ExportOptions::default().local_archive_path(dir.path().join("absent.zip")),
        )
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::Io { .. }), "{missing}");
}

#[tokio::test]
async fn corrupt_archive_is_a_typed_error() {
    let server = server_with(b"PK\x03\x04 this is not a zip".to_vec()).await;
    let dir = tempfile::tempdir().unwrap();
    let dataset = support::client(&server).dataset("pets").version("v1");
    let err = dataset
        .export_to(dir.path().join("out"), ExportOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::CorruptArchive { .. }), "{err}");
    assert!(!dir.path().join("out").exists());

    // A valid ZIP whose member is cut short.
    let mut truncated = archive();
    truncated.truncate(truncated.len() / 2);
    let local = dir.path().join("cut.zip");
    std::fs::write(&local, truncated).unwrap();
    let err = dataset
        .export_to(
            dir.path().join("out"),
            ExportOptions::default().local_archive_path(&local),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::CorruptArchive { .. }), "{err}");
}

#[tokio::test]
async fn zip_slip_member_is_rejected_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    let dataset = support::client(&server).dataset("pets");
    for evil in [
        "../escaped.json",
        "train/../../escaped.json",
        "/abs/escaped.json",
    ] {
        let local = dir.path().join("evil.zip");
        std::fs::write(&local, zip_of(&[("train/ok.json", "{}"), (evil, "{}")])).unwrap();
        let out = dir.path().join("out");
        let err = dataset
            .export_to(&out, ExportOptions::default().local_archive_path(&local))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::UnsafeArchivePath { member } if member == evil),
            "{err}"
        );
        assert!(!out.exists(), "nothing written for {evil}");
        assert!(!dir.path().join("escaped.json").exists());
    }
}
