//! Writer of the results payload: the inverse of the decoder, for the fake server in tests and
//! demos (feature `testing`).
//!
//! It produces what the Dragoneye server sends: a ZIP (STORED by default) holding
//! `predictions.parquet` and, for video, `frame_timestamps.parquet`, both ZSTD-compressed with
//! the schema of `dragoneye.md` §3.1 (all fields optional, 3-level lists, `FLOAT` scores and
//! bbox values, `INT64` ids and timestamps, `BYTE_ARRAY (String)` names).
//!
//! Scores are stored as `f32` like the server does (`value as f32`), so models that came from a
//! decoded payload encode and decode back to themselves exactly.

use std::io::{Cursor, Write};
use std::sync::Arc;

use parquet::basic::{Compression, ZstdLevel};
use parquet::column::writer::ColumnWriter;
use parquet::data_type::ByteArray;
use parquet::file::properties::{WriterProperties, WriterPropertiesPtr};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use super::{BoxError, FRAME_TIMESTAMPS_MEMBER, PREDICTIONS_MEMBER};
use crate::models::{
    ImageDetectedObject, ScoredTimestampRange, TimestampRange, VideoAttributePrediction,
    VideoBboxObservation, VideoCategoryPrediction, VideoDetectedObject,
};

/// Why a results payload could not be written (a Parquet or ZIP writer error).
#[derive(Debug, thiserror::Error)]
#[error("cannot encode results payload: {0}")]
pub struct EncodeError(#[source] BoxError);

impl EncodeError {
    fn new(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(Box::new(e))
    }
}

/// How the members of the results ZIP are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MemberCompression {
    /// No compression, as the Dragoneye server does (the Parquet data is already compressed).
    #[default]
    Stored,
    /// DEFLATE, which a server or proxy could use; the decoder accepts it too.
    Deflated,
}

/// The Parquet schema of `predictions.parquet`, as polars writes it.
const PREDICTIONS_SCHEMA: &str = "
message schema {
  optional int64 object_id;
  optional group timestamp_ranges (LIST) {
    repeated group list {
      optional group element {
        optional int64 timestamp_start_us_inclusive;
        optional int64 timestamp_end_us_inclusive;
      }
    }
  }
  optional group bbox_observations (LIST) {
    repeated group list {
      optional group element {
        optional int64 timestamp_microseconds;
        optional group normalized_bbox (LIST) {
          repeated group list {
            optional float element;
          }
        }
        optional float bbox_score;
      }
    }
  }
  optional group categories (LIST) {
    repeated group list {
      optional group element {
        optional int64 category_id;
        optional binary name (STRING);
        optional float score;
        optional group attributes (LIST) {
          repeated group list {
            optional group element {
              optional int64 attribute_id;
              optional binary attribute_name (STRING);
              optional int64 option_id;
              optional binary option_name (STRING);
              optional group timestamp_ranges (LIST) {
                repeated group list {
                  optional group element {
                    optional int64 timestamp_start_us_inclusive;
                    optional int64 timestamp_end_us_inclusive;
                    optional float score;
                  }
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

/// The Parquet schema of `frame_timestamps.parquet`.
const FRAME_TIMESTAMPS_SCHEMA: &str = "
message schema {
  optional binary image_id (STRING);
  optional int64 timestamp_microseconds;
}
";

/// Levels and non-null values of one leaf column.
#[derive(Debug)]
struct Leaf<T> {
    def: Vec<i16>,
    rep: Vec<i16>,
    values: Vec<T>,
}

impl<T> Default for Leaf<T> {
    fn default() -> Self {
        Self {
            def: Vec::new(),
            rep: Vec::new(),
            values: Vec::new(),
        }
    }
}

impl<T> Leaf<T> {
    fn value(&mut self, def: i16, rep: i16, value: T) {
        self.def.push(def);
        self.rep.push(rep);
        self.values.push(value);
    }

    fn null(&mut self, def: i16, rep: i16) {
        self.def.push(def);
        self.rep.push(rep);
    }
}

/// A leaf column of any supported type, in schema order.
#[derive(Debug)]
enum AnyLeaf {
    Int(Leaf<i64>),
    Float(Leaf<f32>),
    Str(Leaf<ByteArray>),
}

/// Repetition level of element `i` of a list whose repetition level is `list_rep`, inside a
/// parent entry that started with repetition level `first`.
fn rep_of(i: usize, first: i16, list_rep: i16) -> i16 {
    if i == 0 { first } else { list_rep }
}

/// The 16 leaf columns of `predictions.parquet` (levels per the polars schema above: every
/// node optional, so each list adds 3 definition levels and 1 repetition level).
#[derive(Debug, Default)]
struct PredictionLeaves {
    object_id: Leaf<i64>,
    range_start: Leaf<i64>,
    range_end: Leaf<i64>,
    obs_ts: Leaf<i64>,
    obs_bbox: Leaf<f32>,
    obs_score: Leaf<f32>,
    cat_id: Leaf<i64>,
    cat_name: Leaf<ByteArray>,
    cat_score: Leaf<f32>,
    attr_id: Leaf<i64>,
    attr_name: Leaf<ByteArray>,
    opt_id: Leaf<i64>,
    opt_name: Leaf<ByteArray>,
    attr_start: Leaf<i64>,
    attr_end: Leaf<i64>,
    attr_score: Leaf<f32>,
}

impl PredictionLeaves {
    fn push(&mut self, obj: &VideoDetectedObject) {
        self.object_id.value(1, 0, obj.object_id);

        if obj.timestamp_ranges.is_empty() {
            self.range_start.null(1, 0);
            self.range_end.null(1, 0);
        }
        for (i, r) in obj.timestamp_ranges.iter().enumerate() {
            let rep = rep_of(i, 0, 1);
            self.range_start
                .value(4, rep, r.timestamp_start_us_inclusive);
            self.range_end.value(4, rep, r.timestamp_end_us_inclusive);
        }

        if obj.bbox_observations.is_empty() {
            self.obs_ts.null(1, 0);
            self.obs_bbox.null(1, 0);
            self.obs_score.null(1, 0);
        }
        for (i, o) in obj.bbox_observations.iter().enumerate() {
            let rep = rep_of(i, 0, 1);
            self.obs_ts.value(4, rep, o.timestamp_microseconds);
            match &o.observation {
                // Gap frame: the struct is there, `normalized_bbox` and `bbox_score` are null.
                None => {
                    self.obs_bbox.null(3, rep);
                    self.obs_score.null(3, rep);
                }
                Some(b) => {
                    for (j, &x) in b.normalized_bbox.iter().enumerate() {
                        self.obs_bbox.value(6, rep_of(j, rep, 2), x as f32);
                    }
                    self.obs_score.value(4, rep, b.bbox_score as f32);
                }
            }
        }

        if obj.categories.is_empty() {
            self.cat_id.null(1, 0);
            self.cat_name.null(1, 0);
            self.cat_score.null(1, 0);
            self.null_attributes(1, 0);
        }
        for (i, c) in obj.categories.iter().enumerate() {
            let rep = rep_of(i, 0, 1);
            self.cat_id.value(4, rep, c.category_id);
            self.cat_name
                .value(4, rep, ByteArray::from(c.name.as_bytes().to_vec()));
            self.cat_score.value(4, rep, c.score as f32);
            if c.attributes.is_empty() {
                self.null_attributes(4, rep);
            }
            for (j, a) in c.attributes.iter().enumerate() {
                let rep = rep_of(j, rep, 2);
                self.attr_id.value(7, rep, a.attribute_id);
                self.attr_name.value(
                    7,
                    rep,
                    ByteArray::from(a.attribute_name.as_bytes().to_vec()),
                );
                self.opt_id.value(7, rep, a.option_id);
                self.opt_name
                    .value(7, rep, ByteArray::from(a.option_name.as_bytes().to_vec()));
                if a.timestamp_ranges.is_empty() {
                    self.attr_start.null(7, rep);
                    self.attr_end.null(7, rep);
                    self.attr_score.null(7, rep);
                }
                for (k, r) in a.timestamp_ranges.iter().enumerate() {
                    let rep = rep_of(k, rep, 3);
                    self.attr_start
                        .value(10, rep, r.timestamp_start_us_inclusive);
                    self.attr_end.value(10, rep, r.timestamp_end_us_inclusive);
                    self.attr_score.value(10, rep, r.score as f32);
                }
            }
        }
    }

    /// An empty or null `attributes` list at definition level `def`.
    fn null_attributes(&mut self, def: i16, rep: i16) {
        self.attr_id.null(def, rep);
        self.attr_name.null(def, rep);
        self.opt_id.null(def, rep);
        self.opt_name.null(def, rep);
        self.attr_start.null(def, rep);
        self.attr_end.null(def, rep);
        self.attr_score.null(def, rep);
    }

    fn into_columns(self) -> Vec<AnyLeaf> {
        vec![
            AnyLeaf::Int(self.object_id),
            AnyLeaf::Int(self.range_start),
            AnyLeaf::Int(self.range_end),
            AnyLeaf::Int(self.obs_ts),
            AnyLeaf::Float(self.obs_bbox),
            AnyLeaf::Float(self.obs_score),
            AnyLeaf::Int(self.cat_id),
            AnyLeaf::Str(self.cat_name),
            AnyLeaf::Float(self.cat_score),
            AnyLeaf::Int(self.attr_id),
            AnyLeaf::Str(self.attr_name),
            AnyLeaf::Int(self.opt_id),
            AnyLeaf::Str(self.opt_name),
            AnyLeaf::Int(self.attr_start),
            AnyLeaf::Int(self.attr_end),
            AnyLeaf::Float(self.attr_score),
        ]
    }
}

fn default_properties() -> WriterPropertiesPtr {
    Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .build(),
    )
}

fn write_batch<T: parquet::data_type::DataType>(
    writer: &mut parquet::column::writer::ColumnWriterImpl<'_, T>,
    leaf: &Leaf<T::T>,
) -> Result<(), EncodeError> {
    writer
        .write_batch(&leaf.values, Some(&leaf.def), Some(&leaf.rep))
        .map(|_| ())
        .map_err(EncodeError::new)
}

/// Writes a Parquet file with `schema`; each element of `row_groups` holds the leaf columns of
/// one row group, in schema order.
fn write_parquet(
    schema: &str,
    row_groups: Vec<Vec<AnyLeaf>>,
    properties: WriterPropertiesPtr,
) -> Result<Vec<u8>, EncodeError> {
    let schema = Arc::new(parse_message_type(schema).map_err(EncodeError::new)?);
    let mut writer =
        SerializedFileWriter::new(Vec::new(), schema, properties).map_err(EncodeError::new)?;
    for columns in row_groups {
        let mut row_group = writer.next_row_group().map_err(EncodeError::new)?;
        for leaf in columns {
            let Some(mut column) = row_group.next_column().map_err(EncodeError::new)? else {
                return Err(EncodeError::new(std::io::Error::other(
                    "more leaf columns than the schema has",
                )));
            };
            match (column.untyped(), &leaf) {
                (ColumnWriter::Int64ColumnWriter(w), AnyLeaf::Int(l)) => write_batch(w, l)?,
                (ColumnWriter::FloatColumnWriter(w), AnyLeaf::Float(l)) => write_batch(w, l)?,
                (ColumnWriter::ByteArrayColumnWriter(w), AnyLeaf::Str(l)) => write_batch(w, l)?,
                _ => {
                    return Err(EncodeError::new(std::io::Error::other(
                        "leaf column type does not match the schema",
                    )));
                }
            }
            column.close().map_err(EncodeError::new)?;
        }
        row_group.close().map_err(EncodeError::new)?;
    }
    writer.into_inner().map_err(EncodeError::new)
}

/// Writes `predictions.parquet` for video objects, `rows_per_group` rows per row group.
pub(crate) fn video_predictions_with(
    objects: &[VideoDetectedObject],
    rows_per_group: usize,
    properties: WriterPropertiesPtr,
) -> Result<Vec<u8>, EncodeError> {
    let row_groups = objects
        .chunks(rows_per_group.max(1))
        .map(|chunk| {
            let mut leaves = PredictionLeaves::default();
            for obj in chunk {
                leaves.push(obj);
            }
            leaves.into_columns()
        })
        .collect();
    write_parquet(PREDICTIONS_SCHEMA, row_groups, properties)
}

/// The row an image object is stored as: every timestamp 0, one observation, and each
/// attribute's score as a single scored range `[0, 0]`.
fn image_as_row(obj: &ImageDetectedObject) -> VideoDetectedObject {
    let zero = TimestampRange {
        timestamp_start_us_inclusive: 0,
        timestamp_end_us_inclusive: 0,
    };
    VideoDetectedObject {
        object_id: obj.object_id,
        timestamp_ranges: vec![zero],
        bbox_observations: vec![VideoBboxObservation {
            timestamp_microseconds: 0,
            observation: Some(obj.bbox_observation),
        }],
        categories: obj
            .categories
            .iter()
            .map(|c| VideoCategoryPrediction {
                category_id: c.category_id,
                name: c.name.clone(),
                score: c.score,
                attributes: c
                    .attributes
                    .iter()
                    .map(|a| VideoAttributePrediction {
                        attribute_id: a.attribute_id,
                        attribute_name: a.attribute_name.clone(),
                        option_id: a.option_id,
                        option_name: a.option_name.clone(),
                        timestamp_ranges: vec![ScoredTimestampRange {
                            timestamp_start_us_inclusive: 0,
                            timestamp_end_us_inclusive: 0,
                            score: a.score,
                        }],
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Writes the `predictions.parquet` of an image task (one row per object, all timestamps 0).
pub fn encode_image_predictions(objects: &[ImageDetectedObject]) -> Result<Vec<u8>, EncodeError> {
    let rows: Vec<VideoDetectedObject> = objects.iter().map(image_as_row).collect();
    encode_video_predictions(&rows)
}

/// Writes the `predictions.parquet` of a video task (one row per tracked object).
pub fn encode_video_predictions(objects: &[VideoDetectedObject]) -> Result<Vec<u8>, EncodeError> {
    video_predictions_with(objects, usize::MAX, default_properties())
}

/// Writes `frame_timestamps.parquet` with the timestamps in the given order (the server does
/// not sort them); `image_id` is the frame's index as a string.
pub fn encode_frame_timestamps(timestamps_microseconds: &[i64]) -> Result<Vec<u8>, EncodeError> {
    let mut image_id = Leaf::<ByteArray>::default();
    let mut ts = Leaf::<i64>::default();
    for (i, &t) in timestamps_microseconds.iter().enumerate() {
        image_id.value(1, 0, ByteArray::from(i.to_string().into_bytes()));
        ts.value(1, 0, t);
    }
    let row_groups = if timestamps_microseconds.is_empty() {
        Vec::new()
    } else {
        vec![vec![AnyLeaf::Str(image_id), AnyLeaf::Int(ts)]]
    };
    write_parquet(FRAME_TIMESTAMPS_SCHEMA, row_groups, default_properties())
}

/// Packs `members` (name, content) into a ZIP archive, in the given order.
pub fn encode_archive(
    members: &[(&str, &[u8])],
    compression: MemberCompression,
) -> Result<Vec<u8>, EncodeError> {
    let method = match compression {
        MemberCompression::Stored => zip::CompressionMethod::Stored,
        MemberCompression::Deflated => zip::CompressionMethod::Deflated,
    };
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(method)
        .large_file(false);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in members {
        zip.start_file(*name, options).map_err(EncodeError::new)?;
        zip.write_all(data).map_err(EncodeError::new)?;
    }
    Ok(zip.finish().map_err(EncodeError::new)?.into_inner())
}

/// Writes the results body of an image task: a STORED ZIP with `predictions.parquet`.
pub fn encode_image_results(objects: &[ImageDetectedObject]) -> Result<Vec<u8>, EncodeError> {
    let predictions = encode_image_predictions(objects)?;
    encode_archive(
        &[(PREDICTIONS_MEMBER, &predictions)],
        MemberCompression::Stored,
    )
}

/// Writes the results body of a video task: a STORED ZIP with `predictions.parquet` and, unless
/// `frame_timestamps_microseconds` is `None`, `frame_timestamps.parquet`.
pub fn encode_video_results(
    objects: &[VideoDetectedObject],
    frame_timestamps_microseconds: Option<&[i64]>,
) -> Result<Vec<u8>, EncodeError> {
    let predictions = encode_video_predictions(objects)?;
    let frames = frame_timestamps_microseconds
        .map(encode_frame_timestamps)
        .transpose()?;
    let mut members: Vec<(&str, &[u8])> = vec![(PREDICTIONS_MEMBER, &predictions)];
    if let Some(frames) = &frames {
        members.push((FRAME_TIMESTAMPS_MEMBER, frames));
    }
    encode_archive(&members, MemberCompression::Stored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{
        BboxObservation, ClassificationPredictImageResponse, ClassificationPredictVideoResponse,
        ImageAttributePrediction, ImageCategoryPrediction,
    };
    use crate::results::{
        ResultsDecodeError, decode_frame_timestamps, decode_image_predictions,
        decode_image_results, decode_video_predictions, decode_video_results,
    };

    fn fixture(name: &str) -> Option<Vec<u8>> {
        let path = vision_sdk_testkit::require_shared(
            &format!("fixtures/dragoneye/{name}"),
            &vision_sdk_testkit::current_test_name(),
        )?;
        Some(std::fs::read(path).expect("read fixture"))
    }

    /// A deterministic pseudo-random generator (xorshift), so the synthetic data is reproducible.
    #[derive(Debug)]
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        /// An `f32`-representable score in [0, 1), widened like decoded values are.
        fn score(&mut self) -> f64 {
            f64::from((self.below(1 << 24) as f32) / (1u32 << 24) as f32)
        }
    }

    const NAMES: [&str; 5] = ["Car", "Truck", "Traffic light", "Beige / Crème", "人"];

    /// A video result of `objects` tracked objects over `frames` frames, exercising gap frames,
    /// empty lists, several categories and attributes, ranges, and large ids.
    fn synthetic_video(objects: usize, frames: i64, seed: u64) -> Vec<VideoDetectedObject> {
        let mut rng = Rng(seed);
        (0..objects)
            .map(|i| {
                let start = rng.below(frames as u64) as i64;
                let len = rng.below((frames - start) as u64) as i64 + 1;
                let bbox_observations = (start..start + len)
                    .map(|f| VideoBboxObservation {
                        timestamp_microseconds: f * 500_000,
                        observation: (rng.below(10) != 0).then(|| BboxObservation {
                            normalized_bbox: [rng.score(), rng.score(), rng.score(), rng.score()],
                            bbox_score: rng.score(),
                        }),
                    })
                    .collect();
                let timestamp_ranges = (0..rng.below(3))
                    .map(|k| TimestampRange {
                        timestamp_start_us_inclusive: (start + k as i64) * 500_000,
                        timestamp_end_us_inclusive: (start + len) * 500_000,
                    })
                    .collect();
                let categories = (0..rng.below(4))
                    .map(|c| VideoCategoryPrediction {
                        category_id: (1 << 33) + c as i64,
                        name: NAMES[rng.below(NAMES.len() as u64) as usize].to_owned(),
                        score: rng.score(),
                        attributes: (0..rng.below(4))
                            .map(|a| VideoAttributePrediction {
                                attribute_id: 9000 + a as i64,
                                attribute_name: format!("attribute {a}"),
                                option_id: rng.below(1 << 40) as i64,
                                option_name: NAMES[rng.below(NAMES.len() as u64) as usize]
                                    .to_owned(),
                                timestamp_ranges: (0..rng.below(4))
                                    .map(|r| ScoredTimestampRange {
                                        timestamp_start_us_inclusive: r as i64,
                                        timestamp_end_us_inclusive: r as i64 + 500_000,
                                        score: rng.score(),
                                    })
                                    .collect(),
                            })
                            .collect(),
                    })
                    .collect();
                VideoDetectedObject {
                    object_id: i as i64,
                    timestamp_ranges,
                    bbox_observations,
                    categories,
                }
            })
            .collect()
    }

    #[test]
    #[allow(clippy::print_stderr, reason = "reports a skipped test")]
    fn fixtures_round_trip_through_the_encoder() {
        let Some(image_zip) = fixture("image_results.zip") else {
            eprintln!("shared fixtures not found; skipping");
            return;
        };
        let image = decode_image_results(&image_zip, "u", Some("houses.jpg".to_owned()))
            .expect("decode image fixture");
        assert_eq!(image.objects.len(), 2);
        let encoded = encode_image_results(&image.objects).expect("encode image");
        let again =
            decode_image_results(&encoded, "u", Some("houses.jpg".to_owned())).expect("decode");
        assert_eq!(again, image);

        let video_zip = fixture("video_results.zip").expect("fixture");
        let video = decode_video_results(&video_zip, "v", None, 2).expect("decode video fixture");
        assert_eq!(video.objects.len(), 2);
        assert_eq!(video.frame_timestamps_microseconds.len(), 7);
        // Shuffle the frame order like the server may: the decoder sorts.
        let mut frames = video.frame_timestamps_microseconds.clone();
        frames.reverse();
        let encoded = encode_video_results(&video.objects, Some(&frames)).expect("encode video");
        assert_eq!(
            decode_video_results(&encoded, "v", None, 2).expect("decode"),
            video
        );

        let encoded = encode_video_results(&video.objects, None).expect("encode video");
        let decoded = decode_video_results(&encoded, "v", None, 2).expect("decode");
        assert_eq!(decoded.objects, video.objects);
        assert!(decoded.frame_timestamps_microseconds.is_empty());
    }

    #[test]
    fn large_synthetic_video_round_trips() {
        let objects = synthetic_video(3_000, 400, 0x9E37_79B9_7F4A_7C15);
        let gaps = objects
            .iter()
            .flat_map(|o| &o.bbox_observations)
            .filter(|o| o.observation.is_none())
            .count();
        assert!(gaps > 0, "the data exercises gap frames");
        assert!(objects.iter().any(|o| o.categories.is_empty()));
        assert!(objects.iter().any(|o| o.timestamp_ranges.is_empty()));

        let frames: Vec<i64> = (0..400).rev().map(|f| f * 500_000).collect();
        let body = encode_video_results(&objects, Some(&frames)).expect("encode");
        let decoded =
            decode_video_results(&body, "uuid", Some("a.mp4".to_owned()), 2).expect("decode");
        let mut sorted = frames.clone();
        sorted.sort_unstable();
        assert_eq!(
            decoded,
            ClassificationPredictVideoResponse {
                objects,
                frames_per_second: 2,
                frame_timestamps_microseconds: sorted,
                prediction_task_uuid: "uuid".to_owned(),
                original_file_name: Some("a.mp4".to_owned()),
            }
        );
    }

    #[test]
    fn many_row_groups_and_small_pages_decode() {
        let objects = synthetic_video(500, 50, 42);
        let properties = Arc::new(
            WriterProperties::builder()
                .set_compression(Compression::UNCOMPRESSED)
                .set_data_page_size_limit(256)
                .set_write_batch_size(7)
                .set_dictionary_enabled(false)
                .build(),
        );
        let parquet = video_predictions_with(&objects, 37, properties).expect("encode");
        assert_eq!(decode_video_predictions(&parquet).expect("decode"), objects);

        // The same rows read as image objects keep the first observation of each.
        let with_box: Vec<VideoDetectedObject> = objects
            .into_iter()
            .filter(|o| {
                o.bbox_observations
                    .first()
                    .is_some_and(|b| b.observation.is_some())
                    && o.categories
                        .iter()
                        .all(|c| c.attributes.iter().all(|a| !a.timestamp_ranges.is_empty()))
            })
            .collect();
        let parquet = encode_video_predictions(&with_box).expect("encode");
        let images = decode_image_predictions(&parquet).expect("decode as image");
        assert_eq!(images.len(), with_box.len());
        for (image, video) in images.iter().zip(&with_box) {
            assert_eq!(image.object_id, video.object_id);
            assert_eq!(
                Some(image.bbox_observation),
                video.bbox_observations[0].observation
            );
            for (ic, vc) in image.categories.iter().zip(&video.categories) {
                assert_eq!(ic.name, vc.name);
                for (ia, va) in ic.attributes.iter().zip(&vc.attributes) {
                    assert_eq!(ia.score, va.timestamp_ranges[0].score);
                }
            }
        }
    }

    #[test]
    fn image_without_observation_or_attribute_score_is_an_error() {
        let mut video = synthetic_video(1, 3, 7).remove(0);
        video.bbox_observations.clear();
        let parquet = encode_video_predictions(&[video.clone()]).expect("encode");
        assert!(matches!(
            decode_image_predictions(&parquet),
            Err(ResultsDecodeError::InvalidValue { row: 0, .. })
        ));
        video.bbox_observations = vec![VideoBboxObservation {
            timestamp_microseconds: 0,
            observation: None,
        }];
        let parquet = encode_video_predictions(&[video.clone()]).expect("encode");
        assert!(matches!(
            decode_image_predictions(&parquet),
            Err(ResultsDecodeError::NullValue { row: 0, .. })
        ));
        // Video decoding accepts both.
        assert_eq!(
            decode_video_predictions(&parquet).expect("decode"),
            vec![video]
        );
    }

    #[test]
    fn empty_results_round_trip() {
        let body = encode_image_results(&[]).expect("encode");
        assert_eq!(
            decode_image_results(&body, "u", None).expect("decode"),
            ClassificationPredictImageResponse {
                objects: Vec::new(),
                prediction_task_uuid: "u".to_owned(),
                original_file_name: None,
            }
        );
        let body = encode_video_results(&[], Some(&[])).expect("encode");
        let decoded = decode_video_results(&body, "u", None, 1).expect("decode");
        assert!(decoded.objects.is_empty());
        assert!(decoded.frame_timestamps_microseconds.is_empty());
        assert_eq!(
            decode_frame_timestamps(&encode_frame_timestamps(&[]).expect("encode"))
                .expect("decode"),
            Vec::<i64>::new()
        );
    }

    #[test]
    fn deflated_archive_decodes_like_stored() {
        let objects = vec![ImageDetectedObject {
            object_id: 3,
            bbox_observation: BboxObservation {
                normalized_bbox: [0.25, 0.5, 0.75, 1.0],
                bbox_score: 0.5,
            },
            categories: vec![ImageCategoryPrediction {
                category_id: 3_212_613_421,
                name: "Garage (detached)".to_owned(),
                score: 0.125,
                attributes: vec![ImageAttributePrediction {
                    attribute_id: 1,
                    attribute_name: "Color".to_owned(),
                    option_id: 2_750_000_001,
                    option_name: "Beige / Crème".to_owned(),
                    score: 0.0625,
                }],
            }],
        }];
        let predictions = encode_image_predictions(&objects).expect("encode");
        let body = encode_archive(
            &[(PREDICTIONS_MEMBER, &predictions)],
            MemberCompression::Deflated,
        )
        .expect("zip");
        let stored = encode_image_results(&objects).expect("zip");
        assert_ne!(body, stored, "the archive really is compressed differently");
        assert_eq!(
            decode_image_results(&body, "u", None)
                .expect("decode")
                .objects,
            objects
        );
    }
}
