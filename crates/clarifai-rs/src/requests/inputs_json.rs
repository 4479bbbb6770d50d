//! The JSON writer of request bodies that carry inputs (`PostModelOutputs`,
//! `PostWorkflowResults`, `PostInputs`): one pre-sized buffer written straight from the
//! borrowed inputs, media bytes base64-encoded in place (`base64-simd`).
//!
//! The derived `Serialize` of the models writes the same bytes (a test holds the two
//! together), but through an intermediate base64 `String` per image that serde_json then
//! scans for characters to escape and copies into a buffer grown by doubling. Here
//! `Input`, `Data` and the media messages are walked field by field (in declaration order,
//! zero values left out, as the derive does), the media `base64` fields are encoded directly
//! into the output (the base64 alphabet needs no JSON escaping), and every other field goes
//! through its own `Serialize`. The structs are destructured without `..`, so a field added
//! to them fails to compile here until it is written.

use bytes::Bytes;
use serde::Serialize;

use crate::models::{Audio, Data, Image, Input, Video};
use crate::proto_json::IsZero;

/// `{"inputs":[…],<the fields of rest>}`: the inputs first, then every non-zero field of
/// `rest` (a request message whose own `inputs` is empty). With no inputs, `rest` alone.
pub(crate) fn body_with_inputs<T: Serialize>(
    inputs: &[Input],
    rest: &T,
) -> serde_json::Result<Vec<u8>> {
    let tail = serde_json::to_vec(rest)?;
    if inputs.is_empty() {
        return Ok(tail);
    }
    let mut out = Vec::with_capacity(encoded_len(inputs) + tail.len() + 16);
    out.extend_from_slice(br#"{"inputs":["#);
    for (i, input) in inputs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_input(&mut out, input)?;
    }
    out.push(b']');
    // `tail` is `{}` or `{"k":v,…}`: splice its members after the inputs.
    if tail.len() > 2 {
        out.push(b',');
        out.extend_from_slice(&tail[1..]);
    } else {
        out.push(b'}');
    }
    Ok(out)
}

/// A close upper estimate of the inputs' JSON size: their media in base64 plus a little per
/// input for the rest (the buffer still grows if labels or metadata need more).
fn encoded_len(inputs: &[Input]) -> usize {
    inputs
        .iter()
        .map(|input| {
            let media = input.data.as_ref().map_or(0, |d| {
                let b = |x: &Bytes| x.len().div_ceil(3) * 4;
                d.image.as_ref().map_or(0, |m| b(&m.base64) + m.url.len())
                    + d.video.as_ref().map_or(0, |m| b(&m.base64) + m.url.len())
                    + d.audio.as_ref().map_or(0, |m| b(&m.base64) + m.url.len())
                    + d.text.as_ref().map_or(0, |t| t.raw.len() + t.url.len())
                    + b(&d.bytes_value)
            });
            media + input.id.len() + 64
        })
        .sum()
}

/// Writes one JSON object, member by member.
struct Object<'a> {
    out: &'a mut Vec<u8>,
    any: bool,
}

impl<'a> Object<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Self { out, any: false }
    }

    /// `"name":` (after a comma unless first). Names are plain identifiers.
    fn key(&mut self, name: &str) {
        if self.any {
            self.out.push(b',');
        }
        self.any = true;
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    /// A field through its own `Serialize`, left out when zero.
    fn field<T: Serialize + IsZero + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
    ) -> serde_json::Result<()> {
        if value.is_zero() {
            return Ok(());
        }
        self.key(name);
        serde_json::to_writer(&mut *self.out, value)
    }

    /// A `bytes` field: padded standard base64 encoded in place, left out when empty.
    fn base64(&mut self, name: &str, value: &Bytes) -> serde_json::Result<()> {
        if value.is_empty() {
            return Ok(());
        }
        self.key(name);
        self.out.push(b'"');
        // SIMD where the CPU has it (picked at run time); appends into the spare capacity.
        base64_simd::STANDARD.encode_append(value, self.out);
        self.out.push(b'"');
        Ok(())
    }

    /// A message field written by `write`, left out when zero.
    fn message<T: IsZero>(
        &mut self,
        name: &str,
        value: &Option<T>,
        write: fn(&mut Vec<u8>, &T) -> serde_json::Result<()>,
    ) -> serde_json::Result<()> {
        match value {
            Some(v) => {
                self.key(name);
                write(self.out, v)
            }
            None => Ok(()),
        }
    }

    /// A field with a `#[serde(with = …)]` serializer.
    fn with<T: IsZero>(
        &mut self,
        name: &str,
        value: &T,
        serialize: fn(&T, &mut serde_json::Serializer<&mut Vec<u8>>) -> serde_json::Result<()>,
    ) -> serde_json::Result<()> {
        if value.is_zero() {
            return Ok(());
        }
        self.key(name);
        serialize(value, &mut serde_json::Serializer::new(&mut *self.out))
    }

    fn end(self) {
        self.out.push(b'}');
    }
}

fn write_input(out: &mut Vec<u8>, input: &Input) -> serde_json::Result<()> {
    let Input {
        id,
        data,
        created_at,
        modified_at,
        status,
        dataset_ids,
        settings,
    } = input;
    let mut o = Object::new(out);
    o.field("id", id)?;
    o.message("data", data, write_data)?;
    o.field("created_at", created_at)?;
    o.field("modified_at", modified_at)?;
    o.field("status", status)?;
    o.field("dataset_ids", dataset_ids)?;
    o.field("settings", settings)?;
    o.end();
    Ok(())
}

fn write_data(out: &mut Vec<u8>, data: &Data) -> serde_json::Result<()> {
    let Data {
        image,
        video,
        concepts,
        metadata,
        geo,
        colors,
        clusters,
        embeddings,
        regions,
        frames,
        text,
        audio,
        tracks,
        time_segments,
        hits,
        heatmaps,
        parts,
        ndarray,
        int_value,
        float_value,
        bytes_value,
        bool_value,
        string_value,
        struct_value,
    } = data;
    let mut o = Object::new(out);
    o.message("image", image, write_image)?;
    o.message("video", video, write_video)?;
    o.field("concepts", concepts)?;
    o.field("metadata", metadata)?;
    o.field("geo", geo)?;
    o.field("colors", colors)?;
    o.field("clusters", clusters)?;
    o.field("embeddings", embeddings)?;
    o.field("regions", regions)?;
    o.field("frames", frames)?;
    o.field("text", text)?;
    o.message("audio", audio, write_audio)?;
    o.field("tracks", tracks)?;
    o.field("time_segments", time_segments)?;
    o.field("hits", hits)?;
    o.field("heatmaps", heatmaps)?;
    o.field("parts", parts)?;
    o.field("ndarray", ndarray)?;
    o.with("int_value", int_value, |v, s| {
        crate::proto_json::int64::serialize(v, s)
    })?;
    o.field("float_value", float_value)?;
    o.base64("bytes_value", bytes_value)?;
    o.field("bool_value", bool_value)?;
    o.field("string_value", string_value)?;
    o.field("struct_value", struct_value)?;
    o.end();
    Ok(())
}

fn write_image(out: &mut Vec<u8>, image: &Image) -> serde_json::Result<()> {
    let Image {
        url,
        base64,
        allow_duplicate_url,
        hosted,
        image_info,
    } = image;
    let mut o = Object::new(out);
    o.field("url", url)?;
    o.base64("base64", base64)?;
    o.field("allow_duplicate_url", allow_duplicate_url)?;
    o.field("hosted", hosted)?;
    o.field("image_info", image_info)?;
    o.end();
    Ok(())
}

fn write_video(out: &mut Vec<u8>, video: &Video) -> serde_json::Result<()> {
    let Video {
        url,
        base64,
        allow_duplicate_url,
        hosted,
        video_info,
    } = video;
    let mut o = Object::new(out);
    o.field("url", url)?;
    o.base64("base64", base64)?;
    o.field("allow_duplicate_url", allow_duplicate_url)?;
    o.field("hosted", hosted)?;
    o.field("video_info", video_info)?;
    o.end();
    Ok(())
}

fn write_audio(out: &mut Vec<u8>, audio: &Audio) -> serde_json::Result<()> {
    let Audio {
        url,
        base64,
        allow_duplicate_url,
        hosted,
        audio_info,
    } = audio;
    let mut o = Object::new(out);
    o.field("url", url)?;
    o.base64("base64", base64)?;
    o.field("allow_duplicate_url", allow_duplicate_url)?;
    o.field("hosted", hosted)?;
    o.field("audio_info", audio_info)?;
    o.end();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Concept, Geo, ImageInfo, Part, Region, Status, Text};
    use crate::requests::{PostInputsRequest, PostModelOutputsRequest, PostWorkflowResultsRequest};
    use crate::status::StatusCode;

    /// Inputs with every field of `Input`, `Data` and the media set, and some sparse ones.
    fn inputs() -> Vec<Input> {
        let bytes =
            |n: usize| Bytes::from((0..n).map(|i| (i * 37 % 256) as u8).collect::<Vec<_>>());
        let metadata = crate::proto_json::Struct::from_iter([
            ("k".to_owned(), serde_json::json!("v \"quoted\" \u{1}")),
            ("n".to_owned(), serde_json::json!(1.5)),
        ]);
        let full = Data {
            image: Some(Image {
                url: "https://x/\"a\".jpg".into(),
                base64: bytes(100),
                allow_duplicate_url: true,
                hosted: Some(serde_json::json!({"prefix": "p"})),
                image_info: Some(ImageInfo {
                    width: 3,
                    height: 4,
                    format: "JPEG".into(),
                    color_mode: String::new(),
                }),
            }),
            video: Some(Video {
                base64: bytes(1),
                video_info: Some(serde_json::json!({"fps": 30})),
                ..Video::default()
            }),
            concepts: vec![Concept {
                id: "dog".into(),
                value: Some(0.0),
                ..Concept::default()
            }],
            metadata,
            geo: Some(Geo::point(1.0, -2.5)),
            clusters: vec![serde_json::json!({"id": "c"})],
            regions: vec![Region {
                id: "r".into(),
                ..Region::default()
            }],
            text: Some(Text::from_raw("naïve\n\ttext")),
            audio: Some(Audio {
                url: "https://x/a.wav".into(),
                base64: bytes(2),
                allow_duplicate_url: true,
                ..Audio::default()
            }),
            heatmaps: vec![Image::from_bytes(bytes(5))],
            parts: vec![Part {
                data: Some(Data::image(Image::from_bytes(bytes(7)))),
                id: "p1".into(),
            }],
            ndarray: Some(serde_json::json!({"shape": [1]})),
            int_value: -9_007_199_254_740_993,
            float_value: 0.25,
            bytes_value: bytes(3),
            bool_value: true,
            string_value: "s".into(),
            struct_value: crate::proto_json::Struct::from_iter([(
                "a".to_owned(),
                serde_json::json!([1, null]),
            )]),
            ..Data::default()
        };
        vec![
            Input {
                id: "in-1".into(),
                data: Some(full),
                created_at: Some("2026-01-01T00:00:00Z".into()),
                modified_at: Some(String::new()),
                status: Some(Status::new(StatusCode::INPUT_SUCCESS, "ok")),
                dataset_ids: vec!["ds".into()],
                settings: Some(serde_json::json!({"x": 1})),
            },
            Input::from_data(Data::image(Image::from_bytes(bytes(32 * 1024 + 1)))),
            Input::from_data(Data::image(Image::from_url("https://x/y.jpg"))),
            Input::from_data(Data::image(Image::default())),
            Input::from_data(Data::default()),
            Input::default(),
            Input::new("t", Data::text(Text::from_raw("hello"))).in_datasets(["a", "b"]),
        ]
    }

    #[test]
    fn the_writer_matches_the_derived_serialize_byte_for_byte() {
        let inputs = inputs();
        for (i, input) in inputs.iter().enumerate() {
            let mut mine = Vec::new();
            write_input(&mut mine, input).unwrap();
            assert_eq!(
                String::from_utf8(mine).unwrap(),
                serde_json::to_string(input).unwrap(),
                "input {i}"
            );
        }
        let predict = PostModelOutputsRequest {
            runner_selector: Some(crate::models::RunnerSelector::deployment("d", "u")),
            ..PostModelOutputsRequest::default()
        };
        let expected = serde_json::to_vec(&PostModelOutputsRequest {
            inputs: inputs.clone(),
            ..predict.clone()
        })
        .unwrap();
        assert_eq!(body_with_inputs(&inputs, &predict).unwrap(), expected);
        let upload = PostInputsRequest {
            inputs_add_job_id: "job".into(),
            ..PostInputsRequest::default()
        };
        let expected = serde_json::to_vec(&PostInputsRequest {
            inputs: inputs.clone(),
            ..upload.clone()
        })
        .unwrap();
        assert_eq!(body_with_inputs(&inputs, &upload).unwrap(), expected);
        let bare = PostWorkflowResultsRequest::default();
        let expected = serde_json::to_vec(&PostWorkflowResultsRequest {
            inputs: inputs.clone(),
            ..bare.clone()
        })
        .unwrap();
        assert_eq!(body_with_inputs(&inputs, &bare).unwrap(), expected);
        assert_eq!(
            body_with_inputs(&[], &upload).unwrap(),
            br#"{"inputs_add_job_id":"job"}"#
        );
    }

    #[test]
    fn the_buffer_is_sized_once_for_media_inputs() {
        let images: Vec<Input> = (0..8u8)
            .map(|n| {
                Input::from_data(Data::image(Image::from_bytes(vec![
                    n;
                    1000 + usize::from(n)
                ])))
            })
            .collect();
        let body = body_with_inputs(&images, &PostModelOutputsRequest::default()).unwrap();
        assert!(body.capacity() >= body.len() && body.capacity() <= body.len() + 8 * 64 + 16);
        let back: PostModelOutputsRequest = serde_json::from_slice(&body).unwrap();
        assert_eq!(back.inputs, images);
    }
}
