//! Client-side downsizing, exactly as the official client does it (off by default, as
//! upstream: [`InferenceConfiguration::client_downsizing_disabled`]).
//!
//! 1. The bound is the model's input size from the registry (`input_height` × `input_width`),
//!    or `default_max_input_size` squared when the size is unknown (always on v0)
//!    ([`downsizing_bounds`], upstream `_determine_client_downsizing_parameters`).
//! 2. `ratio = min(max_height / height, max_width / width)`, used only when `< 1`
//!    ([`scaling_ratio`], upstream `determine_scaling_aspect_ratio`); the image is resized by
//!    `ratio` on both axes to `round(width × ratio) × round(height × ratio)` (OpenCV's and
//!    Python's rounding: half to even) and re-encoded ([`plan_downsizing`]).
//! 3. The answer is mapped back by dividing by `ratio` ([`rescale_response`], upstream
//!    `adjust_prediction_to_client_scaling_factor`): the `image` size becomes
//!    `round(size / ratio)` (the size the server reports for the *sent* image, divided), box
//!    centres and sizes, polygon points and keypoints are divided; stubs are untouched;
//!    classification and semantic segmentation keep their predictions (only `image` changes);
//!    RLE masks stay in the sent image's grid (upstream only rescales `points`). When masks come
//!    in the reduced mask grid (`mask_metadata.coordinate_system == "mask_grid"` with an
//!    `original_image`), only `original_image` and the grid's `scale_x` / `scale_y` change.
//!
//! ```
//! use roboflow_infer::rescale::plan_downsizing;
//!
//! // A 2000×1500 photo for a 640×640 model: sent as 640×480, answers divided by 0.32.
//! let plan = plan_downsizing(2000, 1500, Some((640, 640))).unwrap();
//! assert_eq!((plan.width, plan.height, plan.ratio), (640, 480, 0.32));
//! assert_eq!(plan_downsizing(600, 400, Some((640, 640))), None); // small enough already
//! ```
//!
//! [`InferenceConfiguration::client_downsizing_disabled`]: crate::InferenceConfiguration::client_downsizing_disabled

use serde_json::Value;

use crate::InferenceConfiguration;
use crate::models::{
    ClassificationResult, ImageSize, InferenceResponse, InstanceSegmentationResponse, Mask,
    ModelDescription, ResponseImage,
};

/// `(max_height, max_width)` to downsize to, or `None` when downsizing is disabled (the
/// default). `model` is the registry's description of the model (v1), `None` on v0 or when
/// unknown.
pub fn downsizing_bounds(
    config: &InferenceConfiguration,
    model: Option<&ModelDescription>,
) -> Option<(u32, u32)> {
    if config.effective_client_downsizing_disabled() {
        return None;
    }
    match model.and_then(|m| Some((m.input_height?, m.input_width?))) {
        Some(bounds) => Some(bounds),
        None => {
            let size = config.effective_default_max_input_size();
            Some((size, size))
        }
    }
}

/// `min(max_height / height, max_width / width)` when it is below 1, else `None` (the image
/// already fits). Zero-sized images never scale.
pub fn scaling_ratio(width: u32, height: u32, max_height: u32, max_width: u32) -> Option<f64> {
    if width == 0 || height == 0 {
        return None;
    }
    let height_ratio = f64::from(max_height) / f64::from(height);
    let width_ratio = f64::from(max_width) / f64::from(width);
    let ratio = height_ratio.min(width_ratio);
    (ratio < 1.0).then_some(ratio)
}

/// What to send instead of a `width × height` image.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Downsizing {
    /// The factor the image is resized by (and the answer divided by).
    pub ratio: f64,
    /// The width to resize to.
    pub width: u32,
    /// The height to resize to.
    pub height: u32,
}

/// The downsizing of a `width × height` image within `bounds` (`(max_height, max_width)` from
/// [`downsizing_bounds`]), or `None` when nothing is to be done.
///
/// The target size is OpenCV's for `fx = fy = ratio` (`round(width × ratio)`, half to even), at
/// least 1 pixel (where OpenCV would fail on an empty size).
pub fn plan_downsizing(width: u32, height: u32, bounds: Option<(u32, u32)>) -> Option<Downsizing> {
    let (max_height, max_width) = bounds?;
    let ratio = scaling_ratio(width, height, max_height, max_width)?;
    let scale = |side: u32| -> u32 { round_half_even(f64::from(side) * ratio).max(1) };
    Some(Downsizing {
        ratio,
        width: scale(width),
        height: scale(height),
    })
}

/// Python's `round()` to an integer pixel count (half to even), saturating.
fn round_half_even(value: f64) -> u32 {
    let rounded = value.round_ties_even();
    if rounded <= 0.0 {
        0
    } else if rounded >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        // In range and integral: the conversion is exact.
        rounded as u32
    }
}

fn rescale_size(size: &mut ImageSize, ratio: f64) {
    size.width = round_half_even(f64::from(size.width) / ratio);
    size.height = round_half_even(f64::from(size.height) / ratio);
}

fn rescale_image(image: &mut ResponseImage, ratio: f64) {
    for size in image.sizes_mut() {
        rescale_size(size, ratio);
    }
}

macro_rules! rescale_box {
    ($prediction:expr, $ratio:expr) => {{
        $prediction.x /= $ratio;
        $prediction.y /= $ratio;
        $prediction.width /= $ratio;
        $prediction.height /= $ratio;
    }};
}

fn rescale_segmentation(response: &mut InstanceSegmentationResponse, ratio: f64) {
    if let (Some(metadata), Some(original)) =
        (&mut response.mask_metadata, &mut response.original_image)
        && metadata.is_mask_grid()
    {
        rescale_size(original, ratio);
        metadata.scale_x = f64::from(original.width) / f64::from(metadata.width);
        metadata.scale_y = f64::from(original.height) / f64::from(metadata.height);
        return;
    }
    rescale_image(&mut response.image, ratio);
    for prediction in &mut response.predictions {
        rescale_box!(prediction, ratio);
        if let Mask::Polygon(points) = &mut prediction.mask {
            for point in points {
                point.x /= ratio;
                point.y /= ratio;
            }
        }
    }
}

/// Maps a response to an image downsized by `ratio` back to the original image (see the
/// module docs). `ratio` is [`Downsizing::ratio`]; call it only for downsized images.
pub fn rescale_response(response: &mut InferenceResponse, ratio: f64) {
    match response {
        InferenceResponse::ObjectDetection(r) => {
            rescale_image(&mut r.image, ratio);
            for prediction in &mut r.predictions {
                rescale_box!(prediction, ratio);
            }
        }
        InferenceResponse::InstanceSegmentation(r) => rescale_segmentation(r, ratio),
        InferenceResponse::KeypointDetection(r) => {
            rescale_image(&mut r.image, ratio);
            for prediction in &mut r.predictions {
                rescale_box!(prediction, ratio);
                for keypoint in &mut prediction.keypoints {
                    keypoint.x /= ratio;
                    keypoint.y /= ratio;
                }
            }
        }
        InferenceResponse::Classification(ClassificationResult::SingleLabel(r)) => {
            rescale_image(&mut r.image, ratio);
        }
        InferenceResponse::Classification(ClassificationResult::MultiLabel(r)) => {
            rescale_image(&mut r.image, ratio);
        }
        InferenceResponse::Classification(ClassificationResult::Anomaly(r)) => {
            rescale_image(&mut r.image, ratio);
        }
        InferenceResponse::SemanticSegmentation(r) => rescale_image(&mut r.image, ratio),
        InferenceResponse::Other { body, .. } => rescale_json(body, ratio),
        // Stubs are untouched upstream; action recognition has no image.
        _ => {}
    }
}

/// The official algorithm on raw JSON, member by member (`adjust_prediction_to_client_scaling_factor`),
/// for responses of tasks this crate has no model for. Malformed members are left alone.
pub fn rescale_json(prediction: &mut Value, ratio: f64) {
    let Some(object) = prediction.as_object_mut() else {
        return;
    };
    if object.get("is_stub").and_then(Value::as_bool) == Some(true) {
        return;
    }
    let mask_grid = object
        .get("mask_metadata")
        .and_then(|m| m.get("coordinate_system"))
        .and_then(Value::as_str)
        == Some("mask_grid");
    if mask_grid && object.get("original_image").is_some_and(|o| !o.is_null()) {
        let size = object.get("original_image").and_then(json_size);
        let grid = object
            .get("mask_metadata")
            .and_then(|m| Some((m.get("width")?.as_f64()?, m.get("height")?.as_f64()?)));
        if let (Some(mut size), Some((grid_w, grid_h))) = (size, grid) {
            rescale_size(&mut size, ratio);
            object.insert(
                "original_image".into(),
                serde_json::json!({"width": size.width, "height": size.height}),
            );
            if let Some(Value::Object(metadata)) = object.get_mut("mask_metadata") {
                metadata.insert(
                    "scale_x".into(),
                    Value::from(f64::from(size.width) / grid_w),
                );
                metadata.insert(
                    "scale_y".into(),
                    Value::from(f64::from(size.height) / grid_h),
                );
            }
        }
        return;
    }
    if let Some(mut size) = object.get("image").and_then(json_size) {
        rescale_size(&mut size, ratio);
        object.insert(
            "image".into(),
            serde_json::json!({"width": size.width, "height": size.height}),
        );
    }
    let Some(Value::Array(predictions)) = object.get_mut("predictions") else {
        return;
    };
    let Some(first) = predictions.first().and_then(Value::as_object) else {
        return;
    };
    let points_key = if first.contains_key("points") {
        Some("points")
    } else if first.contains_key("keypoints") {
        Some("keypoints")
    } else if first.contains_key("x") && first.contains_key("y") {
        None
    } else {
        return;
    };
    for prediction in predictions.iter_mut().filter_map(Value::as_object_mut) {
        for key in ["x", "y", "width", "height"] {
            divide(prediction.get_mut(key), ratio);
        }
        if let Some(key) = points_key
            && let Some(Value::Array(points)) = prediction.get_mut(key)
        {
            for point in points.iter_mut().filter_map(Value::as_object_mut) {
                divide(point.get_mut("x"), ratio);
                divide(point.get_mut("y"), ratio);
            }
        }
    }
}

fn json_size(value: &Value) -> Option<ImageSize> {
    let width = u32::try_from(value.get("width")?.as_u64()?).ok()?;
    let height = u32::try_from(value.get("height")?.as_u64()?).ok()?;
    Some(ImageSize::new(width, height))
}

fn divide(value: Option<&mut Value>, ratio: f64) {
    if let Some(value) = value
        && let Some(number) = value.as_f64()
    {
        *value = Value::from(number / ratio);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TaskType;
    use crate::models::decode_inference_value;
    use serde_json::json;

    fn model(input: Option<(u32, u32)>) -> ModelDescription {
        serde_json::from_value(json!({
            "model_id": "m/1", "task_type": "object-detection",
            "input_height": input.map(|i| i.0), "input_width": input.map(|i| i.1)
        }))
        .unwrap()
    }

    #[test]
    fn bounds_follow_the_official_choice() {
        let off = InferenceConfiguration::new();
        assert_eq!(downsizing_bounds(&off, Some(&model(Some((64, 64))))), None);
        let on = InferenceConfiguration::new().client_downsizing_disabled(false);
        assert_eq!(
            downsizing_bounds(&on, Some(&model(Some((480, 640))))),
            Some((480, 640))
        );
        assert_eq!(
            downsizing_bounds(&on, Some(&model(None))),
            Some((1024, 1024))
        );
        assert_eq!(downsizing_bounds(&on, None), Some((1024, 1024)));
        let custom = on.default_max_input_size(512);
        assert_eq!(downsizing_bounds(&custom, None), Some((512, 512)));
    }

    #[test]
    fn ratio_only_below_one() {
        assert_eq!(scaling_ratio(2000, 1500, 640, 640), Some(0.32));
        assert_eq!(scaling_ratio(2000, 1500, 1024, 1024), Some(0.512));
        assert_eq!(scaling_ratio(2000, 1500, 64, 64), Some(0.032));
        assert_eq!(scaling_ratio(640, 480, 640, 640), None);
        assert_eq!(scaling_ratio(640, 640, 640, 640), None); // exactly 1: untouched
        assert_eq!(scaling_ratio(0, 10, 64, 64), None);
        // Height-bound: 1000 tall for 500 → 0.5.
        assert_eq!(scaling_ratio(100, 1000, 500, 500), Some(0.5));
    }

    /// The target sizes of the golden captures: 2000×1500 sent as 640×480 (model 640), as
    /// 1024×768 (v0, default 1024) and as 64×48 (the tiny model).
    #[test]
    fn plans_match_the_official_sizes() {
        let plan = |w, h, b| plan_downsizing(w, h, Some(b)).map(|p| (p.width, p.height, p.ratio));
        assert_eq!(plan(2000, 1500, (640, 640)), Some((640, 480, 0.32)));
        assert_eq!(plan(2000, 1500, (1024, 1024)), Some((1024, 768, 0.512)));
        assert_eq!(plan(2000, 1500, (64, 64)), Some((64, 48, 0.032)));
        assert_eq!(plan_downsizing(2000, 1500, None), None);
        // Half to even, as cv2 (cvRound) and Python's round(): 5 × 0.5 = 2.5 → 2, 7 × 0.5 → 4.
        assert_eq!(plan(5, 8, (4, 4)), Some((2, 4, 0.5)));
        assert_eq!(plan(7, 8, (4, 4)), Some((4, 4, 0.5)));
        // Never an empty image.
        assert_eq!(plan(5000, 1, (64, 64)).map(|p| p.1), Some(1));
    }

    /// `results.json: v1_infer_cfg_and_client_resize`: the mock answered 640×480 with a dog at
    /// x 320.5 (100×50); the official client returned 2000×1500, x 1001.5625, 312.5×156.25.
    #[test]
    fn rescales_boxes_like_the_official_client() {
        let mut response = decode_inference_value(
            &TaskType::ObjectDetection,
            json!({"image": {"width": 640, "height": 480}, "predictions": [
                {"x": 320.5, "y": 240.0, "width": 100.0, "height": 50.0, "confidence": 0.91,
                 "class": "dog", "class_id": 1, "detection_id": "d1"}]}),
        )
        .unwrap();
        rescale_response(&mut response, 0.32);
        assert_eq!(
            serde_json::to_value(&response).unwrap(),
            json!({"image": {"width": 2000, "height": 1500}, "predictions": [
                {"x": 1001.5625, "y": 750.0, "width": 312.5, "height": 156.25, "confidence": 0.91,
                 "class": "dog", "class_id": 1, "detection_id": "d1"}]})
        );
    }

    /// `results.json: v0_infer_numpy_client_resize`: ratio 0.512, 640×480 → 1250×938
    /// (937.5 rounds to even), x 625.9765625, 195.3125×97.65625.
    #[test]
    fn rescales_v0_answers_with_half_even_sizes() {
        let mut response = decode_inference_value(
            &TaskType::ObjectDetection,
            json!({"image": {"width": 640, "height": 480}, "predictions": [
                {"x": 320.5, "y": 240.0, "width": 100.0, "height": 50.0, "confidence": 0.91,
                 "class": "dog"}]}),
        )
        .unwrap();
        rescale_response(&mut response, 0.512);
        let od = response.as_object_detection().unwrap();
        assert_eq!(od.image.first(), Some(ImageSize::new(1250, 938)));
        let p = &od.predictions[0];
        assert_eq!(
            (p.x, p.y, p.width, p.height),
            (625.9765625, 468.75, 195.3125, 97.65625)
        );
        // 5 / 0.4 = 12.5 → 12, as Python's round().
        let mut size = ImageSize::new(5, 3);
        rescale_size(&mut size, 0.4);
        assert_eq!(size, ImageSize::new(12, 8));
    }

    #[test]
    fn rescales_points_and_keypoints() {
        let mut seg = decode_inference_value(
            &TaskType::InstanceSegmentation,
            json!({"image": {"width": 64, "height": 48}, "predictions": [
                {"x": 32, "y": 24, "width": 20, "height": 8, "confidence": 0.9, "class": "dog",
                 "points": [{"x": 22, "y": 20}, {"x": 42, "y": 28}]}]}),
        )
        .unwrap();
        rescale_response(&mut seg, 0.032);
        let p = &seg.as_instance_segmentation().unwrap().predictions[0];
        assert_eq!(p.x, 32.0 / 0.032);
        assert_eq!(p.points().unwrap()[1].x, 42.0 / 0.032);
        assert_eq!(p.points().unwrap()[1].y, 28.0 / 0.032);

        let mut kp = decode_inference_value(
            &TaskType::KeypointDetection,
            json!({"image": {"width": 100, "height": 50}, "predictions": [
                {"x": 10, "y": 10, "width": 4, "height": 4, "confidence": 0.9, "class": "person",
                 "keypoints": [{"x": 9, "y": 11, "confidence": 0.8, "class": "nose", "class_id": 0}]}]}),
        )
        .unwrap();
        rescale_response(&mut kp, 0.5);
        let k = &kp.as_keypoint_detection().unwrap().predictions[0];
        assert_eq!(
            (k.x, k.width, k.keypoints[0].x, k.keypoints[0].y),
            (20.0, 8.0, 18.0, 22.0)
        );
        assert_eq!(kp.image().unwrap().first(), Some(ImageSize::new(200, 100)));
    }

    #[test]
    fn rle_masks_and_mask_grids() {
        let mut rle = decode_inference_value(
            &TaskType::InstanceSegmentation,
            json!({"image": {"width": 64, "height": 48}, "predictions": [
                {"x": 32, "y": 24, "width": 20, "height": 8, "confidence": 0.9, "class": "dog",
                 "rle": {"size": [48, 64], "counts": "xyz"}, "mask_format": "rle"}]}),
        )
        .unwrap();
        rescale_response(&mut rle, 0.5);
        let p = &rle.as_instance_segmentation().unwrap().predictions[0];
        assert_eq!(p.x, 64.0);
        assert_eq!(p.rle().unwrap().size, [48, 64]); // upstream leaves RLE alone

        let grid_json = json!({"image": {"width": 64, "height": 48},
            "original_image": {"width": 64, "height": 48},
            "mask_metadata": {"coordinate_system": "mask_grid", "width": 16, "height": 12,
                              "scale_x": 4.0, "scale_y": 4.0},
            "predictions": [{"x": 4, "y": 3, "width": 2, "height": 2, "confidence": 0.9,
                             "class": "dog", "points": [{"x": 3, "y": 2}]}]});
        let mut grid =
            decode_inference_value(&TaskType::InstanceSegmentation, grid_json.clone()).unwrap();
        rescale_response(&mut grid, 0.5);
        let r = grid.as_instance_segmentation().unwrap();
        assert_eq!(r.original_image, Some(ImageSize::new(128, 96)));
        let metadata = r.mask_metadata.as_ref().unwrap();
        assert_eq!((metadata.scale_x, metadata.scale_y), (8.0, 8.0));
        assert_eq!(r.image.first(), Some(ImageSize::new(64, 48)));
        assert_eq!(r.predictions[0].x, 4.0);
        assert_eq!(r.predictions[0].points().unwrap()[0].x, 3.0);
    }

    #[test]
    fn stubs_and_classifications() {
        let stub_json =
            json!({"is_stub": true, "model_id": "p/0", "task_type": "object-detection"});
        let mut stub =
            decode_inference_value(&TaskType::ObjectDetection, stub_json.clone()).unwrap();
        rescale_response(&mut stub, 0.5);
        assert_eq!(serde_json::to_value(&stub).unwrap(), stub_json);

        let mut cls = decode_inference_value(
            &TaskType::Classification,
            json!({"image": {"width": 10, "height": 10}, "top": "a", "confidence": 0.9,
                   "predictions": [{"class": "a", "class_id": 0, "confidence": 0.9}]}),
        )
        .unwrap();
        rescale_response(&mut cls, 0.5);
        // Upstream rewrites `image` whatever the task, and leaves class predictions alone.
        assert_eq!(cls.image().unwrap().first(), Some(ImageSize::new(20, 20)));
        assert_eq!(
            cls.as_classification()
                .map(|c| matches!(c, ClassificationResult::SingleLabel(_))),
            Some(true)
        );
    }

    /// The typed rescaling and the member-by-member JSON algorithm (a transcription of the
    /// official one) agree on every task.
    #[test]
    fn typed_and_json_rescaling_agree() {
        let cases = [
            (
                TaskType::ObjectDetection,
                json!({"image": {"width": 333, "height": 251}, "predictions": [
                {"x": 10.25, "y": 7.0, "width": 3.0, "height": 9.5, "confidence": 0.5, "class": "a"},
                {"x": 1.0, "y": 2.0, "width": 3.0, "height": 4.0, "confidence": 0.6, "class": "b"}]}),
            ),
            (
                TaskType::InstanceSegmentation,
                json!({"image": {"width": 333, "height": 251}, "predictions": [
                {"x": 10.25, "y": 7.0, "width": 3.0, "height": 9.5, "confidence": 0.5, "class": "a",
                 "points": [{"x": 1.5, "y": 2.25}, {"x": 3.0, "y": 4.0}]}]}),
            ),
            (
                TaskType::KeypointDetection,
                json!({"image": {"width": 333, "height": 251}, "predictions": [
                {"x": 10.25, "y": 7.0, "width": 3.0, "height": 9.5, "confidence": 0.5, "class": "a",
                 "keypoints": [{"x": 1.5, "y": 2.25, "confidence": 0.1, "class": "k"}]}]}),
            ),
            (
                TaskType::ObjectDetection,
                json!({"image": {"width": 9, "height": 9}, "predictions": []}),
            ),
        ];
        for ratio in [0.32, 0.512, 0.1234, 0.999] {
            for (task, body) in &cases {
                let mut typed = decode_inference_value(task, body.clone()).unwrap();
                rescale_response(&mut typed, ratio);
                let mut raw = body.clone();
                rescale_json(&mut raw, ratio);
                assert_eq!(serde_json::to_value(&typed).unwrap(), raw, "{task} {ratio}");
            }
        }
        // Unknown tasks go through the JSON algorithm.
        let mut other =
            decode_inference_value(&TaskType::Other("new".into()), cases[0].1.clone()).unwrap();
        rescale_response(&mut other, 0.5);
        let InferenceResponse::Other { body, .. } = other else {
            unreachable!()
        };
        assert_eq!(body["image"]["width"], 666);
        assert_eq!(body["predictions"][0]["x"], 20.5);
    }
}
