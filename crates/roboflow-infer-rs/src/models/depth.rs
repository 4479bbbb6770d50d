//! Depth estimation (`/infer/depth-estimation`, `/infer/depth-estimation/{model_id}`).

use serde::{Deserialize, Serialize};

use super::decode_base64;

open_enum! {
    /// `depth_map_format`: how `normalized_depth` is serialised.
    pub enum DepthMapFormat {
        /// A 2-D array of floats in `0..=1` (the server's default).
        Json = "json",
        /// A base64 16-bit grayscale PNG.
        Png16 = "png16",
        /// A base64 8-bit grayscale PNG.
        Png8 = "png8",
    }
}

/// The depth map: values in `0..=1` (1 = nearest), as a grid or a PNG.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NormalizedDepth {
    /// Rows of values (`json` format).
    Grid(Vec<Vec<f64>>),
    /// Base64 PNG (`png16` / `png8`).
    Png(String),
}

impl NormalizedDepth {
    /// The PNG bytes, for the PNG formats.
    pub fn png_bytes(&self) -> Option<Result<Vec<u8>, base64::DecodeError>> {
        match self {
            Self::Png(text) => Some(decode_base64(text)),
            Self::Grid(_) => None,
        }
    }
}

response_struct! {
    /// `DepthEstimationResponse`.
    pub struct DepthEstimationResponse {
        /// The depth map.
        pub normalized_depth: NormalizedDepth,
        /// Its format.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub depth_map_format: Option<DepthMapFormat>,
        /// Base64 visualisation of the map (`visualize_predictions`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub image: Option<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn grid_or_png() {
        let grid: DepthEstimationResponse = serde_json::from_value(json!({
            "normalized_depth": [[0.0, 0.5], [1.0, 0.25]], "depth_map_format": "json"
        }))
        .unwrap();
        assert_eq!(
            grid.normalized_depth,
            NormalizedDepth::Grid(vec![vec![0.0, 0.5], vec![1.0, 0.25]])
        );
        assert!(grid.normalized_depth.png_bytes().is_none());
        let png: DepthEstimationResponse = serde_json::from_value(json!({
            "normalized_depth": "iVBORw==", "depth_map_format": "png16", "time": 0.1
        }))
        .unwrap();
        assert_eq!(png.depth_map_format, Some(DepthMapFormat::Png16));
        assert_eq!(
            png.normalized_depth.png_bytes().unwrap().unwrap(),
            b"\x89PNG"
        );
        assert!(serde_json::from_value::<DepthEstimationResponse>(json!({"time": 0.1})).is_err());
    }
}
