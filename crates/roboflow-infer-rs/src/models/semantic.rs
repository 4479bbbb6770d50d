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

    /// The class-id mask, decoded (feature `image`): pixel values are class ids.
    #[cfg(feature = "image")]
    pub fn segmentation_mask_image(&self) -> Result<image::DynamicImage, String> {
        decode_png(&self.segmentation_mask)
    }

    /// The confidence mask, decoded (feature `image`).
    #[cfg(feature = "image")]
    pub fn confidence_mask_image(&self) -> Result<image::DynamicImage, String> {
        decode_png(&self.confidence_mask)
    }

    /// The class name of a pixel value.
    pub fn class_name(&self, pixel_value: u32) -> Option<&str> {
        self.class_map
            .get(&pixel_value.to_string())
            .map(String::as_str)
    }
}

#[cfg(feature = "image")]
fn decode_png(text: &str) -> Result<image::DynamicImage, String> {
    let bytes = decode_base64(text).map_err(|_| "the mask is not valid base64".to_owned())?;
    image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .map_err(|e| format!("the mask is not a decodable PNG: {e}"))
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
        #[cfg(feature = "image")]
        {
            // Not a whole PNG: a clear error, no panic.
            assert!(p.segmentation_mask_image().is_err());
            let mut png = std::io::Cursor::new(Vec::new());
            image::GrayImage::from_raw(2, 1, vec![0, 1])
                .unwrap()
                .write_to(&mut png, image::ImageFormat::Png)
                .unwrap();
            let mut with_png = p.clone();
            with_png.segmentation_mask = super::super::encode_base64(&png.into_inner());
            let mask = with_png.segmentation_mask_image().unwrap().into_luma8();
            assert_eq!(
                with_png.class_name(u32::from(mask.get_pixel(1, 0).0[0])),
                Some("road")
            );
        }
        assert!(
            serde_json::from_value::<SemanticSegmentationResponse>(json!({
                "image": {"width": 4, "height": 4}, "predictions": {"class_map": {}}
            }))
            .is_err()
        );
    }
}
