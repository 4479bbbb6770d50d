//! OCR: doctr, TrOCR, EasyOCR, PP-OCR (`OCRInferenceResponse`).

use super::{ImageSize, ObjectDetectionPrediction};

response_struct! {
    /// The recognised text, and for some models the boxes of the words.
    pub struct OcrResponse {
        /// The text.
        pub result: String,
        /// The size of the image.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub image: Option<ImageSize>,
        /// Word / line boxes (`generate_bounding_boxes`), the text in `class`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub predictions: Option<Vec<ObjectDetectionPrediction>>,
        /// The parent image region.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub parent_id: Option<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_and_boxes() {
        let r: OcrResponse = serde_json::from_value(json!({
            "time": 0.2, "result": "HELLO WORLD", "image": {"width": 100, "height": 20},
            "predictions": [{"x": 25, "y": 10, "width": 50, "height": 20, "confidence": 0.99,
                             "class": "HELLO", "class_id": 0, "detection_id": "w1"}]
        }))
        .unwrap();
        assert_eq!(r.result, "HELLO WORLD");
        assert_eq!(r.predictions.unwrap()[0].class_name, "HELLO");
        // The mock's canned answer of `results.json: v1_ocr_doctr` (a detection response) is
        // not an OCR response.
        assert!(
            serde_json::from_value::<OcrResponse>(json!({
                "image": {"width": 640, "height": 480}, "predictions": []
            }))
            .is_err()
        );
    }
}
