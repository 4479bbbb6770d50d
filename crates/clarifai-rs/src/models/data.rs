use bytes::Bytes;

use super::{Concept, Region};
use crate::proto_json::Struct;

message! {
    /// `Data`: the content of an input, an annotation or a prediction.
    ///
    /// Inputs set one of `image`/`video`/`audio`/`text` (plus `concepts`, `metadata`, `geo`);
    /// predictions fill `concepts`, `regions`, `text`, `embeddings`, `frames`, … Rarely used
    /// parts (`clusters`, `tracks`, `time_segments`, `ndarray`) stay JSON.
    pub struct Data {
        /// An image.
        pub image: Option<Image>,
        /// A video.
        pub video: Option<Video>,
        /// Concepts (labels or classifier predictions).
        pub concepts: Vec<Concept>,
        /// Free metadata (`google.protobuf.Struct`).
        pub metadata: Struct,
        /// A location.
        pub geo: Option<Geo>,
        /// Dominant colors.
        pub colors: Vec<Color>,
        /// Clusters (JSON).
        pub clusters: Vec<serde_json::Value>,
        /// Embedding vectors.
        pub embeddings: Vec<Embedding>,
        /// Regions: detections, segments, OCR.
        pub regions: Vec<Region>,
        /// Video frames.
        pub frames: Vec<Frame>,
        /// A text.
        pub text: Option<Text>,
        /// An audio clip.
        pub audio: Option<Audio>,
        /// Tracks (JSON).
        pub tracks: Vec<serde_json::Value>,
        /// Time segments (JSON).
        pub time_segments: Vec<serde_json::Value>,
        /// Search hits (JSON).
        pub hits: Vec<serde_json::Value>,
        /// Heatmaps.
        pub heatmaps: Vec<Image>,
        /// Parts (multimodal input/output of newer models).
        pub parts: Vec<Part>,
        /// An n-dimensional array (JSON).
        pub ndarray: Option<serde_json::Value>,
        /// An `int64` value (a string on the wire).
        #[serde(with = "crate::proto_json::int64")]
        pub int_value: i64,
        /// A `double` value.
        pub float_value: f64,
        /// A `bytes` value.
        #[serde(with = "crate::proto_json::base64_bytes")]
        pub bytes_value: Bytes,
        /// A `bool` value.
        pub bool_value: bool,
        /// A string value.
        pub string_value: String,
        /// A JSON object value.
        pub struct_value: Struct,
    }
}

impl Data {
    /// Data holding this image.
    pub fn image(image: Image) -> Self {
        Self {
            image: Some(image),
            ..Self::default()
        }
    }

    /// Data holding this video.
    pub fn video(video: Video) -> Self {
        Self {
            video: Some(video),
            ..Self::default()
        }
    }

    /// Data holding this audio.
    pub fn audio(audio: Audio) -> Self {
        Self {
            audio: Some(audio),
            ..Self::default()
        }
    }

    /// Data holding this text.
    pub fn text(text: Text) -> Self {
        Self {
            text: Some(text),
            ..Self::default()
        }
    }

    /// The kind of media held (image first, as the SDK checks), if any.
    pub fn media_kind(&self) -> Option<MediaKind> {
        if self.image.is_some() {
            Some(MediaKind::Image)
        } else if self.video.is_some() {
            Some(MediaKind::Video)
        } else if self.audio.is_some() {
            Some(MediaKind::Audio)
        } else if self.text.is_some() {
            Some(MediaKind::Text)
        } else {
            None
        }
    }
}

/// The four input types of the SDK (`input_type="image"|"video"|"audio"|"text"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// `image`
    Image,
    /// `video`
    Video,
    /// `audio`
    Audio,
    /// `text`
    Text,
}

impl MediaKind {
    /// The SDK's name: `image`, `video`, `audio`, `text`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Video => "video",
            Self::Audio => "audio",
            Self::Text => "text",
        }
    }

    /// The kind of an SDK name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "image" => Some(Self::Image),
            "video" => Some(Self::Video),
            "audio" => Some(Self::Audio),
            "text" => Some(Self::Text),
            _ => None,
        }
    }
}

message! {
    /// `Image`: by `url` or inline `base64` bytes.
    pub struct Image {
        /// A public URL.
        pub url: String,
        /// The bytes (padded base64 on the wire).
        #[serde(with = "crate::proto_json::base64_bytes")]
        pub base64: Bytes,
        /// Allow an input whose URL is already in the app.
        pub allow_duplicate_url: bool,
        /// Clarifai-hosted copies (JSON).
        pub hosted: Option<serde_json::Value>,
        /// Size and format.
        pub image_info: Option<ImageInfo>,
    }
}

message! {
    /// `ImageInfo`.
    pub struct ImageInfo {
        /// Width in pixels.
        pub width: i32,
        /// Height in pixels.
        pub height: i32,
        /// Format (`JPEG`).
        pub format: String,
        /// Color mode.
        pub color_mode: String,
    }
}

message! {
    /// `Video`: by `url` or inline `base64` bytes.
    pub struct Video {
        /// A public URL.
        pub url: String,
        /// The bytes.
        #[serde(with = "crate::proto_json::base64_bytes")]
        pub base64: Bytes,
        /// Allow an input whose URL is already in the app.
        pub allow_duplicate_url: bool,
        /// Clarifai-hosted copies (JSON).
        pub hosted: Option<serde_json::Value>,
        /// Video details (JSON).
        pub video_info: Option<serde_json::Value>,
    }
}

message! {
    /// `Audio`: by `url` or inline `base64` bytes.
    pub struct Audio {
        /// A public URL.
        pub url: String,
        /// The bytes.
        #[serde(with = "crate::proto_json::base64_bytes")]
        pub base64: Bytes,
        /// Allow an input whose URL is already in the app.
        pub allow_duplicate_url: bool,
        /// Clarifai-hosted copies (JSON).
        pub hosted: Option<serde_json::Value>,
        /// Audio details (JSON).
        pub audio_info: Option<serde_json::Value>,
    }
}

message! {
    /// `Text`: `raw` text (a plain string, not base64) or a `url`.
    pub struct Text {
        /// The text itself.
        pub raw: String,
        /// A public URL of a text file.
        pub url: String,
        /// Allow an input whose URL is already in the app.
        pub allow_duplicate_url: bool,
        /// Clarifai-hosted copies (JSON).
        pub hosted: Option<serde_json::Value>,
        /// Length and encoding.
        pub text_info: Option<TextInfo>,
    }
}

message! {
    /// `TextInfo`.
    pub struct TextInfo {
        /// Number of characters.
        pub char_count: i32,
        /// The encoding.
        pub encoding: String,
    }
}

macro_rules! media_constructors {
    ($($t:ident),*) => {
        $(impl $t {
            /// Media at a URL.
            pub fn from_url(url: impl Into<String>) -> Self {
                Self { url: url.into(), ..Self::default() }
            }

            /// Media sent inline (base64 on the wire).
            pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
                Self { base64: bytes.into(), ..Self::default() }
            }
        })*
    };
}

media_constructors!(Image, Video, Audio);

impl Text {
    /// Raw text.
    pub fn from_raw(raw: impl Into<String>) -> Self {
        Self {
            raw: raw.into(),
            ..Self::default()
        }
    }

    /// A text file at a URL.
    pub fn from_url(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..Self::default()
        }
    }
}

message! {
    /// `Embedding`: a vector.
    pub struct Embedding {
        /// The values.
        pub vector: Vec<f32>,
        /// The number of dimensions.
        pub num_dimensions: u32,
    }
}

message! {
    /// `Color`: a dominant color and its share.
    pub struct Color {
        /// `#rrggbb`.
        pub raw_hex: String,
        /// The closest W3C color.
        pub w3c: Option<W3c>,
        /// The share of the image.
        pub value: f32,
    }
}

message! {
    /// `W3C` color.
    pub struct W3c {
        /// `#rrggbb`.
        pub hex: String,
        /// The W3C name.
        pub name: String,
    }
}

message! {
    /// `Geo`: a point, and in searches a limit around it.
    pub struct Geo {
        /// The point.
        pub geo_point: Option<GeoPoint>,
        /// The limit of a geo search.
        pub geo_limit: Option<GeoLimit>,
        /// A box of points (JSON).
        pub geo_box: Vec<serde_json::Value>,
    }
}

message! {
    /// `GeoPoint`.
    pub struct GeoPoint {
        /// Longitude in degrees.
        pub longitude: f32,
        /// Latitude in degrees.
        pub latitude: f32,
    }
}

message! {
    /// `GeoLimit`: `{"type": "withinKilometers", "value": 10}`.
    pub struct GeoLimit {
        /// `withinMiles`, `withinKilometers`, `withinRadians`, `withinDegrees`.
        #[serde(rename = "type")]
        pub kind: String,
        /// The distance.
        pub value: f32,
    }
}

impl Geo {
    /// A point.
    pub fn point(longitude: f32, latitude: f32) -> Self {
        Self {
            geo_point: Some(GeoPoint {
                longitude,
                latitude,
            }),
            ..Self::default()
        }
    }
}

message! {
    /// `Frame`: one video frame of a prediction.
    pub struct Frame {
        /// Index and time.
        pub frame_info: Option<FrameInfo>,
        /// What was found in the frame.
        pub data: Option<Data>,
        /// The frame id.
        pub id: String,
    }
}

message! {
    /// `FrameInfo`.
    pub struct FrameInfo {
        /// The frame index (deprecated by the server in favour of `number`).
        pub index: u32,
        /// Milliseconds from the start (`uint64`, a string on the wire).
        #[serde(with = "crate::proto_json::uint64")]
        pub time: u64,
        /// The frame number.
        pub number: u32,
    }
}

message! {
    /// `Part`: one part of a multimodal input or output.
    pub struct Part {
        /// The part's data.
        pub data: Option<Data>,
        /// The part id.
        pub id: String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_by_url_and_bytes() {
        let d = Data::image(Image::from_bytes(&b"\x89PNG"[..]));
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"image":{"base64":"iVBORw=="}}"#
        );
        assert_eq!(d.media_kind(), Some(MediaKind::Image));
        let d = Data::text(Text::from_raw("hello"));
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"text":{"raw":"hello"}}"#
        );
        let d = Data::video(Video::from_url("https://x/v.mp4"));
        assert_eq!(d.media_kind(), Some(MediaKind::Video));
        assert_eq!(
            Data::audio(Audio::default()).media_kind(),
            Some(MediaKind::Audio)
        );
        assert_eq!(Data::default().media_kind(), None);
        assert_eq!(
            MediaKind::from_name("audio").map(MediaKind::as_str),
            Some("audio")
        );
        assert_eq!(MediaKind::from_name("pdf"), None);
    }

    #[test]
    fn scalar_values_follow_proto3_json() {
        let d: Data = serde_json::from_str(
            r#"{"int_value":"9007199254740993","bytes_value":"AAE=","frames":[{"frame_info":{"time":"1500","index":3}}],"geo":{"geo_limit":{"type":"withinKilometers","value":5}}}"#,
        )
        .unwrap();
        assert_eq!(d.int_value, 9_007_199_254_740_993);
        assert_eq!(&d.bytes_value[..], &[0, 1]);
        assert_eq!(d.frames[0].frame_info.as_ref().unwrap().time, 1500);
        assert_eq!(
            d.geo.as_ref().unwrap().geo_limit.as_ref().unwrap().kind,
            "withinKilometers"
        );
        let text = serde_json::to_string(&d).unwrap();
        assert!(text.contains(r#""int_value":"9007199254740993""#), "{text}");
        assert!(text.contains(r#""time":"1500""#), "{text}");
        assert_eq!(serde_json::from_str::<Data>(&text).unwrap(), d);
    }
}
