//! Object detection, instance segmentation (polygon and RLE masks) and keypoint detection.
//!
//! Boxes are centre-based, in pixels of the image the server saw (`x`, `y` = centre). A
//! prediction must carry its box, class and confidence, otherwise the response does not decode;
//! ids and the other members are optional (older hosted responses have no `class_id` nor
//! `detection_id`). Unknown members are ignored.

use serde::{Deserialize, Serialize};

use super::ResponseImage;
use crate::config::MaskFormat;

/// A centre-based box in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct BoundingBox {
    /// Centre x.
    pub x: f64,
    /// Centre y.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

impl BoundingBox {
    /// `(x_min, y_min, x_max, y_max)`.
    pub fn corners(&self) -> (f64, f64, f64, f64) {
        let (half_w, half_h) = (self.width / 2.0, self.height / 2.0);
        (
            self.x - half_w,
            self.y - half_h,
            self.x + half_w,
            self.y + half_h,
        )
    }
}

/// Declares a prediction struct: the box, class and confidence members every detection has,
/// then its own.
macro_rules! detection_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[non_exhaustive]
        pub struct $name {
            /// Box centre x, pixels.
            pub x: f64,
            /// Box centre y, pixels.
            pub y: f64,
            /// Box width, pixels.
            pub width: f64,
            /// Box height, pixels.
            pub height: f64,
            /// Confidence of the detection.
            pub confidence: f64,
            /// The class name (`class` on the wire).
            #[serde(rename = "class")]
            pub class_name: String,
            /// The class index.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub class_id: Option<i64>,
            /// The classification confidence, when the model reports it apart.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub class_confidence: Option<f64>,
            /// The tracker's id (video pipelines).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub tracker_id: Option<i64>,
            /// The detection's id (a UUID).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub detection_id: Option<String>,
            /// The parent image region (workflows, stacked models).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub parent_id: Option<String>,
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $name {
            /// The box.
            pub fn bbox(&self) -> BoundingBox {
                BoundingBox { x: self.x, y: self.y, width: self.width, height: self.height }
            }
        }
    };
}

detection_struct! {
    /// One box (`ObjectDetectionPrediction`).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ObjectDetectionPrediction {}
}

response_struct! {
    /// `/infer/object_detection` and the v0 route on a detection model.
    pub struct ObjectDetectionResponse {
        /// The size of the image the predictions refer to.
        pub image: ResponseImage,
        /// The boxes.
        pub predictions: Vec<ObjectDetectionPrediction>,
        /// Base64 JPEG of the predictions drawn on the image (`visualize_predictions`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub visualization: Option<String>,
    }
}

/// A point of a polygon.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Point {
    /// x, pixels.
    pub x: f64,
    /// y, pixels.
    pub y: f64,
}

impl Point {
    /// A point.
    pub fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
}

/// COCO run-length `counts`: the compressed string form or the plain list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum RleCounts {
    /// COCO's compressed string.
    Compressed(String),
    /// Plain run lengths, starting with a run of zeros.
    Runs(Vec<u64>),
}

/// A COCO run-length-encoded mask.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Rle {
    /// `[height, width]`.
    pub size: [u32; 2],
    /// The runs, column-major as COCO.
    pub counts: RleCounts,
}

/// The mask of an instance: a polygon or a run-length encoding.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub enum Mask {
    /// `points`: the polygon (`mask_format: "polygon"`).
    #[serde(rename = "points")]
    Polygon(Vec<Point>),
    /// `rle` (`mask_format: "rle"`).
    #[serde(rename = "rle")]
    Rle(Rle),
}

detection_struct! {
    /// One instance (`InstanceSegmentationPrediction` / `InstanceSegmentationRLEPrediction`).
    /// Decoding fails when it has neither `points` nor `rle`.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(try_from = "RawInstance")]
    pub struct InstanceSegmentationPrediction {
        /// The mask (`points` or `rle` on the wire).
        #[serde(flatten)]
        pub mask: Mask,
        /// `mask_format`, as sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub mask_format: Option<MaskFormat>,
    }
}

impl InstanceSegmentationPrediction {
    /// The polygon, when the mask is one.
    pub fn points(&self) -> Option<&[Point]> {
        match &self.mask {
            Mask::Polygon(points) => Some(points),
            Mask::Rle(_) => None,
        }
    }

    /// The run-length encoding, when the mask is one.
    pub fn rle(&self) -> Option<&Rle> {
        match &self.mask {
            Mask::Rle(rle) => Some(rle),
            Mask::Polygon(_) => None,
        }
    }
}

/// The wire form of an instance, before the mask is chosen.
#[derive(Deserialize)]
struct RawInstance {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    confidence: f64,
    #[serde(rename = "class")]
    class_name: String,
    #[serde(default)]
    class_id: Option<i64>,
    #[serde(default)]
    class_confidence: Option<f64>,
    #[serde(default)]
    tracker_id: Option<i64>,
    #[serde(default)]
    detection_id: Option<String>,
    #[serde(default)]
    parent_id: Option<String>,
    #[serde(default)]
    points: Option<Vec<Point>>,
    #[serde(default)]
    rle: Option<Rle>,
    #[serde(default)]
    mask_format: Option<MaskFormat>,
}

impl TryFrom<RawInstance> for InstanceSegmentationPrediction {
    type Error = String;

    fn try_from(raw: RawInstance) -> Result<Self, Self::Error> {
        let mask = match (raw.points, raw.rle, &raw.mask_format) {
            (_, Some(rle), Some(MaskFormat::Rle)) | (None, Some(rle), _) => Mask::Rle(rle),
            (Some(points), _, _) => Mask::Polygon(points),
            (None, None, _) => {
                return Err(
                    "an instance-segmentation prediction has neither `points` nor `rle`".into(),
                );
            }
        };
        Ok(Self {
            x: raw.x,
            y: raw.y,
            width: raw.width,
            height: raw.height,
            confidence: raw.confidence,
            class_name: raw.class_name,
            class_id: raw.class_id,
            class_confidence: raw.class_confidence,
            tracker_id: raw.tracker_id,
            detection_id: raw.detection_id,
            parent_id: raw.parent_id,
            mask,
            mask_format: raw.mask_format,
        })
    }
}

/// `mask_metadata`: how mask coordinates map to the image (`MaskCoordinateMetadata`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MaskCoordinateMetadata {
    /// `"mask_grid"` when masks are given in a reduced grid rather than image pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinate_system: Option<String>,
    /// Grid width.
    pub width: u32,
    /// Grid height.
    pub height: u32,
    /// Image pixels per grid cell, horizontally.
    pub scale_x: f64,
    /// Image pixels per grid cell, vertically.
    pub scale_y: f64,
}

impl MaskCoordinateMetadata {
    /// Whether coordinates are in the reduced mask grid (`allow_reduced_mask_resolution`).
    pub fn is_mask_grid(&self) -> bool {
        self.coordinate_system.as_deref() == Some("mask_grid")
    }
}

response_struct! {
    /// `/infer/instance_segmentation` and the v0 route on a segmentation model.
    pub struct InstanceSegmentationResponse {
        /// The size of the image the predictions refer to.
        pub image: ResponseImage,
        /// The instances.
        pub predictions: Vec<InstanceSegmentationPrediction>,
        /// The original image's size, when masks are in a reduced grid.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub original_image: Option<super::ImageSize>,
        /// How mask coordinates map to the image.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub mask_metadata: Option<MaskCoordinateMetadata>,
        /// Base64 JPEG of the predictions drawn on the image.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub visualization: Option<String>,
    }
}

/// One keypoint of a detection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Keypoint {
    /// x, pixels.
    pub x: f64,
    /// y, pixels.
    pub y: f64,
    /// Confidence of the keypoint.
    pub confidence: f64,
    /// The keypoint's name in the skeleton (`class` on the wire).
    #[serde(rename = "class")]
    pub class_name: String,
    /// The keypoint's index in the skeleton.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_id: Option<i64>,
}

detection_struct! {
    /// One box with keypoints (`KeypointsPrediction`).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct KeypointsPrediction {
        /// The keypoints.
        pub keypoints: Vec<Keypoint>,
    }
}

response_struct! {
    /// `/infer/keypoints_detection` and the v0 route on a keypoint model.
    pub struct KeypointsDetectionResponse {
        /// The size of the image the predictions refer to.
        pub image: ResponseImage,
        /// The detections.
        pub predictions: Vec<KeypointsPrediction>,
        /// Base64 JPEG of the predictions drawn on the image.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub visualization: Option<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_box_needs_its_identity() {
        let ok = json!({"x": 1, "y": 2, "width": 3, "height": 4, "confidence": 0.5, "class": "dog",
                        "future_member": {"a": 1}});
        let p: ObjectDetectionPrediction = serde_json::from_value(ok.clone()).unwrap();
        assert_eq!(p.class_name, "dog");
        assert_eq!(p.class_id, None);
        assert_eq!(p.bbox().corners(), (-0.5, 0.0, 2.5, 4.0));
        for missing in ["x", "y", "width", "height", "confidence", "class"] {
            let mut value = ok.clone();
            value.as_object_mut().unwrap().remove(missing);
            let err = serde_json::from_value::<ObjectDetectionPrediction>(value).unwrap_err();
            assert!(err.to_string().contains(missing), "{missing}: {err}");
        }
    }

    #[test]
    fn instance_masks() {
        let polygon: InstanceSegmentationPrediction = serde_json::from_value(json!({
            "x": 100.0, "y": 100.0, "width": 40.0, "height": 20.0, "confidence": 0.8,
            "class": "cat", "class_id": 0, "detection_id": "s1",
            "points": [{"x": 80.0, "y": 90.0}, {"x": 120.0, "y": 90.0}]
        }))
        .unwrap();
        assert_eq!(polygon.points().unwrap().len(), 2);
        assert!(polygon.rle().is_none());
        // Serialized back: `points`, flat, like the server.
        let back = serde_json::to_value(&polygon).unwrap();
        assert_eq!(back["points"][1]["x"], 120.0);
        assert!(back.get("mask").is_none());

        let rle: InstanceSegmentationPrediction = serde_json::from_value(json!({
            "x": 1, "y": 1, "width": 2, "height": 2, "confidence": 0.9, "class": "cat",
            "rle": {"size": [4, 4], "counts": "04L4"}, "mask_format": "rle"
        }))
        .unwrap();
        assert_eq!(
            rle.rle().unwrap().counts,
            RleCounts::Compressed("04L4".into())
        );
        assert_eq!(rle.mask_format, Some(MaskFormat::Rle));
        let runs: Rle =
            serde_json::from_value(json!({"size": [2, 2], "counts": [1, 2, 1]})).unwrap();
        assert_eq!(runs.counts, RleCounts::Runs(vec![1, 2, 1]));
        assert_eq!(
            serde_json::to_value(&rle).unwrap()["rle"]["size"],
            json!([4, 4])
        );

        let err = serde_json::from_value::<InstanceSegmentationPrediction>(json!({
            "x": 1, "y": 1, "width": 2, "height": 2, "confidence": 0.9, "class": "cat"
        }))
        .unwrap_err();
        assert!(
            err.to_string().contains("neither `points` nor `rle`"),
            "{err}"
        );
    }

    #[test]
    fn keypoints() {
        let p: KeypointsPrediction = serde_json::from_value(json!({
            "x": 1, "y": 1, "width": 2, "height": 2, "confidence": 0.9, "class": "person",
            "keypoints": [{"x": 1.5, "y": 0.5, "confidence": 0.7, "class": "nose", "class_id": 0}]
        }))
        .unwrap();
        assert_eq!(p.keypoints[0].class_name, "nose");
        assert!(
            serde_json::from_value::<KeypointsPrediction>(json!({
                "x": 1, "y": 1, "width": 2, "height": 2, "confidence": 0.9, "class": "person"
            }))
            .is_err()
        );
    }
}
