//! Decoding the shared Dragoneye result fixtures gives exactly what the official Python SDK
//! produced (`*.expected.json`), and malformed payloads give a `DecodeError`, never a panic.
#![allow(clippy::print_stderr, reason = "tests report skipped fixtures")]

use std::io::{Cursor, Write};
use std::sync::Arc;

use dragoneye::models::{
    ClassificationPredictImageResponse, ClassificationPredictVideoResponse, ImageDetectedObject,
    VideoDetectedObject,
};
use dragoneye::results::{
    ResultsDecodeError, decode_frame_timestamps, decode_image_predictions, decode_image_results,
    decode_video_predictions, decode_video_results,
};
use parquet::column::writer::ColumnWriter;
use parquet::data_type::ByteArray;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use serde_json::Value;

const IMAGE_UUID: &str = "3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f";
const VIDEO_UUID: &str = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e";

/// Reads `shared/fixtures/dragoneye/<name>`; `None` (a logged skip) outside CI when missing.
fn fixture(name: &str) -> Option<Vec<u8>> {
    let path = vision_sdk_testkit::require_shared(
        &format!("fixtures/dragoneye/{name}"),
        &vision_sdk_testkit::current_test_name(),
    )?;
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display())))
}

/// Returns early from the test when the shared fixtures are not available (never in CI).
macro_rules! fixture_or_skip {
    ($name:expr) => {
        match fixture($name) {
            Some(bytes) => bytes,
            None => {
                eprintln!("shared fixture {} not found; skipping", $name);
                return;
            }
        }
    };
}

fn expected(name: &str) -> Value {
    let bytes = fixture(name).unwrap_or_else(|| panic!("{name} is missing beside its fixture"));
    serde_json::from_slice(&bytes).expect("expected JSON parses")
}

fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("models serialize")
}

#[test]
fn image_results_zip_matches_the_official_sdk() {
    let body = fixture_or_skip!("image_results.zip");
    let response =
        decode_image_results(&body, IMAGE_UUID, Some("houses.jpg".to_owned())).expect("decodes");
    let expected = expected("image_results.expected.json");
    assert_eq!(json(&response), expected);
    // The expected JSON also deserializes into the same models.
    let parsed: ClassificationPredictImageResponse =
        serde_json::from_value(expected).expect("expected JSON fits the models");
    assert_eq!(parsed, response);
}

#[test]
fn video_results_zip_matches_the_official_sdk() {
    let body = fixture_or_skip!("video_results.zip");
    let response = decode_video_results(&body, VIDEO_UUID, Some("intersection.mp4".to_owned()), 2)
        .expect("decodes");
    let expected = expected("video_results.expected.json");
    assert_eq!(json(&response), expected);
    let parsed: ClassificationPredictVideoResponse =
        serde_json::from_value(expected).expect("expected JSON fits the models");
    assert_eq!(parsed, response);

    // Spot checks of what the fixture is about.
    let light = &response.objects[0];
    assert_eq!(light.bbox_observations[2].timestamp_microseconds, 1_000_000);
    assert_eq!(light.bbox_observations[2].observation, None, "gap frame");
    assert_eq!(
        light.bbox_observations[0].observation.map(|o| o.bbox_score),
        Some(f64::from(0.91f32))
    );
    assert!(response.frame_timestamps_microseconds.is_sorted());
}

#[test]
fn video_results_without_frame_timestamps_match_the_official_sdk() {
    let body = fixture_or_skip!("video_results_no_frame_timestamps.zip");
    let response = decode_video_results(&body, VIDEO_UUID, Some("intersection.mp4".to_owned()), 2)
        .expect("decodes");
    assert!(response.frame_timestamps_microseconds.is_empty());
    assert_eq!(
        json(&response),
        expected("video_results_no_frame_timestamps.expected.json")
    );
}

#[test]
fn bare_parquet_members_match_the_official_sdk() {
    let image = fixture_or_skip!("image_predictions.parquet");
    let objects: Vec<ImageDetectedObject> = decode_image_predictions(&image).expect("image rows");
    assert_eq!(json(&objects), expected("image_predictions.expected.json"));

    let video = fixture_or_skip!("video_predictions.parquet");
    let objects: Vec<VideoDetectedObject> = decode_video_predictions(&video).expect("video rows");
    assert_eq!(json(&objects), expected("video_predictions.expected.json"));

    let frames = fixture_or_skip!("video_frame_timestamps.parquet");
    let timestamps = decode_frame_timestamps(&frames).expect("frame timestamps");
    assert_eq!(
        json(&timestamps),
        expected("video_frame_timestamps.expected.json")
    );
}

// ---------------------------------------------------------------------------------------------
// Malformed payloads

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in members {
        zip.start_file(*name, options).expect("start member");
        zip.write_all(data).expect("write member");
    }
    zip.finish().expect("finish zip").into_inner()
}

/// Values of one leaf column for [`parquet_of`].
enum Vals {
    I32(Vec<i32>),
    I64(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    Str(Vec<&'static str>),
}

/// One leaf column: definition levels, repetition levels (both empty when the column has none)
/// and the non-null values.
struct Col(Vec<i16>, Vec<i16>, Vals);

/// A leaf column of a flat schema: definition levels only (empty for a required column).
fn flat(def: &[i16], values: Vals) -> Col {
    Col(def.to_vec(), Vec::new(), values)
}

/// Writes a Parquet file with `schema` and one row group of `columns` (in schema order).
fn parquet_of(schema: &str, columns: Vec<Col>) -> Vec<u8> {
    let schema = Arc::new(parse_message_type(schema).expect("schema"));
    let props = Arc::new(WriterProperties::builder().build());
    let mut writer = SerializedFileWriter::new(Vec::new(), schema, props).expect("writer");
    let mut row_group = writer.next_row_group().expect("row group");
    for Col(def, rep, values) in columns {
        let mut column = row_group
            .next_column()
            .expect("column")
            .expect("schema has it");
        let def = (!def.is_empty()).then_some(def.as_slice());
        let rep = (!rep.is_empty()).then_some(rep.as_slice());
        let written = match (column.untyped(), values) {
            (ColumnWriter::Int32ColumnWriter(w), Vals::I32(v)) => w.write_batch(&v, def, rep),
            (ColumnWriter::Int64ColumnWriter(w), Vals::I64(v)) => w.write_batch(&v, def, rep),
            (ColumnWriter::FloatColumnWriter(w), Vals::F32(v)) => w.write_batch(&v, def, rep),
            (ColumnWriter::DoubleColumnWriter(w), Vals::F64(v)) => w.write_batch(&v, def, rep),
            (ColumnWriter::ByteArrayColumnWriter(w), Vals::Str(v)) => {
                let v: Vec<ByteArray> = v.into_iter().map(ByteArray::from).collect();
                w.write_batch(&v, def, rep)
            }
            _ => panic!("test column does not match its schema"),
        };
        written.expect("write column");
        column.close().expect("close column");
    }
    row_group.close().expect("close row group");
    writer.into_inner().expect("finish parquet")
}

#[test]
fn truncated_or_non_zip_bodies_are_invalid_zip() {
    let body = fixture_or_skip!("image_results.zip");
    for len in [0, 1, 4, 22, body.len() / 2, body.len() - 1] {
        let result = decode_image_results(&body[..len], IMAGE_UUID, None);
        assert!(
            matches!(result, Err(ResultsDecodeError::InvalidZip { .. })),
            "truncated to {len} bytes: {result:?}"
        );
    }
    // A raw Parquet body, as the 1.x API sent: not a ZIP.
    let parquet = fixture_or_skip!("video_predictions.parquet");
    let result = decode_video_results(&parquet, VIDEO_UUID, None, 2);
    assert!(
        matches!(result, Err(ResultsDecodeError::InvalidZip { .. })),
        "{result:?}"
    );
    let message = result.expect_err("error").to_string();
    assert!(message.contains("not a valid ZIP"), "{message}");
}

#[test]
fn zip_without_predictions_parquet_is_missing_member() {
    let frames = fixture_or_skip!("video_frame_timestamps.parquet");
    let body = zip_of(&[("frame_timestamps.parquet", &frames)]);
    match decode_video_results(&body, VIDEO_UUID, None, 2) {
        Err(ResultsDecodeError::MissingMember { member }) => {
            assert_eq!(member, "predictions.parquet")
        }
        other => panic!("expected MissingMember, got {other:?}"),
    }
    // A member in a sub-folder does not count (the SDK looks the exact name up).
    let predictions = fixture_or_skip!("image_predictions.parquet");
    let body = zip_of(&[("results/predictions.parquet", &predictions)]);
    assert!(matches!(
        decode_image_results(&body, IMAGE_UUID, None),
        Err(ResultsDecodeError::MissingMember { .. })
    ));
}

#[test]
fn corrupted_member_data_is_an_error() {
    // A flipped byte inside a STORED member fails the ZIP's CRC check.
    let body = fixture_or_skip!("image_results.zip");
    let parquet = fixture_or_skip!("image_predictions.parquet");
    let offset = body
        .windows(parquet.len())
        .position(|w| w == parquet.as_slice())
        .expect("the member is stored verbatim");
    let mut corrupt = body.clone();
    corrupt[offset + parquet.len() / 2] ^= 0x55;
    let result = decode_image_results(&corrupt, IMAGE_UUID, None);
    assert!(
        matches!(result, Err(ResultsDecodeError::ZipMember { .. })),
        "{result:?}"
    );
}

#[test]
fn garbage_parquet_is_invalid_parquet() {
    let body = zip_of(&[("predictions.parquet", b"PAR1 this is not parquet PAR1")]);
    match decode_image_results(&body, IMAGE_UUID, None) {
        Err(ResultsDecodeError::InvalidParquet { member, .. }) => {
            assert_eq!(member, "predictions.parquet");
        }
        other => panic!("expected InvalidParquet, got {other:?}"),
    }
    for garbage in [&b""[..], b"PAR1", b"garbage garbage garbage"] {
        assert!(matches!(
            decode_video_predictions(garbage),
            Err(ResultsDecodeError::InvalidParquet { .. })
        ));
    }
    // A broken frame_timestamps.parquet fails the video decode too.
    let predictions = fixture_or_skip!("video_predictions.parquet");
    let body = zip_of(&[
        ("predictions.parquet", &predictions),
        ("frame_timestamps.parquet", b"nope"),
    ]);
    match decode_video_results(&body, VIDEO_UUID, None, 2) {
        Err(ResultsDecodeError::InvalidParquet { member, .. }) => {
            assert_eq!(member, "frame_timestamps.parquet");
        }
        other => panic!("expected InvalidParquet, got {other:?}"),
    }
}

#[test]
fn wrong_column_type_is_reported_with_its_column() {
    // `object_id` as a string instead of an integer.
    let parquet = parquet_of(
        "message schema { optional binary object_id (STRING); }",
        vec![flat(&[1], Vals::Str(vec!["1"]))],
    );
    match decode_image_predictions(&parquet) {
        Err(ResultsDecodeError::UnexpectedColumnType {
            member,
            column,
            found,
            ..
        }) => {
            assert_eq!(member, "predictions.parquet");
            assert_eq!(column, "object_id");
            assert!(found.contains("BYTE_ARRAY"), "{found}");
        }
        other => panic!("expected UnexpectedColumnType, got {other:?}"),
    }
    // A list column that is a plain integer.
    let parquet = parquet_of(
        "message schema { optional int64 object_id; optional int64 bbox_observations; }",
        vec![
            flat(&[1], Vals::I64(vec![1])),
            flat(&[1], Vals::I64(vec![2])),
        ],
    );
    match decode_image_predictions(&parquet) {
        Err(ResultsDecodeError::UnexpectedColumnType { column, .. }) => {
            assert_eq!(column, "bbox_observations");
        }
        other => panic!("expected UnexpectedColumnType, got {other:?}"),
    }
    // Frame timestamps as strings.
    let parquet = parquet_of(
        "message schema { optional binary timestamp_microseconds (STRING); }",
        vec![flat(&[1], Vals::Str(vec!["0"]))],
    );
    let body = zip_of(&[
        (
            "predictions.parquet",
            &fixture_or_skip!("video_predictions.parquet"),
        ),
        ("frame_timestamps.parquet", &parquet),
    ]);
    match decode_video_results(&body, VIDEO_UUID, None, 2) {
        Err(ResultsDecodeError::UnexpectedColumnType { member, column, .. }) => {
            assert_eq!(member, "frame_timestamps.parquet");
            assert_eq!(column, "timestamp_microseconds");
        }
        other => panic!("expected UnexpectedColumnType, got {other:?}"),
    }
}

#[test]
fn missing_column_and_null_values_are_errors() {
    let parquet = parquet_of(
        "message schema { optional int64 object_id; }",
        vec![flat(&[1], Vals::I64(vec![1]))],
    );
    match decode_video_predictions(&parquet) {
        Err(ResultsDecodeError::MissingColumn { column, .. }) => {
            assert_eq!(column, "timestamp_ranges")
        }
        other => panic!("expected MissingColumn, got {other:?}"),
    }

    // A null timestamp in frame_timestamps.parquet (the SDK's `int(None)` fails).
    let parquet = parquet_of(
        "message schema { optional binary image_id (STRING); optional int64 timestamp_microseconds; }",
        vec![
            flat(&[1, 1, 1], Vals::Str(vec!["a", "b", "c"])),
            flat(&[1, 0, 1], Vals::I64(vec![5, 3])),
        ],
    );
    match decode_frame_timestamps(&parquet) {
        Err(ResultsDecodeError::NullValue { column, row, .. }) => {
            assert_eq!(column, "timestamp_microseconds");
            assert_eq!(row, 1);
        }
        other => panic!("expected NullValue, got {other:?}"),
    }

    // Required (non-nullable) columns, INT64 without definition levels, are accepted.
    let parquet = parquet_of(
        "message schema { required binary image_id (STRING); required int64 timestamp_microseconds; }",
        vec![
            flat(&[], Vals::Str(vec!["a", "b", "c"])),
            flat(&[], Vals::I64(vec![5, -3, 4])),
        ],
    );
    assert_eq!(
        decode_frame_timestamps(&parquet).expect("decodes"),
        vec![-3, 4, 5]
    );
}

/// A `predictions.parquet` written differently from polars: legacy 2-level lists (a primitive
/// repeated element, an `array` group, a multi-field repeated group), required fields, INT32
/// ids, DOUBLE scores and bbox values, and a `UTF8`-annotated string.
const TOLERANT_SCHEMA: &str = "
message schema {
  required int32 object_id;
  optional group timestamp_ranges (LIST) {
    repeated group array {
      required int64 timestamp_start_us_inclusive;
      required int64 timestamp_end_us_inclusive;
    }
  }
  required group bbox_observations (LIST) {
    repeated group list {
      required group element {
        required int64 timestamp_microseconds;
        optional group normalized_bbox (LIST) {
          repeated double element;
        }
        optional double bbox_score;
      }
    }
  }
  optional group categories (LIST) {
    repeated group list {
      required group element {
        required int64 category_id;
        required binary name (UTF8);
        required double score;
        optional group attributes (LIST) {
          repeated group attributes_tuple {
            required int64 attribute_id;
            required binary attribute_name (UTF8);
            required int64 option_id;
            required binary option_name (UTF8);
            optional group timestamp_ranges (LIST) {
              repeated group list {
                required group element {
                  required int64 timestamp_start_us_inclusive;
                  required int64 timestamp_end_us_inclusive;
                  required float score;
                }
              }
            }
          }
        }
      }
    }
  }
}
";

#[test]
fn other_writers_layouts_decode_the_same() {
    // Row 0: object 5, one range, a detected frame then a gap frame, one category with one
    // attribute. Row 1: object 6, null ranges, one detected frame, null categories.
    let parquet = parquet_of(
        TOLERANT_SCHEMA,
        vec![
            Col(vec![], vec![], Vals::I32(vec![5, 6])),
            Col(vec![2, 0], vec![0, 0], Vals::I64(vec![0])),
            Col(vec![2, 0], vec![0, 0], Vals::I64(vec![10])),
            Col(vec![1, 1, 1], vec![0, 1, 0], Vals::I64(vec![0, 10, 0])),
            Col(
                vec![3, 3, 3, 3, 1, 3, 3, 3, 3],
                vec![0, 2, 2, 2, 1, 0, 2, 2, 2],
                Vals::F64(vec![0.5, 0.25, 0.75, 1.0, 0.0, 0.0, 1.0, 1.0]),
            ),
            Col(vec![2, 1, 2], vec![0, 1, 0], Vals::F64(vec![0.5, 1.0])),
            Col(vec![2, 0], vec![0, 0], Vals::I64(vec![1])),
            Col(vec![2, 0], vec![0, 0], Vals::Str(vec!["Car"])),
            Col(vec![2, 0], vec![0, 0], Vals::F64(vec![0.5])),
            Col(vec![4, 0], vec![0, 0], Vals::I64(vec![9])),
            Col(vec![4, 0], vec![0, 0], Vals::Str(vec!["Color"])),
            Col(vec![4, 0], vec![0, 0], Vals::I64(vec![3])),
            Col(vec![4, 0], vec![0, 0], Vals::Str(vec!["Red"])),
            Col(vec![6, 0], vec![0, 0], Vals::I64(vec![0])),
            Col(vec![6, 0], vec![0, 0], Vals::I64(vec![10])),
            Col(vec![6, 0], vec![0, 0], Vals::F32(vec![0.1])),
        ],
    );
    let video = decode_video_predictions(&parquet).expect("decodes");
    assert_eq!(
        json(&video),
        serde_json::json!([
            {
                "object_id": 5,
                "timestamp_ranges": [
                    {"timestamp_start_us_inclusive": 0, "timestamp_end_us_inclusive": 10}
                ],
                "bbox_observations": [
                    {
                        "timestamp_microseconds": 0,
                        "observation": {"normalized_bbox": [0.5, 0.25, 0.75, 1.0], "bbox_score": 0.5}
                    },
                    {"timestamp_microseconds": 10, "observation": null}
                ],
                "categories": [{
                    "category_id": 1, "name": "Car", "score": 0.5,
                    "attributes": [{
                        "attribute_id": 9, "attribute_name": "Color",
                        "option_id": 3, "option_name": "Red",
                        "timestamp_ranges": [{
                            "timestamp_start_us_inclusive": 0,
                            "timestamp_end_us_inclusive": 10,
                            "score": f64::from(0.1f32)
                        }]
                    }]
                }]
            },
            {
                "object_id": 6,
                "timestamp_ranges": [],
                "bbox_observations": [{
                    "timestamp_microseconds": 0,
                    "observation": {"normalized_bbox": [0.0, 0.0, 1.0, 1.0], "bbox_score": 1.0}
                }],
                "categories": []
            }
        ])
    );
    let image = decode_image_predictions(&parquet).expect("decodes as image");
    assert_eq!(image.len(), 2);
    assert_eq!(
        image[0].bbox_observation.normalized_bbox,
        [0.5, 0.25, 0.75, 1.0]
    );
    assert_eq!(
        image[0].categories[0].attributes[0].score,
        f64::from(0.1f32)
    );
    assert!(image[1].categories.is_empty());
}

#[test]
fn damaged_parquet_never_panics() {
    // Flip bytes all over each fixture member: decoding must return (Ok or Err), not panic.
    for name in [
        "image_predictions.parquet",
        "video_predictions.parquet",
        "video_frame_timestamps.parquet",
    ] {
        let original = fixture_or_skip!(name);
        let step = (original.len() / 200).max(1);
        let mut errors = 0usize;
        for i in (0..original.len()).step_by(step) {
            for mask in [0x01u8, 0xFF] {
                let mut damaged = original.clone();
                damaged[i] ^= mask;
                let ok = decode_video_predictions(&damaged).is_ok();
                let ok = decode_image_predictions(&damaged).is_ok() && ok;
                let ok = decode_frame_timestamps(&damaged).is_ok() || ok;
                errors += usize::from(!ok);
            }
        }
        assert!(errors > 0, "{name}: some damage must be detected");
        // Truncations.
        for len in (0..original.len()).step_by(step) {
            assert!(decode_video_predictions(&original[..len]).is_err());
        }
    }
}
