//! Model aliases: the short names the official client resolves to model ids before any
//! request (`REGISTERED_ALIASES` of `inference_sdk/http/utils/aliases.py`, 1.8.3), e.g.
//! `yolov8n-640` → `coco/3`.
//!
//! ```
//! use roboflow_infer::aliases::resolve_model_alias;
//!
//! assert_eq!(resolve_model_alias("yolov8n-640"), "coco/3");
//! assert_eq!(resolve_model_alias("my-project/7"), "my-project/7"); // not an alias
//! ```

/// `(alias, model id)`, sorted by alias (binary-searched).
pub const MODEL_ALIASES: &[(&str, &str)] = &[
    ("florence-2-base", "florence-pretrains/3"),
    ("florence-2-large", "florence-pretrains/4"),
    ("paligemma-3b-ft-cococap-224", "paligemma-pretrains/8"),
    ("paligemma-3b-ft-cococap-448", "paligemma-pretrains/14"),
    ("paligemma-3b-ft-docvqa-224", "paligemma-pretrains/12"),
    ("paligemma-3b-ft-docvqa-448", "paligemma-pretrains/18"),
    ("paligemma-3b-ft-ocrvqa-224", "paligemma-pretrains/13"),
    ("paligemma-3b-ft-ocrvqa-448", "paligemma-pretrains/19"),
    ("paligemma-3b-ft-screen2words-224", "paligemma-pretrains/9"),
    ("paligemma-3b-ft-screen2words-448", "paligemma-pretrains/15"),
    ("paligemma-3b-ft-tallyqa-224", "paligemma-pretrains/11"),
    ("paligemma-3b-ft-tallyqa-448", "paligemma-pretrains/17"),
    ("paligemma-3b-ft-vqav2-224", "paligemma-pretrains/10"),
    ("paligemma-3b-ft-vqav2-448", "paligemma-pretrains/16"),
    ("paligemma-3b-mix-224", "paligemma-pretrains/1"),
    ("paligemma-3b-mix-448", "paligemma-pretrains/20"),
    ("qwen25-vl-7b", "qwen-pretrains/1"),
    ("qwen3vl-2b-instruct", "qwen-pretrains/2"),
    ("resnet101", "classifiers/4"),
    ("resnet18", "classifiers/1"),
    ("resnet34", "classifiers/2"),
    ("resnet50", "classifiers/3"),
    ("rfdetr-2xlarge", "coco/48"),
    ("rfdetr-base", "coco/36"),
    (
        "rfdetr-keypoint-preview",
        "microsoft/coco-pose-detection-17-rfdetr-keypoint-preview-t1",
    ),
    ("rfdetr-large", "coco/50"),
    ("rfdetr-medium", "coco/40"),
    ("rfdetr-nano", "coco/38"),
    ("rfdetr-seg-2xlarge", "coco-dataset-vdnr1/40"),
    ("rfdetr-seg-large", "coco-dataset-vdnr1/38"),
    ("rfdetr-seg-medium", "coco-dataset-vdnr1/37"),
    ("rfdetr-seg-nano", "coco-dataset-vdnr1/41"),
    ("rfdetr-seg-preview", "coco-dataset-vdnr1/26"),
    ("rfdetr-seg-small", "coco-dataset-vdnr1/36"),
    ("rfdetr-seg-xlarge", "coco-dataset-vdnr1/39"),
    ("rfdetr-small", "coco/39"),
    ("rfdetr-xlarge", "coco/47"),
    ("yolo-nas-l-640", "coco/16"),
    ("yolo-nas-m-640", "coco/15"),
    ("yolo-nas-s-640", "coco/14"),
    ("yolo11l-1280", "coco/33"),
    ("yolo11l-640", "coco/28"),
    ("yolo11l-seg-640", "coco-dataset-vdnr1/22"),
    ("yolo11m-1280", "coco/32"),
    ("yolo11m-640", "coco/27"),
    ("yolo11m-seg-640", "coco-dataset-vdnr1/21"),
    ("yolo11n-1280", "coco/30"),
    ("yolo11n-640", "coco/25"),
    ("yolo11n-seg-640", "coco-dataset-vdnr1/19"),
    ("yolo11s-1280", "coco/31"),
    ("yolo11s-640", "coco/26"),
    ("yolo11s-seg-640", "coco-dataset-vdnr1/20"),
    ("yolo11x-1280", "coco/34"),
    ("yolo11x-640", "coco/29"),
    ("yolo11x-seg-640", "coco-dataset-vdnr1/23"),
    ("yolo26l-640", "coco/44"),
    ("yolo26l-depth-768", "yolo26-pretrains/yolo26l-depth"),
    ("yolo26l-pose-640", "coco-pose-detection/15"),
    ("yolo26l-seg-640", "coco-dataset-vdnr1/31"),
    ("yolo26l-sem-1024", "yolo26-pretrains/yolo26l-sem"),
    ("yolo26m-640", "coco/43"),
    ("yolo26m-depth-768", "yolo26-pretrains/yolo26m-depth"),
    ("yolo26m-pose-640", "coco-pose-detection/14"),
    ("yolo26m-seg-640", "coco-dataset-vdnr1/29"),
    ("yolo26m-sem-1024", "yolo26-pretrains/yolo26m-sem"),
    ("yolo26n-640", "coco/41"),
    ("yolo26n-depth-768", "yolo26-pretrains/yolo26n-depth"),
    ("yolo26n-pose-640", "coco-pose-detection/12"),
    ("yolo26n-seg-640", "coco-dataset-vdnr1/27"),
    ("yolo26n-sem-1024", "yolo26-pretrains/yolo26n-sem"),
    ("yolo26s-640", "coco/42"),
    ("yolo26s-depth-768", "yolo26-pretrains/yolo26s-depth"),
    ("yolo26s-pose-640", "coco-pose-detection/13"),
    ("yolo26s-seg-640", "coco-dataset-vdnr1/28"),
    ("yolo26s-sem-1024", "yolo26-pretrains/yolo26s-sem"),
    ("yolo26x-640", "coco/45"),
    ("yolo26x-depth-768", "yolo26-pretrains/yolo26x-depth"),
    ("yolo26x-pose-640", "coco-pose-detection/16"),
    ("yolo26x-seg-640", "coco-dataset-vdnr1/34"),
    ("yolo26x-sem-1024", "yolo26-pretrains/yolo26x-sem"),
    ("yolov10b-640", "coco/22"),
    ("yolov10l-640", "coco/23"),
    ("yolov10m-640", "coco/21"),
    ("yolov10n-640", "coco/19"),
    ("yolov10s-640", "coco/20"),
    ("yolov10x-640", "coco/24"),
    ("yolov11l-1280", "coco/33"),
    ("yolov11l-640", "coco/28"),
    ("yolov11l-seg-640", "coco-dataset-vdnr1/22"),
    ("yolov11m-1280", "coco/32"),
    ("yolov11m-640", "coco/27"),
    ("yolov11m-seg-640", "coco-dataset-vdnr1/21"),
    ("yolov11n-1280", "coco/30"),
    ("yolov11n-640", "coco/25"),
    ("yolov11n-seg-640", "coco-dataset-vdnr1/19"),
    ("yolov11s-1280", "coco/31"),
    ("yolov11s-640", "coco/26"),
    ("yolov11s-seg-640", "coco-dataset-vdnr1/20"),
    ("yolov11x-1280", "coco/34"),
    ("yolov11x-640", "coco/29"),
    ("yolov11x-seg-640", "coco-dataset-vdnr1/23"),
    ("yolov26l-640", "coco/44"),
    ("yolov26l-depth-768", "yolo26-pretrains/yolo26l-depth"),
    ("yolov26l-pose-640", "coco-pose-detection/15"),
    ("yolov26l-seg-640", "coco-dataset-vdnr1/31"),
    ("yolov26l-sem-1024", "yolo26-pretrains/yolo26l-sem"),
    ("yolov26m-640", "coco/43"),
    ("yolov26m-depth-768", "yolo26-pretrains/yolo26m-depth"),
    ("yolov26m-pose-640", "coco-pose-detection/14"),
    ("yolov26m-seg-640", "coco-dataset-vdnr1/29"),
    ("yolov26m-sem-1024", "yolo26-pretrains/yolo26m-sem"),
    ("yolov26n-640", "coco/41"),
    ("yolov26n-depth-768", "yolo26-pretrains/yolo26n-depth"),
    ("yolov26n-pose-640", "coco-pose-detection/12"),
    ("yolov26n-seg-640", "coco-dataset-vdnr1/27"),
    ("yolov26n-sem-1024", "yolo26-pretrains/yolo26n-sem"),
    ("yolov26s-640", "coco/42"),
    ("yolov26s-depth-768", "yolo26-pretrains/yolo26s-depth"),
    ("yolov26s-pose-640", "coco-pose-detection/13"),
    ("yolov26s-seg-640", "coco-dataset-vdnr1/28"),
    ("yolov26s-sem-1024", "yolo26-pretrains/yolo26s-sem"),
    ("yolov26x-640", "coco/45"),
    ("yolov26x-depth-768", "yolo26-pretrains/yolo26x-depth"),
    ("yolov26x-pose-640", "coco-pose-detection/16"),
    ("yolov26x-seg-640", "coco-dataset-vdnr1/34"),
    ("yolov26x-sem-1024", "yolo26-pretrains/yolo26x-sem"),
    ("yolov8l-1280", "coco/12"),
    ("yolov8l-640", "coco/7"),
    ("yolov8l-pose-640", "coco-pose-detection/4"),
    ("yolov8l-seg-1280", "coco-dataset-vdnr1/10"),
    ("yolov8l-seg-640", "coco-dataset-vdnr1/6"),
    ("yolov8m-1280", "coco/11"),
    ("yolov8m-640", "coco/8"),
    ("yolov8m-pose-640", "coco-pose-detection/3"),
    ("yolov8m-seg-1280", "coco-dataset-vdnr1/9"),
    ("yolov8m-seg-640", "coco-dataset-vdnr1/5"),
    ("yolov8n-1280", "coco/9"),
    ("yolov8n-640", "coco/3"),
    ("yolov8n-pose-640", "coco-pose-detection/1"),
    ("yolov8n-seg-1280", "coco-dataset-vdnr1/7"),
    ("yolov8n-seg-640", "coco-dataset-vdnr1/2"),
    ("yolov8s-1280", "coco/10"),
    ("yolov8s-640", "coco/6"),
    ("yolov8s-pose-640", "coco-pose-detection/2"),
    ("yolov8s-seg-1280", "coco-dataset-vdnr1/8"),
    ("yolov8s-seg-640", "coco-dataset-vdnr1/4"),
    ("yolov8x-1280", "coco/13"),
    ("yolov8x-640", "coco/5"),
    ("yolov8x-pose-1280", "coco-pose-detection/6"),
    ("yolov8x-pose-640", "coco-pose-detection/5"),
    ("yolov8x-seg-1280", "coco-dataset-vdnr1/11"),
    ("yolov8x-seg-640", "coco-dataset-vdnr1/3"),
];

/// The model id an alias stands for, or `model_id` itself when it is no alias.
pub fn resolve_model_alias(model_id: &str) -> &str {
    MODEL_ALIASES
        .binary_search_by(|(alias, _)| alias.cmp(&model_id))
        .map_or(model_id, |index| MODEL_ALIASES[index].1)
}

/// The routes of the OCR models (`OCR_ENDPOINTS`): doctr, trocr, easy_ocr, pp_ocr.
pub fn ocr_route(model: &str) -> Option<&'static str> {
    match model.to_ascii_lowercase().as_str() {
        "doctr" => Some("/doctr/ocr"),
        "trocr" => Some("/ocr/trocr"),
        "easy_ocr" => Some("/easy_ocr/ocr"),
        "pp_ocr" => Some("/ocr/pp-ocr"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(MODEL_ALIASES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(MODEL_ALIASES.len(), 152);
    }

    #[test]
    fn resolves_like_the_official_client() {
        // `results.json: v1_infer_alias` used `yolov8n-640`.
        assert_eq!(resolve_model_alias("yolov8n-640"), "coco/3");
        assert_eq!(
            resolve_model_alias("yolov8n-seg-640"),
            "coco-dataset-vdnr1/2"
        );
        assert_eq!(
            resolve_model_alias("florence-2-base"),
            "florence-pretrains/3"
        );
        // The yolo11 spelling is registered next to yolov11.
        assert_eq!(
            resolve_model_alias("yolo11n-640"),
            resolve_model_alias("yolov11n-640")
        );
        assert_eq!(resolve_model_alias("coco/3"), "coco/3");
        assert_eq!(resolve_model_alias(""), "");
    }

    #[test]
    fn ocr_routes() {
        assert_eq!(ocr_route("doctr"), Some("/doctr/ocr"));
        assert_eq!(ocr_route("PP_OCR"), Some("/ocr/pp-ocr"));
        assert_eq!(ocr_route("tesseract"), None);
    }
}
