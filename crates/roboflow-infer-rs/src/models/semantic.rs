//! Semantic segmentation: a class per pixel, as base64 PNG masks.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ResponseImage, decode_base64};

/// The masks of a semantic-segmentation result (`SemanticSegmentationPrediction`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SemanticSegmentationPrediction {
    /// Base64 PNG whose pixel values are class ids.
    pub segmentation_mask: String,
    /// Pixel value (as a string) → class name.
    pub class_map: BTreeMap<String, String>,
    /// Base64 PNG of per-pixel confidences.
    pub confidence_mask: String,
    /// The class ids that occur in the mask.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present_class_ids: Option<Vec<u32>>,
}

impl SemanticSegmentationPrediction {
    /// The PNG bytes of the class-id mask.
    pub fn segmentation_mask_png(&self) -> Result<Vec<u8>, base64::DecodeError> {
        decode_base64(&self.segmentation_mask)
    }

    /// The PNG bytes of the confidence mask.
    pub fn confidence_mask_png(&self) -> Result<Vec<u8>, base64::DecodeError> {
        decode_base64(&self.confidence_mask)
    }

    /// The class name of a pixel value.
    pub fn class_name(&self, pixel_value: u32) -> Option<&str> {
        self.class_map
            .get(&pixel_value.to_string())
            .map(String::as_str)
    }
}

response_struct! {
    /// `/infer/semantic_segmentation` and the v0 route on a semantic-segmentation model.
    pub struct SemanticSegmentationResponse {
        /// The size of the image.
        pub image: ResponseImage,
        /// The masks.
        pub predictions: SemanticSegmentationPrediction,
        /// Base64 JPEG visualisation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub visualization: Option<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_decode_on_request() {
        let png = [0x89u8, b'P', b'N', b'G'];
        let response: SemanticSegmentationResponse = serde_json::from_value(json!({
            "image": {"width": 4, "height": 4},
            "predictions": {"segmentation_mask": super::super::encode_base64(&png),
                            "class_map": {"0": "background", "1": "road"},
                            "confidence_mask": "iVBORw==", "present_class_ids": [0, 1]}
        }))
        .unwrap();
        let p = &response.predictions;
        assert_eq!(p.segmentation_mask_png().unwrap(), png);
        assert_eq!(p.confidence_mask_png().unwrap(), png);
        assert_eq!(p.class_name(1), Some("road"));
        assert_eq!(p.class_name(7), None);
        assert!(
            serde_json::from_value::<SemanticSegmentationResponse>(json!({
                "image": {"width": 4, "height": 4}, "predictions": {"class_map": {}}
            }))
            .is_err()
        );
    }
}
