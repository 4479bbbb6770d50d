//! Drawing predictions onto their image (feature `image`), to look at results: boxes, polygons,
//! keypoints, and a label (class and confidence) over each box, in one colour per class.
//!
//! ```
//! use roboflow_infer::draw::annotate;
//! use roboflow_infer::models::decode_inference;
//! use roboflow_infer::TaskType;
//!
//! let image = image::RgbImage::from_pixel(64, 48, image::Rgb([20, 20, 20]));
//! let response = decode_inference(&TaskType::ObjectDetection, br#"{"image": {"width": 64, "height": 48},
//!     "predictions": [{"x": 32, "y": 24, "width": 30, "height": 20, "confidence": 0.9,
//!                      "class": "dog", "class_id": 0, "detection_id": "d1"}]}"#).unwrap();
//! let mut canvas = image.clone();
//! roboflow_infer::draw::draw_predictions(&mut canvas, &response);
//! assert_ne!(canvas, image); // the box was drawn
//! let jpeg = annotate(&vision_sdk_common::image::encode_jpeg(&image.into(), 90).unwrap(), &response).unwrap();
//! assert!(jpeg.starts_with(&[0xFF, 0xD8]));
//! ```

use image::{Rgb, RgbImage};

use crate::error::{Error, Result};
use crate::models::{InferenceResponse, Mask};

/// Colours by class id (a palette that reads on photos).
const PALETTE: [[u8; 3]; 8] = [
    [230, 25, 75],
    [60, 180, 75],
    [255, 225, 25],
    [0, 130, 200],
    [245, 130, 48],
    [145, 30, 180],
    [70, 240, 240],
    [240, 50, 230],
];

fn colour(class_id: Option<i64>) -> Rgb<u8> {
    Rgb(PALETTE[class_id.unwrap_or(0).rem_euclid(PALETTE.len() as i64) as usize])
}

/// Draws the predictions of `response` onto `image` (coordinates in the image's pixels, as the
/// server reports them for the image it was sent). Responses without boxes are left alone.
pub fn draw_predictions(image: &mut RgbImage, response: &InferenceResponse) {
    match response {
        InferenceResponse::ObjectDetection(r) => {
            for p in &r.predictions {
                let label = format!("{} {:.0}%", p.class_name, p.confidence * 100.0);
                draw_box(
                    image,
                    p.x,
                    p.y,
                    p.width,
                    p.height,
                    colour(p.class_id),
                    &label,
                );
            }
        }
        InferenceResponse::InstanceSegmentation(r) => {
            for p in &r.predictions {
                let c = colour(p.class_id);
                if let Mask::Polygon(points) = &p.mask {
                    for (a, b) in points.iter().zip(points.iter().cycle().skip(1)) {
                        line(image, a.x, a.y, b.x, b.y, c);
                    }
                }
                let label = format!("{} {:.0}%", p.class_name, p.confidence * 100.0);
                draw_box(image, p.x, p.y, p.width, p.height, c, &label);
            }
        }
        InferenceResponse::KeypointDetection(r) => {
            for p in &r.predictions {
                let c = colour(p.class_id);
                for k in &p.keypoints {
                    fill(image, k.x - 2.0, k.y - 2.0, 5, 5, c);
                }
                let label = format!("{} {:.0}%", p.class_name, p.confidence * 100.0);
                draw_box(image, p.x, p.y, p.width, p.height, c, &label);
            }
        }
        _ => {}
    }
}

/// Decodes `image_bytes` (JPEG, PNG, …), draws `response` onto it and encodes it as JPEG.
pub fn annotate(image_bytes: &[u8], response: &InferenceResponse) -> Result<Vec<u8>> {
    let decoded = vision_sdk_common::image::decode(image_bytes)?;
    let mut canvas = decoded.to_rgb8();
    draw_predictions(&mut canvas, response);
    let jpeg = vision_sdk_common::image::encode_jpeg(&image::DynamicImage::ImageRgb8(canvas), 90)
        .map_err(Error::Media)?;
    Ok(jpeg.to_vec())
}

fn draw_box(image: &mut RgbImage, x: f64, y: f64, w: f64, h: f64, c: Rgb<u8>, label: &str) {
    let (x0, y0, x1, y1) = (x - w / 2.0, y - h / 2.0, x + w / 2.0, y + h / 2.0);
    for t in 0..2 {
        let t = f64::from(t);
        line(image, x0 + t, y0 + t, x1 - t, y0 + t, c);
        line(image, x1 - t, y0 + t, x1 - t, y1 - t, c);
        line(image, x1 - t, y1 - t, x0 + t, y1 - t, c);
        line(image, x0 + t, y1 - t, x0 + t, y0 + t, c);
    }
    // The label in a tag above the box (inside it when there is no room above).
    let scale: i64 = 2;
    let tag_h: u32 = 7 * scale as u32 + 4;
    let tag_w = label.chars().count() as u32 * 6 * scale as u32 + 4;
    let top = if y0 >= f64::from(tag_h) {
        y0 - f64::from(tag_h)
    } else {
        y0
    };
    fill(image, x0, top, tag_w, tag_h, c);
    text(image, x0 + 2.0, top + 2.0, label, scale, Rgb([0, 0, 0]));
}

fn put(image: &mut RgbImage, x: i64, y: i64, c: Rgb<u8>) {
    if x >= 0
        && y >= 0
        && (x as u64) < u64::from(image.width())
        && (y as u64) < u64::from(image.height())
    {
        image.put_pixel(x as u32, y as u32, c);
    }
}

fn fill(image: &mut RgbImage, x: f64, y: f64, w: u32, h: u32, c: Rgb<u8>) {
    let (x, y) = (x.round() as i64, y.round() as i64);
    for dy in 0..i64::from(h) {
        for dx in 0..i64::from(w) {
            put(image, x + dx, y + dy, c);
        }
    }
}

/// Bresenham's line.
fn line(image: &mut RgbImage, x0: f64, y0: f64, x1: f64, y1: f64, c: Rgb<u8>) {
    let (mut x, mut y) = (x0.round() as i64, y0.round() as i64);
    let (x1, y1) = (x1.round() as i64, y1.round() as i64);
    let (dx, dy) = ((x1 - x).abs(), -(y1 - y).abs());
    let (sx, sy) = (if x < x1 { 1 } else { -1 }, if y < y1 { 1 } else { -1 });
    let mut err = dx + dy;
    // Bounded: a line never has more points than its longer side (plus one).
    for _ in 0..=(dx.max(-dy) + 1).min(1 << 16) {
        put(image, x, y, c);
        if x == x1 && y == y1 {
            break;
        }
        let e2 = 2 * err;
        if e2 >= dy {
            err += dy;
            x += sx;
        }
        if e2 <= dx {
            err += dx;
            y += sy;
        }
    }
}

fn text(image: &mut RgbImage, x: f64, y: f64, label: &str, scale: i64, c: Rgb<u8>) {
    let (x, y) = (x.round() as i64, y.round() as i64);
    for (i, ch) in label.chars().enumerate() {
        let rows = glyph(ch);
        let left = x + i as i64 * 6 * scale;
        for (row, bits) in rows.iter().enumerate() {
            for col in 0..5 {
                if bits & (0b10000 >> col) != 0 {
                    for sy in 0..scale {
                        for sx in 0..scale {
                            put(
                                image,
                                left + col * scale + sx,
                                y + row as i64 * scale + sy,
                                c,
                            );
                        }
                    }
                }
            }
        }
    }
}

/// A 5×7 glyph (rows, high bit left); letters are drawn in capitals.
fn glyph(ch: char) -> [u8; 7] {
    match ch.to_ascii_uppercase() {
        '0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        '1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        '2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        '3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        '4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        '5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        '6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        '7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        '9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        'A' => [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'B' => [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E],
        'C' => [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        'D' => [0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C],
        'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        'F' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        'G' => [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F],
        'H' => [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'I' => [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        'J' => [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C],
        'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        'M' => [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        'N' => [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        'O' => [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        'Q' => [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D],
        'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        'S' => [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E],
        'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        'X' => [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11],
        'Y' => [0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04],
        'Z' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F],
        '.' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C],
        '-' => [0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00],
        '_' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F],
        ':' => [0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00],
        '/' => [0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00],
        '%' => [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03],
        ' ' => [0; 7],
        _ => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_stay_inside_and_glyphs_exist() {
        let mut img = RgbImage::new(10, 10);
        line(&mut img, -50.0, -50.0, 500.0, 500.0, Rgb([255, 0, 0]));
        assert_eq!(img.get_pixel(5, 5), &Rgb([255, 0, 0]));
        text(&mut img, 0.0, 0.0, "dog 90%", 1, Rgb([0, 255, 0]));
        assert_eq!(glyph('a'), glyph('A'));
        assert_ne!(glyph('?'), glyph('A'));
    }
}
