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
#[non_exhaustive]
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

/// A decoded depth map: values in `0..=1`, 1 = nearest.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DepthMap {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// `height × width` values, row-major.
    pub values: Vec<f32>,
}

impl DepthMap {
    /// The value at `(row, column)`.
    pub fn get(&self, row: usize, column: usize) -> Option<f32> {
        (row < self.height && column < self.width).then(|| self.values[row * self.width + column])
    }
}

impl NormalizedDepth {
    /// The map as values, whatever the format: the grid as it is, a PNG (feature `image`)
    /// divided by its maximum (255 for 8-bit, 65535 for 16-bit), as the official client's
    /// `decode_png_normalized_depth`.
    pub fn to_depth_map(&self) -> Result<DepthMap, String> {
        match self {
            Self::Grid(rows) => {
                let width = rows.first().map_or(0, Vec::len);
                if rows.iter().any(|row| row.len() != width) {
                    return Err("the depth grid's rows differ in length".into());
                }
                Ok(DepthMap {
                    width,
                    height: rows.len(),
                    // Depth values are float32 on the server.
                    values: rows.iter().flatten().map(|&v| v as f32).collect(),
                })
            }
            Self::Png(text) => decode_png(text),
        }
    }
}

#[cfg(feature = "image")]
fn decode_png(text: &str) -> Result<DepthMap, String> {
    let bytes = decode_base64(text).map_err(|_| "depth map payload is not valid base64")?;
    let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .map_err(|_| "depth map payload is not a decodable PNG")?;
    let (width, height) = (image.width() as usize, image.height() as usize);
    let values = match image {
        image::DynamicImage::ImageLuma8(gray) => gray
            .into_raw()
            .into_iter()
            .map(|v| f32::from(v) / 255.0)
            .collect(),
        image::DynamicImage::ImageLuma16(gray) => gray
            .into_raw()
            .into_iter()
            .map(|v| f32::from(v) / 65535.0)
            .collect(),
        other => {
            return Err(format!(
                "expected an 8- or 16-bit grayscale depth map, got {:?}",
                other.color()
            ));
        }
    };
    Ok(DepthMap {
        width,
        height,
        values,
    })
}

#[cfg(not(feature = "image"))]
fn decode_png(_: &str) -> Result<DepthMap, String> {
    Err("decoding PNG depth maps needs the `image` feature of roboflow-infer-rs".into())
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

    #[test]
    fn grids_decode() {
        let map = NormalizedDepth::Grid(vec![vec![0.0, 0.5], vec![1.0, 0.25]])
            .to_depth_map()
            .unwrap();
        assert_eq!((map.width, map.height), (2, 2));
        assert_eq!(map.get(1, 1), Some(0.25));
        assert_eq!(map.get(2, 0), None);
        assert!(
            NormalizedDepth::Grid(vec![vec![0.0], vec![]])
                .to_depth_map()
                .is_err()
        );
    }

    #[cfg(feature = "image")]
    #[test]
    fn pngs_decode_to_unit_values() {
        use std::io::Cursor;

        let encode = |image: image::DynamicImage| {
            let mut png = Cursor::new(Vec::new());
            image.write_to(&mut png, image::ImageFormat::Png).unwrap();
            super::super::encode_base64(&png.into_inner())
        };
        let sixteen =
            image::ImageBuffer::<image::Luma<u16>, _>::from_raw(2, 1, vec![0u16, 65535]).unwrap();
        let map = NormalizedDepth::Png(encode(image::DynamicImage::ImageLuma16(sixteen)))
            .to_depth_map()
            .unwrap();
        assert_eq!(
            (map.width, map.height, map.values.clone()),
            (2, 1, vec![0.0, 1.0])
        );
        let eight = image::GrayImage::from_raw(1, 2, vec![51u8, 255]).unwrap();
        let map = NormalizedDepth::Png(encode(image::DynamicImage::ImageLuma8(eight)))
            .to_depth_map()
            .unwrap();
        assert_eq!(map.values, [0.2, 1.0]);
        let rgb = image::RgbImage::new(1, 1);
        assert!(
            NormalizedDepth::Png(encode(image::DynamicImage::ImageRgb8(rgb)))
                .to_depth_map()
                .is_err()
        );
        assert!(NormalizedDepth::Png("@@".into()).to_depth_map().is_err());
        assert!(NormalizedDepth::Png("aGk=".into()).to_depth_map().is_err());
    }
}
