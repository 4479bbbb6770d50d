use super::{Data, Image};

message! {
    /// `Region`: a located part of an input — a box, polygon, mask, point or text span — with
    /// what was found there.
    pub struct Region {
        /// The region id.
        pub id: String,
        /// Where the region is.
        pub region_info: Option<RegionInfo>,
        /// What is in it (`concepts`, `text`, `embeddings`).
        pub data: Option<Data>,
        /// The detection score.
        pub value: f32,
        /// The track of a video detection.
        pub track_id: String,
    }
}

message! {
    /// `RegionInfo`: one of bounding box, mask, polygon, point, span or token.
    pub struct RegionInfo {
        /// A box, normalised to 0–1.
        pub bounding_box: Option<BoundingBox>,
        /// A segmentation mask image.
        pub mask: Option<Mask>,
        /// A polygon.
        pub polygon: Option<Polygon>,
        /// A point.
        pub point: Option<Point>,
        /// A span of text.
        pub span: Option<Span>,
        /// A token of text.
        pub token: Option<Span>,
        /// Keypoints.
        pub keypoint_locations: Vec<Point>,
    }
}

message! {
    /// `BoundingBox`: normalised (0–1) coordinates, rows (y) before columns (x).
    pub struct BoundingBox {
        /// ymin
        pub top_row: f32,
        /// xmin
        pub left_col: f32,
        /// ymax
        pub bottom_row: f32,
        /// xmax
        pub right_col: f32,
    }
}

impl BoundingBox {
    /// The box of the SDK's `[xmin, ymin, xmax, ymax]` list.
    pub fn from_xyxy([x_min, y_min, x_max, y_max]: [f32; 4]) -> Self {
        Self {
            top_row: y_min,
            left_col: x_min,
            bottom_row: y_max,
            right_col: x_max,
        }
    }

    /// `[xmin, ymin, xmax, ymax]`.
    pub fn to_xyxy(&self) -> [f32; 4] {
        [self.left_col, self.top_row, self.right_col, self.bottom_row]
    }
}

message! {
    /// `Mask`: a segmentation mask as an image.
    pub struct Mask {
        /// The mask image.
        pub image: Option<Image>,
    }
}

message! {
    /// `Polygon`: its points.
    pub struct Polygon {
        /// The vertices.
        pub points: Vec<Point>,
    }
}

impl Polygon {
    /// The polygon of the SDK's `[[x, y], …]` list (normalised), every point visible.
    pub fn from_xy(points: &[[f32; 2]]) -> Self {
        Self {
            points: points
                .iter()
                .map(|&[x, y]| Point {
                    row: y,
                    col: x,
                    visibility: PointVisibility::Visible,
                    ..Point::default()
                })
                .collect(),
        }
    }
}

crate::proto_enum! {
    /// `Point.Visibility`.
    pub enum PointVisibility {
        0 => "NOT_SET",
        /// The point is visible.
        Visible = 1 => "VISIBLE",
        /// The point is occluded.
        NotVisible = 2 => "NOT_VISIBLE",
        /// The point is not in the image.
        NotPresent = 3 => "NOT_PRESENT",
    }
}

message! {
    /// `Point`: normalised row (y) and column (x).
    pub struct Point {
        /// y
        pub row: f32,
        /// x
        pub col: f32,
        /// depth
        pub z: f32,
        /// Whether the point is visible.
        pub visibility: PointVisibility,
    }
}

message! {
    /// `Span` / `Token`: a range of characters of a text.
    pub struct Span {
        /// First character.
        pub char_start: u32,
        /// End character.
        pub char_end: u32,
        /// The text of the range.
        pub raw_text: String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_and_polygons_from_sdk_lists() {
        let b = BoundingBox::from_xyxy([0.2, 0.1, 0.9, 0.8]);
        assert_eq!(
            serde_json::to_string(&b).unwrap(),
            r#"{"top_row":0.1,"left_col":0.2,"bottom_row":0.8,"right_col":0.9}"#
        );
        assert_eq!(b.to_xyxy(), [0.2, 0.1, 0.9, 0.8]);
        let p = Polygon::from_xy(&[[0.1, 0.1], [0.2, 0.5]]);
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"points":[{"row":0.1,"col":0.1,"visibility":1},{"row":0.5,"col":0.2,"visibility":1}]}"#
        );
        let back: Polygon =
            serde_json::from_str(r#"{"points":[{"row":0.5,"col":0.2,"visibility":"VISIBLE"}]}"#)
                .unwrap();
        assert_eq!(back.points[0].visibility, PointVisibility::Visible);
    }
}
