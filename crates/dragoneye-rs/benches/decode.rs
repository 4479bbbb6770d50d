//! Decoding benchmark: the crate's results decoder against the official Python SDK's own
//! deserializer (`dragoneye-python` 2.0.1, `dragoneye.parquet_deserializer`) on the same bytes.
//!
//! `cargo bench -p dragoneye-rs --features testing --bench decode`
//!
//! 1. Generates large, realistic results deterministically with the crate's own encoder
//!    (`dragoneye::results::encode`) and writes them to `target/bench-data/`: a video result of
//!    3,000 tracked objects over 600 sampled frames, and an image result of 500 objects.
//! 2. Cross-checks that the official SDK reads the encoder's output exactly like this crate: on
//!    small edge-case results first, then on the benchmarked bytes themselves (the Python output
//!    of `model_dump_json` against the Rust decode serialized with `serde_json`, compared as JSON
//!    values).
//! 3. Times the Rust decode (median after warm-up).
//! 4. Times the official SDK (the interpreter in `VISION_SDK_BENCH_PYTHON`, which
//!    `cargo xtask bench decode` prepares from `benches/requirements.txt`) with `benches/decode_python.py`, which calls the
//!    SDK's own functions exactly as `get_video_results` / `get_image_results` do after the
//!    HTTP call.
//! 5. Prints the comparison and whether the ≥5× goal is met (reported, not asserted).
//!
//! Environment knobs: `DECODE_BENCH_RUST_RUNS` (default 25), `DECODE_BENCH_PY_RUNS` (default 5),
//! `DECODE_BENCH_SKIP_PYTHON=1` (Rust figures only).

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a harness-less bench reports on the terminal"
)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dragoneye::results::encode::{
    MemberCompression, encode_archive, encode_frame_timestamps, encode_image_results,
    encode_video_predictions,
};
use dragoneye::results::{
    FRAME_TIMESTAMPS_MEMBER, PREDICTIONS_MEMBER, decode_frame_timestamps, decode_image_results,
    decode_video_predictions, decode_video_results,
};
use dragoneye::{
    BboxObservation, ClassificationPredictImageResponse, ClassificationPredictVideoResponse,
    ImageAttributePrediction, ImageCategoryPrediction, ImageDetectedObject, ScoredTimestampRange,
    TimestampRange, VideoAttributePrediction, VideoBboxObservation, VideoCategoryPrediction,
    VideoDetectedObject,
};
use serde::Deserialize;
use serde_json::Value;

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Sampling period of the generated videos: 2 frames per second.
const FPS: u32 = 2;
const FRAME_US: i64 = 1_000_000 / FPS as i64;
const VIDEO_UUID: &str = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e";
const VIDEO_FILE: &str = "intersection.mp4";
const IMAGE_UUID: &str = "3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f";
const IMAGE_FILE: &str = "street.jpg";
/// The goal of issue 4: decoding at least this many times faster than the official SDK.
const GOAL_SPEEDUP: f64 = 5.0;

// ---------------------------------------------------------------------------------------------
// Deterministic data

/// xorshift64: reproducible pseudo-random data without a dependency.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An `f32` value in `[lo, hi)`, widened to `f64` like the decoder widens stored scores, so
    /// the generated models survive the encode/decode round trip exactly.
    fn f32_in(&mut self, lo: f64, hi: f64) -> f64 {
        f64::from((lo + (hi - lo) * self.unit()) as f32)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// A category the fake model can predict: id (many above 2³¹), name, and its attributes, each
/// with an id, a name and `(option id, option name)` choices.
type Attribute = (i64, &'static str, &'static [(i64, &'static str)]);

#[derive(Debug)]
struct Category {
    id: i64,
    name: &'static str,
    attributes: &'static [Attribute],
}

const COLORS: &[(i64, &str)] = &[
    (3_498_033_303, "White / Off-white"),
    (2_750_000_001, "Beige / Crème"),
    (3_887_467_550, "Black"),
    (1_204_518_223, "Red"),
    (2_911_004_871, "Silver / Grey"),
    (4_001_223_112, "Blue"),
];
const VEHICLE_ATTRIBUTES: &[Attribute] = &[
    (1_371_766_615, "Vehicle color", COLORS),
    (
        448_392_115,
        "Motion",
        &[(11, "Parked"), (12, "Moving"), (13, "Turning")],
    ),
    (
        2_208_551_907,
        "Occlusion",
        &[(21, "None"), (22, "Partial"), (23, "Heavy")],
    ),
];
const PERSON_ATTRIBUTES: &[Attribute] = &[
    (
        3_112_987_650,
        "Activity",
        &[
            (31, "Walking"),
            (32, "Standing"),
            (33, "Running"),
            (34, "Cycling"),
        ],
    ),
    (3_112_987_651, "Upper clothing color", COLORS),
    (
        3_112_987_652,
        "Carrying",
        &[(41, "Nothing"), (42, "Bag"), (43, "Umbrella")],
    ),
];
const SIGNAL_ATTRIBUTES: &[Attribute] = &[
    (
        9001,
        "Light color",
        &[(1, "Green"), (2, "Red"), (3, "Amber")],
    ),
    (9002, "Mounting", &[(11, "Overhead"), (12, "Pole")]),
];
const CATEGORIES: &[Category] = &[
    Category {
        id: 2_084_323_334,
        name: "Car",
        attributes: VEHICLE_ATTRIBUTES,
    },
    Category {
        id: 2_084_323_335,
        name: "Truck",
        attributes: VEHICLE_ATTRIBUTES,
    },
    Category {
        id: 3_212_613_421,
        name: "Bus",
        attributes: VEHICLE_ATTRIBUTES,
    },
    Category {
        id: 3_212_613_422,
        name: "Van",
        attributes: VEHICLE_ATTRIBUTES,
    },
    Category {
        id: 1_029_384_756,
        name: "Motorcycle",
        attributes: VEHICLE_ATTRIBUTES,
    },
    Category {
        id: 1_029_384_757,
        name: "Bicycle",
        attributes: &[],
    },
    Category {
        id: 4_100_000_001,
        name: "Pedestrian",
        attributes: PERSON_ATTRIBUTES,
    },
    Category {
        id: 4_100_000_002,
        name: "Cyclist",
        attributes: PERSON_ATTRIBUTES,
    },
    Category {
        id: 501,
        name: "Traffic light",
        attributes: SIGNAL_ATTRIBUTES,
    },
    Category {
        id: 502,
        name: "Stop sign",
        attributes: &[],
    },
    Category {
        id: 7_001,
        name: "Chien (Hund) 犬",
        attributes: &[],
    },
];

/// A bounding box that drifts a little from frame to frame, every coordinate an `f32` value.
fn drift(rng: &mut Rng, bbox: &mut [f64; 4]) -> [f64; 4] {
    let (dx, dy) = (rng.f32_in(-0.01, 0.01), rng.f32_in(-0.01, 0.01));
    let w = (bbox[2] - bbox[0]).clamp(0.02, 0.5);
    let h = (bbox[3] - bbox[1]).clamp(0.02, 0.5);
    let x1 = (bbox[0] + dx).clamp(0.0, 1.0 - w);
    let y1 = (bbox[1] + dy).clamp(0.0, 1.0 - h);
    *bbox = [x1, y1, x1 + w, y1 + h];
    bbox.map(|v| f64::from(v as f32))
}

/// The attribute entries of one category over a lifespan: the option may change over time, so
/// one attribute gives one entry per option held, each with the scored ranges it held over.
fn attribute_entries(
    rng: &mut Rng,
    category: &Category,
    first: i64,
    last: i64,
) -> Vec<VideoAttributePrediction> {
    let available = category.attributes.len() as i64;
    let count = rng.range(0, available.min(3));
    let mut chosen: Vec<&Attribute> = Vec::new();
    while (chosen.len() as i64) < count {
        let a = rng.pick(category.attributes);
        if !chosen.iter().any(|c| c.0 == a.0) {
            chosen.push(a);
        }
    }
    let mut entries = Vec::new();
    for &(attribute_id, attribute_name, options) in chosen {
        // Split the lifespan into 1–5 consecutive runs; each run holds one of 1–2 options.
        let runs = rng.range(1, 5).min(last - first + 1);
        let held = [*rng.pick(options), *rng.pick(options)];
        let mut bounds: Vec<i64> = (1..runs).map(|_| rng.range(first + 1, last)).collect();
        bounds.sort_unstable();
        bounds.dedup();
        let mut start = first;
        let mut per_option: Vec<((i64, &str), Vec<ScoredTimestampRange>)> = Vec::new();
        for (k, end) in bounds
            .iter()
            .map(|b| b - 1)
            .chain(std::iter::once(last))
            .enumerate()
        {
            let option = held[k % 2];
            let range =
                ScoredTimestampRange::new(start * FRAME_US, end * FRAME_US, rng.f32_in(0.3, 1.0));
            match per_option.iter_mut().find(|(o, _)| o.0 == option.0) {
                Some((_, ranges)) => ranges.push(range),
                None => per_option.push((option, vec![range])),
            }
            start = end + 1;
        }
        entries.extend(
            per_option
                .into_iter()
                .map(|((option_id, option_name), ranges)| {
                    VideoAttributePrediction::new(
                        attribute_id,
                        attribute_name.to_owned(),
                        option_id,
                        option_name.to_owned(),
                        ranges,
                    )
                }),
        );
    }
    entries
}

/// One tracked object over `frames` sampled frames: a lifespan of tens to hundreds of frames in
/// 1–3 presence segments, one observation per sampled frame of each segment (some of them gap
/// frames without a box), 1–3 categories with 0–3 attributes each.
fn tracked_object(rng: &mut Rng, object_id: i64, frames: i64) -> VideoDetectedObject {
    let min_len = 20.min(frames);
    let len = (min_len as f64 * ((300.0 / min_len as f64).ln() * rng.unit()).exp()) as i64;
    let len = len.clamp(min_len, frames);
    let first = rng.range(0, frames - len);
    let last = first + len - 1;

    // Presence segments: cut 0–2 absences out of the lifespan.
    let mut segments = vec![(first, last)];
    for _ in 0..rng.range(0, 2) {
        let (a, b) = segments.pop().unwrap_or((first, last));
        if b - a < 12 {
            segments.push((a, b));
            break;
        }
        let cut = rng.range(a + 4, b - 8);
        let gap = rng.range(1, 4);
        segments.push((a, cut));
        segments.push((cut + gap + 1, b));
    }

    let mut bbox = {
        let (x, y) = (rng.f32_in(0.0, 0.8), rng.f32_in(0.0, 0.8));
        [x, y, x + rng.f32_in(0.02, 0.2), y + rng.f32_in(0.02, 0.2)]
    };
    let mut bbox_observations = Vec::new();
    let mut gap_run = false;
    for &(a, b) in &segments {
        for frame in a..=b {
            let detected_frame = frame == a || frame == b;
            gap_run = !detected_frame && rng.chance(if gap_run { 0.5 } else { 0.06 });
            let normalized_bbox = drift(rng, &mut bbox);
            bbox_observations.push(VideoBboxObservation::new(
                frame * FRAME_US,
                (!gap_run).then(|| BboxObservation::new(normalized_bbox, rng.f32_in(0.3, 1.0))),
            ));
        }
    }

    let mut categories: Vec<VideoCategoryPrediction> = Vec::new();
    let wanted = rng.range(1, 3);
    let mut score = rng.f32_in(0.5, 1.0);
    while (categories.len() as i64) < wanted {
        let category = rng.pick(CATEGORIES);
        if categories.iter().any(|c| c.category_id == category.id) {
            continue;
        }
        categories.push(VideoCategoryPrediction::new(
            category.id,
            category.name.to_owned(),
            score,
            attribute_entries(rng, category, first, last),
        ));
        score = f64::from((score * rng.f32_in(0.1, 0.6)) as f32);
    }

    VideoDetectedObject::new(
        object_id,
        segments
            .iter()
            .map(|&(a, b)| TimestampRange::new(a * FRAME_US, b * FRAME_US))
            .collect(),
        bbox_observations,
        categories,
    )
}

/// A video result of `objects` tracked objects over `frames` sampled frames, and the frame
/// timestamps in the (not quite sorted) order the server writes them.
fn video_result(objects: usize, frames: i64, seed: u64) -> (Vec<VideoDetectedObject>, Vec<i64>) {
    let mut rng = Rng(seed);
    let mut object_id = 0;
    let objects = (0..objects)
        .map(|_| {
            object_id += rng.range(1, 3); // tracker ids are increasing, not dense
            tracked_object(&mut rng, object_id, frames)
        })
        .collect();
    let mut timestamps: Vec<i64> = (0..frames).map(|f| f * FRAME_US).collect();
    for i in (1..timestamps.len()).step_by(7) {
        timestamps.swap(i - 1, i);
    }
    (objects, timestamps)
}

/// An image result of `objects` detections with 1–3 categories and 0–3 attributes each.
fn image_result(objects: usize, seed: u64) -> Vec<ImageDetectedObject> {
    let mut rng = Rng(seed);
    (0..objects)
        .map(|i| {
            let video = tracked_object(&mut rng, i as i64 + 1, 1);
            let observation = video.bbox_observations[0]
                .observation
                .unwrap_or(BboxObservation::new([0.25, 0.25, 0.5, 0.5], 0.5));
            ImageDetectedObject::new(
                video.object_id,
                observation,
                video
                    .categories
                    .into_iter()
                    .map(|c| {
                        ImageCategoryPrediction::new(
                            c.category_id,
                            c.name,
                            c.score,
                            c.attributes
                                .into_iter()
                                .map(|a| {
                                    ImageAttributePrediction::new(
                                        a.attribute_id,
                                        a.attribute_name,
                                        a.option_id,
                                        a.option_name,
                                        a.timestamp_ranges[0].score,
                                    )
                                })
                                .collect(),
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}

/// A small video result with every edge case the format allows: empty and null-equivalent
/// lists, gap frames, an attribute without ranges, non-ASCII names, ids above 2³¹.
fn edge_case_video() -> (Vec<VideoDetectedObject>, Vec<i64>) {
    let (mut objects, mut timestamps) = video_result(25, 40, 0x5EED_0001);
    objects[0].timestamp_ranges.clear();
    objects[0].bbox_observations.clear();
    objects[0].categories.clear();
    objects[1].categories[0].attributes.clear();
    if let Some(a) = objects[2].categories[0].attributes.first_mut() {
        a.timestamp_ranges.clear();
    }
    objects[3].object_id = 9_000_000_000;
    objects[3].categories[0].name = "Beige / Crème — 人".to_owned();
    objects[4].bbox_observations[0].observation = None;
    timestamps.push(40 * FRAME_US); // a processed frame without detections
    timestamps.reverse();
    (objects, timestamps)
}

// ---------------------------------------------------------------------------------------------
// Files, Python

fn target_dir() -> BoxResult<PathBuf> {
    Ok(vision_sdk_testkit::bench::target_dir()?)
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn write(path: &Path, bytes: &[u8]) -> BoxResult<()> {
    std::fs::write(path, bytes).map_err(|e| format!("writing {}: {e}", path.display()).into())
}

/// One run of `decode_python.py`.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Video,
    Image,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Video => "video",
            Self::Image => "image",
        }
    }
}

/// What `decode_python.py` prints (one JSON object on stdout).
#[derive(Debug, Deserialize)]
struct PythonReport {
    sdk_version: String,
    polars_version: String,
    pydantic_version: String,
    python_version: String,
    runs: usize,
    median_s: f64,
    min_s: f64,
    #[serde(default)]
    phases_s: Vec<(String, f64)>,
    peak_rss_mib: f64,
}

fn run_python(
    python: &Path,
    zip: &Path,
    kind: Kind,
    runs: usize,
    dump_json: &Path,
) -> Result<PythonReport, String> {
    let (uuid, file_name) = match kind {
        Kind::Video => (VIDEO_UUID, VIDEO_FILE),
        Kind::Image => (IMAGE_UUID, IMAGE_FILE),
    };
    let script = crate_dir().join("benches").join("decode_python.py");
    let fps = FPS.to_string();
    let runs = runs.to_string();
    let mut args: Vec<&std::ffi::OsStr> = vec![zip.as_os_str()];
    for arg in [
        "--kind",
        kind.as_str(),
        "--uuid",
        uuid,
        "--file-name",
        file_name,
        "--fps",
        &fps,
        "--runs",
        &runs,
        "--dump-json",
    ] {
        args.push(arg.as_ref());
    }
    args.push(dump_json.as_os_str());
    let stdout = vision_sdk_testkit::bench::run_python(python, &script, args)?;
    serde_json::from_str(&stdout)
        .map_err(|e| format!("unreadable output of {}: {e}\n{stdout}", script.display()))
}

/// The first difference between two JSON values, as a path and both sides (`None` if equal).
fn first_difference(path: &str, rust: &Value, python: &Value) -> Option<String> {
    match (rust, python) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys()) {
                let sub = format!("{path}.{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => {
                        if let Some(d) = first_difference(&sub, x, y) {
                            return Some(d);
                        }
                    }
                    (x, y) => return Some(format!("{sub}: rust {x:?}, python {y:?}")),
                }
            }
            None
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Some(format!(
                    "{path}: rust has {} elements, python {}",
                    a.len(),
                    b.len()
                ));
            }
            a.iter()
                .zip(b)
                .enumerate()
                .find_map(|(i, (x, y))| first_difference(&format!("{path}[{i}]"), x, y))
        }
        (a, b) if a == b => None,
        (a, b) => Some(format!("{path}: rust {a}, python {b}")),
    }
}

/// Compares the Rust decode (as JSON) with the official SDK's `model_dump_json` output.
fn compare_json(rust: &impl serde::Serialize, python_json: &Path) -> Result<(), String> {
    let rust = serde_json::to_value(rust).map_err(|e| e.to_string())?;
    let text = std::fs::read(python_json)
        .map_err(|e| format!("reading {}: {e}", python_json.display()))?;
    let python: Value = serde_json::from_slice(&text).map_err(|e| e.to_string())?;
    match first_difference("$", &rust, &python) {
        None => Ok(()),
        Some(d) => Err(d),
    }
}

// ---------------------------------------------------------------------------------------------
// Timing

#[derive(Debug, Clone, Copy)]
struct Timing {
    runs: usize,
    median: Duration,
    min: Duration,
}

fn time<T>(warmup: usize, runs: usize, mut f: impl FnMut() -> T) -> Timing {
    for _ in 0..warmup {
        black_box(f());
    }
    let mut samples: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            let out = black_box(f());
            let elapsed = start.elapsed();
            drop(out); // freeing the result is not part of decoding (nor in the Python timing)
            elapsed
        })
        .collect();
    samples.sort_unstable();
    let n = samples.len();
    let median = if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2
    };
    Timing {
        runs: n,
        median,
        min: samples[0],
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Counts of a video result, for the report.
fn video_counts(objects: &[VideoDetectedObject]) -> String {
    let observations: usize = objects.iter().map(|o| o.bbox_observations.len()).sum();
    let gaps = objects
        .iter()
        .flat_map(|o| &o.bbox_observations)
        .filter(|o| o.observation.is_none())
        .count();
    let categories: usize = objects.iter().map(|o| o.categories.len()).sum();
    let attributes = objects
        .iter()
        .flat_map(|o| &o.categories)
        .flat_map(|c| &c.attributes);
    let scored: usize = attributes.clone().map(|a| a.timestamp_ranges.len()).sum();
    format!(
        "{} objects, {observations} bbox observations ({gaps} gap frames), {categories} categories, \
         {} attribute entries with {scored} scored ranges",
        objects.len(),
        attributes.count()
    )
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Row {
    name: &'static str,
    rust: Timing,
    python: Option<PythonReport>,
}

fn main() -> BoxResult<()> {
    let rust_runs = env_usize("DECODE_BENCH_RUST_RUNS", 25);
    let py_runs = env_usize("DECODE_BENCH_PY_RUNS", 5);
    let skip_python = std::env::var_os("DECODE_BENCH_SKIP_PYTHON").is_some_and(|v| v != "0");
    let target = target_dir()?;
    let data = target.join("bench-data");
    std::fs::create_dir_all(&data)?;

    // 1. Data.
    let started = Instant::now();
    let (objects, frames) = video_result(3_000, 600, 0x00D2_A60E_7E5E_ED01);
    let predictions = encode_video_predictions(&objects)?;
    let frame_parquet = encode_frame_timestamps(&frames)?;
    let video_zip = encode_archive(
        &[
            (PREDICTIONS_MEMBER, &predictions),
            (FRAME_TIMESTAMPS_MEMBER, &frame_parquet),
        ],
        MemberCompression::Stored,
    )?;
    let video_path = data.join("dragoneye-video-large.zip");
    write(&video_path, &video_zip)?;
    let images = image_result(500, 0x00D2_A60E_1A6E_0001);
    let image_zip = encode_image_results(&images)?;
    let image_path = data.join("dragoneye-image-large.zip");
    write(&image_path, &image_zip)?;

    let (small_objects, small_frames) = edge_case_video();
    let small_video_zip =
        dragoneye::results::encode::encode_video_results(&small_objects, Some(&small_frames))?;
    let small_video_path = data.join("dragoneye-video-small.zip");
    write(&small_video_path, &small_video_zip)?;
    let small_no_frames_zip =
        dragoneye::results::encode::encode_video_results(&small_objects, None)?;
    let small_no_frames_path = data.join("dragoneye-video-small-no-frames.zip");
    write(&small_no_frames_path, &small_no_frames_zip)?;
    let small_images = image_result(12, 0x5EED_0002);
    let small_image_zip = encode_image_results(&small_images)?;
    let small_image_path = data.join("dragoneye-image-small.zip");
    write(&small_image_path, &small_image_zip)?;

    println!("== dragoneye results decoding: dragoneye-rs vs official dragoneye-python 2.0.1");
    println!(
        "data generated and encoded in {:.1} s, written to {}",
        started.elapsed().as_secs_f64(),
        data.display()
    );
    println!(
        "video: {:.2} MiB ZIP (predictions.parquet {:.2} MiB, frame_timestamps.parquet {} B), \
         {} frames at {FPS} fps; {}",
        mib(video_zip.len()),
        mib(predictions.len()),
        frame_parquet.len(),
        frames.len(),
        video_counts(&objects)
    );
    println!(
        "image: {:.1} KiB ZIP, {} objects",
        image_zip.len() as f64 / 1024.0,
        images.len()
    );

    // Sanity: the Rust decoder gives back exactly what was encoded.
    let decode_video =
        |bytes: &[u8]| decode_video_results(bytes, VIDEO_UUID, Some(VIDEO_FILE.to_owned()), FPS);
    let decode_image =
        |bytes: &[u8]| decode_image_results(bytes, IMAGE_UUID, Some(IMAGE_FILE.to_owned()));
    let video = decode_video(&video_zip)?;
    let mut sorted_frames = frames.clone();
    sorted_frames.sort_unstable();
    let rust_round_trip = video
        == ClassificationPredictVideoResponse::new(
            objects.clone(),
            FPS,
            sorted_frames,
            VIDEO_UUID.to_owned(),
            Some(VIDEO_FILE.to_owned()),
        )
        && decode_image(&image_zip)?
            == ClassificationPredictImageResponse::new(
                images.clone(),
                IMAGE_UUID.to_owned(),
                Some(IMAGE_FILE.to_owned()),
            );
    println!(
        "rust round trip (encode -> decode == generated models): {}",
        if rust_round_trip { "ok" } else { "MISMATCH" }
    );

    // 2. Python environment and the encoder-vs-official cross-check.
    let python = if skip_python {
        Err("skipped (DECODE_BENCH_SKIP_PYTHON)".to_owned())
    } else {
        vision_sdk_testkit::bench::bench_python("decode")
    };
    let mut cross_check_failed = false;
    if let Ok(python) = &python {
        println!(
            "\n-- cross-check: official SDK decode of the crate's encoder output vs the Rust decode"
        );
        let checks = [
            (
                "small video (edge cases)",
                &small_video_path,
                Kind::Video,
                serde_json::to_value(decode_video(&small_video_zip)?)?,
            ),
            (
                "small video without frame_timestamps.parquet",
                &small_no_frames_path,
                Kind::Video,
                serde_json::to_value(decode_video(&small_no_frames_zip)?)?,
            ),
            (
                "small image",
                &small_image_path,
                Kind::Image,
                serde_json::to_value(decode_image(&small_image_zip)?)?,
            ),
        ];
        for (name, path, kind, rust_json) in checks {
            let out = path.with_extension("python.json");
            let verdict = run_python(python, path, kind, 1, &out)
                .and_then(|_| compare_json(&rust_json, &out));
            match verdict {
                Ok(()) => println!("{name:<46} identical"),
                Err(e) => {
                    cross_check_failed = true;
                    println!("{name:<46} DIFFERENT: {e}");
                }
            }
        }
    }

    // 3. Rust timings.
    let rust_video = time(3, rust_runs, || decode_video(&video_zip));
    let rust_image = time(3, rust_runs, || decode_image(&image_zip));
    // Where the Rust time goes: the two Parquet members decoded on their own (each from a copy
    // of its bytes, as the public per-member functions take a slice); the rest is the ZIP.
    let rust_predictions = time(3, rust_runs, || decode_video_predictions(&predictions));
    let rust_frames = time(3, rust_runs, || decode_frame_timestamps(&frame_parquet));
    let mut rows = vec![
        Row {
            name: "video (3,000 objects x 600 frames)",
            rust: rust_video,
            python: None,
        },
        Row {
            name: "image (500 objects)",
            rust: rust_image,
            python: None,
        },
    ];

    // 4. Python timings (and a cross-check on the benchmarked bytes themselves).
    match &python {
        Ok(python) => {
            let large = [(0, &video_path, Kind::Video), (1, &image_path, Kind::Image)];
            for (row, path, kind) in large {
                let out = path.with_extension("python.json");
                match run_python(python, path, kind, py_runs, &out) {
                    Ok(report) => {
                        let verdict = match kind {
                            Kind::Video => compare_json(&video, &out),
                            Kind::Image => compare_json(&decode_image(&image_zip)?, &out),
                        };
                        match verdict {
                            Ok(()) => println!(
                                "cross-check {:<34} identical (official SDK output == Rust decode)",
                                rows[row].name
                            ),
                            Err(e) => {
                                cross_check_failed = true;
                                println!("cross-check {:<34} DIFFERENT: {e}", rows[row].name);
                            }
                        }
                        let _ = std::fs::remove_file(&out);
                        rows[row].python = Some(report);
                    }
                    Err(e) => println!("python {} bench failed: {e}", kind.as_str()),
                }
            }
        }
        Err(e) => println!("\nPYTHON UNAVAILABLE — Rust figures only: {e}"),
    }

    // 5. Report.
    println!("\n-- timing (same bytes for both; medians and minimums of N runs after warm-up)");
    if let Some(p) = rows.iter().find_map(|r| r.python.as_ref()) {
        println!(
            "python {} · dragoneye-python {} · polars {} · pydantic {}",
            p.python_version, p.sdk_version, p.polars_version, p.pydantic_version
        );
    }
    println!(
        "{:<36} {:>12} {:>12} {:>14} {:>14} {:>9} {:>9}",
        "result", "rust median", "rust min", "python median", "python min", "speed-up", "(by min)"
    );
    for row in &rows {
        let (py_median, py_min, speedup, speedup_min) = match &row.python {
            Some(p) => (
                format!("{:.1} ms", p.median_s * 1e3),
                format!("{:.1} ms", p.min_s * 1e3),
                format!("{:.1}x", p.median_s / row.rust.median.as_secs_f64()),
                format!("{:.1}x", p.min_s / row.rust.min.as_secs_f64()),
            ),
            None => (
                "n/a".to_owned(),
                "n/a".to_owned(),
                "n/a".to_owned(),
                "n/a".to_owned(),
            ),
        };
        println!(
            "{:<36} {:>9.2} ms {:>9.2} ms {:>14} {:>14} {:>9} {:>9}",
            row.name,
            ms(row.rust.median),
            ms(row.rust.min),
            py_median,
            py_min,
            speedup,
            speedup_min
        );
    }
    println!(
        "(rust: {} runs after 3 warm-ups; python: {})",
        rows[0].rust.runs,
        rows[0]
            .python
            .as_ref()
            .map_or("not run".to_owned(), |p| format!(
                "{} runs after 1 warm-up",
                p.runs
            ))
    );
    println!(
        "rust video breakdown (minimums, steadier under load): predictions.parquet {:.1} ms, \
         frame_timestamps.parquet {:.2} ms, ZIP and the rest {:.1} ms",
        ms(rust_predictions.min),
        ms(rust_frames.min),
        ms(rows[0]
            .rust
            .min
            .saturating_sub(rust_predictions.min + rust_frames.min))
    );
    if let Some(p) = &rows[0].python {
        let phases: Vec<String> = p
            .phases_s
            .iter()
            .map(|(name, s)| format!("{name} {:.0} ms", s * 1e3))
            .collect();
        println!(
            "python video breakdown (one extra run): {}; peak RSS {:.0} MiB",
            phases.join(", "),
            p.peak_rss_mib
        );
        let speedup = p.median_s / rows[0].rust.median.as_secs_f64();
        println!(
            "\ngoal (video decode >= {GOAL_SPEEDUP}x faster than the official SDK): {} ({speedup:.1}x)",
            if speedup >= GOAL_SPEEDUP {
                "MET"
            } else {
                "NOT MET"
            }
        );
    } else {
        println!(
            "\ngoal (video decode >= {GOAL_SPEEDUP}x faster than the official SDK): not measured"
        );
    }
    if cross_check_failed {
        println!("WARNING: the official SDK decoded the encoder's output differently (see above)");
    }
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!(
            "machine: {} CPUs, load average {}",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    Ok(())
}
