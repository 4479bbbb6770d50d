//! Classification: single-label, multi-label, and anomaly detection (a single-label response
//! with an anomaly score and, on request, the anomaly map).

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{ResponseImage, decode_base64};

/// One class and its confidence (`ClassificationPrediction`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClassificationPrediction {
    /// The class name (`class` on the wire).
    #[serde(rename = "class")]
    pub class_name: String,
    /// The class index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_id: Option<i64>,
    /// Its confidence.
    pub confidence: f64,
}

response_struct! {
    /// A single-label result (`ClassificationInferenceResponse`).
    pub struct ClassificationResponse {
        /// The size of the image.
        pub image: ResponseImage,
        /// Every class, by confidence.
        pub predictions: Vec<ClassificationPrediction>,
        /// The top class.
        pub top: String,
        /// The top class's confidence.
        pub confidence: f64,
        /// The parent image region.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub parent_id: Option<String>,
        /// Base64 JPEG visualisation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub visualization: Option<String>,
    }
}

/// The confidence of one class in a multi-label result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MultiLabelClassificationPrediction {
    /// Its confidence.
    pub confidence: f64,
    /// The class index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_id: Option<i64>,
}

response_struct! {
    /// A multi-label result (`MultiLabelClassificationInferenceResponse`).
    pub struct MultiLabelClassificationResponse {
        /// The size of the image.
        pub image: ResponseImage,
        /// Class name → confidence.
        pub predictions: BTreeMap<String, MultiLabelClassificationPrediction>,
        /// The classes over the threshold.
        pub predicted_classes: Vec<String>,
        /// The parent image region.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub parent_id: Option<String>,
        /// Base64 JPEG visualisation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub visualization: Option<String>,
    }
}

/// `anomaly_map` as the server sends it: row-major little-endian `float32`, base64
/// (`AnomalyMapPayload`), at the network's input resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AnomalyMapPayload {
    /// `[height, width]`.
    pub shape: Vec<u64>,
    /// `"float32"`.
    pub dtype: String,
    /// Base64 of the values.
    pub data: String,
}

/// A decoded anomaly map.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AnomalyMap {
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
    /// `height × width` values, row-major.
    pub values: Vec<f32>,
}

impl AnomalyMap {
    /// The value at `(row, column)`.
    pub fn get(&self, row: usize, column: usize) -> Option<f32> {
        (row < self.height && column < self.width).then(|| self.values[row * self.width + column])
    }
}

impl AnomalyMapPayload {
    /// Decodes the map with the official client's checks (`decode_anomaly_map`): dtype
    /// `float32`, a shape of two positive sizes, valid base64, and exactly `h × w × 4` bytes.
    pub fn decode(&self) -> Result<AnomalyMap, String> {
        if self.dtype != "float32" {
            return Err(format!(
                "expected anomaly map dtype 'float32', got {:?}",
                self.dtype
            ));
        }
        let [height, width] = self.shape[..] else {
            return Err(format!(
                "anomaly map shape must be two positive ints, got {:?}",
                self.shape
            ));
        };
        let (Ok(height), Ok(width)) = (usize::try_from(height), usize::try_from(width)) else {
            return Err(format!("anomaly map shape {:?} is too large", self.shape));
        };
        if height == 0 || width == 0 {
            return Err(format!(
                "anomaly map shape must be two positive ints, got {:?}",
                self.shape
            ));
        }
        let data = decode_base64(&self.data)
            .map_err(|_| "anomaly map payload is not valid base64".to_owned())?;
        let expected = height.checked_mul(width).and_then(|n| n.checked_mul(4));
        if expected != Some(data.len()) {
            return Err(format!(
                "anomaly map payload holds {} bytes, expected {} for shape ({height}, {width})",
                data.len(),
                height.saturating_mul(width).saturating_mul(4)
            ));
        }
        let values = data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok(AnomalyMap {
            height,
            width,
            values,
        })
    }
}

response_struct! {
    /// An anomaly-detection result (`AnomalyDetectionResponse`): a single-label classification
    /// plus the anomaly score.
    pub struct AnomalyDetectionResponse {
        /// The size of the image.
        pub image: ResponseImage,
        /// Every class, by confidence.
        pub predictions: Vec<ClassificationPrediction>,
        /// The top class.
        pub top: String,
        /// The top class's confidence.
        pub confidence: f64,
        /// The anomaly score.
        pub anomaly_score: f64,
        /// The threshold over which the image is anomalous.
        pub anomaly_threshold: f64,
        /// The score's scale.
        pub anomaly_scale: f64,
        /// Whether the score is over the threshold.
        pub is_anomalous: bool,
        /// The map (with `include_anomaly_map`); [`AnomalyMapPayload::decode`] it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub anomaly_map: Option<AnomalyMapPayload>,
        /// The parent image region.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub parent_id: Option<String>,
        /// Base64 JPEG visualisation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub visualization: Option<String>,
    }
}

/// What a classification model answered: the shape of the response tells which (a map of
/// `predictions` is multi-label; `anomaly_score` marks anomaly detection).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClassificationResult {
    /// One label.
    SingleLabel(ClassificationResponse),
    /// Several labels.
    MultiLabel(MultiLabelClassificationResponse),
    /// Anomaly detection.
    Anomaly(AnomalyDetectionResponse),
}

impl<'de> Deserialize<'de> for ClassificationResult {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        let multi_label = value.get("predictions").is_some_and(|p| p.is_object());
        let anomaly = value.get("anomaly_score").is_some();
        let result = if multi_label {
            serde_json::from_value(value).map(Self::MultiLabel)
        } else if anomaly {
            serde_json::from_value(value).map(Self::Anomaly)
        } else {
            serde_json::from_value(value).map(Self::SingleLabel)
        };
        result.map_err(D::Error::custom)
    }
}

impl Serialize for ClassificationResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::SingleLabel(r) => r.serialize(serializer),
            Self::MultiLabel(r) => r.serialize(serializer),
            Self::Anomaly(r) => r.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes_choose_the_kind() {
        let single: ClassificationResult = serde_json::from_value(json!({
            "image": {"width": 10, "height": 10}, "top": "cat", "confidence": 0.9,
            "predictions": [{"class": "cat", "class_id": 0, "confidence": 0.9},
                            {"class": "dog", "class_id": 1, "confidence": 0.1}]
        }))
        .unwrap();
        let ClassificationResult::SingleLabel(single) = single else {
            panic!("{single:?}")
        };
        assert_eq!(single.predictions[1].class_name, "dog");

        let multi: ClassificationResult = serde_json::from_value(json!({
            "image": {"width": 10, "height": 10}, "predicted_classes": ["cat"],
            "predictions": {"cat": {"confidence": 0.9, "class_id": 0},
                            "dog": {"confidence": 0.2, "class_id": 1}}
        }))
        .unwrap();
        let ClassificationResult::MultiLabel(multi) = multi else {
            panic!("{multi:?}")
        };
        assert_eq!(multi.predictions["dog"].confidence, 0.2);

        let values = [0.5f32, 1.0, -2.0, 0.25, 3.5, 0.0];
        let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let anomaly: ClassificationResult = serde_json::from_value(json!({
            "image": {"width": 10, "height": 10}, "top": "bad", "confidence": 0.7,
            "predictions": [{"class": "bad", "class_id": 1, "confidence": 0.7}],
            "anomaly_score": 0.7, "anomaly_threshold": 0.5, "anomaly_scale": 1.0,
            "is_anomalous": true,
            "anomaly_map": {"shape": [2, 3], "dtype": "float32",
                            "data": super::super::encode_base64(&data)}
        }))
        .unwrap();
        let ClassificationResult::Anomaly(anomaly) = anomaly else {
            panic!("{anomaly:?}")
        };
        let map = anomaly.anomaly_map.unwrap().decode().unwrap();
        assert_eq!((map.height, map.width), (2, 3));
        assert_eq!(map.values, values);
        assert_eq!(map.get(1, 1), Some(3.5));
        assert_eq!(map.get(2, 0), None);
        // Serialized back as the server sent it.
        let back = serde_json::to_value(ClassificationResult::MultiLabel(multi)).unwrap();
        assert_eq!(back["predicted_classes"], json!(["cat"]));
    }

    #[test]
    fn a_classification_needs_its_top_class() {
        let err = serde_json::from_value::<ClassificationResult>(json!({
            "image": {"width": 10, "height": 10}, "predictions": []
        }))
        .unwrap_err();
        assert!(err.to_string().contains("top"), "{err}");
    }

    #[test]
    fn bad_anomaly_maps_are_errors() {
        let payload = |shape: serde_json::Value, dtype: &str, data: &str| AnomalyMapPayload {
            shape: serde_json::from_value(shape).unwrap(),
            dtype: dtype.into(),
            data: data.into(),
        };
        let four = super::super::encode_base64(&[0; 4]);
        assert!(payload(json!([1, 1]), "float32", &four).decode().is_ok());
        assert!(payload(json!([1, 1]), "float64", &four).decode().is_err());
        assert!(payload(json!([1]), "float32", &four).decode().is_err());
        assert!(payload(json!([0, 1]), "float32", "").decode().is_err());
        assert!(payload(json!([1, 2]), "float32", &four).decode().is_err());
        assert!(payload(json!([1, 1]), "float32", "@@@").decode().is_err());
    }
}
