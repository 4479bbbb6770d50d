//! Core models: OCR, CLIP, Perception Encoder, image embeddings, open-vocabulary detection
//! (YOLO-World, Grounding DINO, OWLv2), Segment Anything (SAM, SAM2, SAM3, SAM3-3D), large
//! multimodal models and depth estimation.
//!
//! Every call returns a [`CoreModelCall`] with the call's own typed setters (a parameter left
//! unset is not sent, and the server's default applies) and [`CoreModelCall::param`] for
//! anything newer than this crate. The key goes in the JSON body on v1 and in `?api_key=` on v0
//! (where the official client leaves it out of the body). Retried like inference.
//!
//! ```no_run
//! use roboflow_infer::{Image, InferenceClient};
//! # async fn run(client: InferenceClient) -> roboflow_infer::Result<()> {
//! let text = client.ocr_trocr(Image::from_path("receipt.png")).trocr_version_id("trocr-small-printed").await?;
//! let dogs = client.yolo_world(Image::from_path("park.jpg"), ["dog"]).confidence(0.2).await?;
//! let caption = client.infer_lmm(Image::from_path("park.jpg"), "florence-2-base").prompt("<CAPTION>").await?;
//! # let _ = (text, dogs, caption);
//! # Ok(())
//! # }
//! ```

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;

use serde::de::DeserializeOwned;
use serde_json::Value;
use vision_sdk_common::reqwest::Method;

use crate::client::{Body, CallOptions, InferenceClient};
use crate::error::{Error, Result};
use crate::input::Image;
use crate::models::{
    ClipCompareResponse, ClipEmbeddingResponse, DepthEstimationResponse, ImageEmbeddingResponse,
    LmmResponse, ObjectDetectionResponse, OcrResponse, PerceptionEncoderCompareResponse,
    PerceptionEncoderEmbeddingResponse, Sam2EmbeddingResponse, Sam2SegmentationResponse,
    Sam3EmbeddingResponse, Sam3SegmentationResponse, SamEmbeddingResponse, SamSegmentationResponse,
};
use crate::retry::RetryClass;

/// A core-model route: what its call returns.
pub trait CoreModel: Send + 'static {
    /// The decoded answer.
    type Output: DeserializeOwned + Send + 'static;
}

/// The builder of a core-model call (`M` names the route and its setters). Owns a client
/// clone; `.send()` or `.await` it.
#[must_use = "a call does nothing until it is sent or awaited"]
pub struct CoreModelCall<M: CoreModel> {
    client: InferenceClient,
    operation: &'static str,
    path: Vec<String>,
    body: Body,
    image: Option<(&'static str, Image)>,
    options: CallOptions,
    _model: PhantomData<fn() -> M>,
}

impl<M: CoreModel> std::fmt::Debug for CoreModelCall<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreModelCall")
            .field("operation", &self.operation)
            .field("path", &self.path)
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

impl<M: CoreModel> Clone for CoreModelCall<M> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            operation: self.operation,
            path: self.path.clone(),
            body: self.body.clone(),
            image: self.image.clone(),
            options: self.options.clone(),
            _model: PhantomData,
        }
    }
}

impl<M: CoreModel> CoreModelCall<M> {
    fn new(client: &InferenceClient, operation: &'static str, path: &[&str]) -> Self {
        Self {
            client: client.clone(),
            operation,
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            body: Body::new(),
            image: None,
            options: CallOptions::default(),
            _model: PhantomData,
        }
    }

    fn with_image(mut self, member: &'static str, image: Image) -> Self {
        self.image = Some((member, image));
        self
    }

    call_option_setters!();

    /// Sets any body member (for parameters without a setter here).
    pub fn param(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.body.insert(name, value);
        self
    }

    /// Sends the call.
    pub async fn send(self) -> Result<M::Output> {
        let client = &self.client;
        let segments: Vec<&str> = self.path.iter().map(String::as_str).collect();
        let mut body = self.body.clone();
        if let Some((member, image)) = &self.image {
            let loaded = image.load(client, &self.options).await?;
            body.insert(*member, loaded.to_json());
        }
        let spec = client.request(Method::POST, client.url(&segments), client.core_key_place());
        let spec = InferenceClient::json_body(spec, &body)?;
        client
            .execute_json(self.operation, RetryClass::Inference, spec, &self.options)
            .await
    }
}

impl<M: CoreModel> IntoFuture for CoreModelCall<M> {
    type Output = Result<M::Output>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'static>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

macro_rules! core_model {
    ($(#[$meta:meta])* $marker:ident => $out:ty { $( $(#[$doc:meta])* $setter:ident : $ty:ty ),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        pub enum $marker {}
        impl CoreModel for $marker {
            type Output = $out;
        }
        impl CoreModelCall<$marker> {
            $(
                $(#[$doc])*
                pub fn $setter(self, value: $ty) -> Self {
                    self.param(stringify!($setter), value)
                }
            )*
        }
    };
}

core_model! {
    /// Any OCR route, chosen by name ([`InferenceClient::ocr_image`]).
    Ocr => OcrResponse {}
}
core_model! {
    /// `POST /doctr/ocr`.
    DoctrOcr => OcrResponse {
        /// `doctr_version_id`.
        doctr_version_id: &str,
        /// `generate_bounding_boxes`: word boxes in the answer.
        generate_bounding_boxes: bool,
    }
}
core_model! {
    /// `POST /ocr/trocr`.
    TrOcr => OcrResponse {
        /// `trocr_version_id` (e.g. `trocr-small-printed`).
        trocr_version_id: &str,
    }
}
core_model! {
    /// `POST /easy_ocr/ocr`.
    EasyOcr => OcrResponse {
        /// `easy_ocr_version_id`.
        easy_ocr_version_id: &str,
        /// `language_codes` (e.g. `["en"]`).
        language_codes: Vec<String>,
        /// `quantize`.
        quantize: bool,
    }
}
core_model! {
    /// `POST /ocr/pp-ocr`.
    PpOcr => OcrResponse {
        /// `pp_ocr_version_id`.
        pp_ocr_version_id: &str,
        /// `text_detection` model.
        text_detection: &str,
        /// `text_recognition` model.
        text_recognition: &str,
    }
}
core_model! {
    /// `POST /clip/embed_image`.
    ClipImageEmbedding => ClipEmbeddingResponse {
        /// `clip_version_id` (e.g. `ViT-B-16`).
        clip_version_id: &str,
    }
}
core_model! {
    /// `POST /clip/embed_text`.
    ClipTextEmbedding => ClipEmbeddingResponse {
        /// `clip_version_id`.
        clip_version_id: &str,
    }
}
core_model! {
    /// `POST /clip/compare`.
    ClipCompare => ClipCompareResponse {
        /// `clip_version_id`.
        clip_version_id: &str,
    }
}
core_model! {
    /// `POST /perception_encoder/embed_image`.
    PerceptionEncoderImageEmbedding => PerceptionEncoderEmbeddingResponse {
        /// `perception_encoder_version_id`.
        perception_encoder_version_id: &str,
    }
}
core_model! {
    /// `POST /perception_encoder/embed_text`.
    PerceptionEncoderTextEmbedding => PerceptionEncoderEmbeddingResponse {
        /// `perception_encoder_version_id`.
        perception_encoder_version_id: &str,
    }
}
core_model! {
    /// `POST /perception_encoder/compare`.
    PerceptionEncoderCompare => PerceptionEncoderCompareResponse {
        /// `perception_encoder_version_id`.
        perception_encoder_version_id: &str,
    }
}
core_model! {
    /// `POST /infer/embeddings`.
    ImageEmbedding => ImageEmbeddingResponse {
        /// `output_type` (`feature_vector`, the server's default, or `logits`).
        output_type: &str,
        /// `disable_preproc_auto_orient`.
        disable_preproc_auto_orient: bool,
    }
}
core_model! {
    /// `POST /yolo_world/infer`.
    YoloWorld => ObjectDetectionResponse {
        /// `yolo_world_version_id` (`s`, `m`, `l`, …).
        yolo_world_version_id: &str,
        /// `confidence`.
        confidence: f64,
    }
}
core_model! {
    /// `POST /grounding_dino/infer`.
    GroundingDino => ObjectDetectionResponse {
        /// `box_threshold`.
        box_threshold: f64,
        /// `text_threshold`.
        text_threshold: f64,
        /// `grounding_dino_version_id`.
        grounding_dino_version_id: &str,
        /// `class_agnostic_nms`.
        class_agnostic_nms: bool,
    }
}
core_model! {
    /// `POST /owlv2/infer` (image prompting with training boxes).
    OwlV2 => ObjectDetectionResponse {
        /// `owlv2_version_id`.
        owlv2_version_id: &str,
        /// `confidence`.
        confidence: f64,
        /// `visualize_predictions`.
        visualize_predictions: bool,
    }
}
core_model! {
    /// `POST /sam/embed_image`.
    SamEmbedding => SamEmbeddingResponse {
        /// `sam_version_id` (`vit_h`, …).
        sam_version_id: &str,
        /// `image_id` to cache the embedding under.
        image_id: &str,
        /// `format` (`json` or `binary`).
        format: &str,
    }
}
core_model! {
    /// `POST /sam/segment_image`.
    SamSegmentation => SamSegmentationResponse {
        /// `sam_version_id`.
        sam_version_id: &str,
        /// `image_id` of a cached embedding.
        image_id: &str,
        /// `point_coords`: `[[x, y], …]`.
        point_coords: Value,
        /// `point_labels`: 1 foreground, 0 background.
        point_labels: Value,
        /// `format` (`json` or `binary`).
        format: &str,
        /// `multimask_output`.
        multimask_output: bool,
        /// `embeddings`: an embedding from `sam_embed_image` instead of `image` / `image_id`.
        embeddings: Value,
        /// `embeddings_format` (`json` or `binary`).
        embeddings_format: &str,
        /// `orig_im_size`: `[height, width]` of the embedded image.
        orig_im_size: Value,
        /// `has_mask_input`: a low-resolution mask from a previous call is given.
        has_mask_input: bool,
        /// `mask_input`: that mask.
        mask_input: Value,
        /// `mask_input_format` (`json` or `binary`).
        mask_input_format: &str,
        /// `use_mask_input_cache`: take the mask from the server's cache.
        use_mask_input_cache: bool,
    }
}
core_model! {
    /// `POST /sam2/embed_image`.
    Sam2Embedding => Sam2EmbeddingResponse {
        /// `sam2_version_id` (`hiera_tiny`, …).
        sam2_version_id: &str,
        /// `image_id`.
        image_id: &str,
    }
}
core_model! {
    /// `POST /sam2/segment_image`.
    Sam2Segmentation => Sam2SegmentationResponse {
        /// `sam2_version_id` (default sent: `hiera_tiny`, as upstream).
        sam2_version_id: &str,
        /// `multimask_output` (default sent: `true`).
        multimask_output: bool,
        /// `format` (default sent: `json`).
        format: &str,
        /// `image_id`.
        image_id: &str,
        /// `save_logits_to_cache`.
        save_logits_to_cache: bool,
        /// `load_logits_from_cache`.
        load_logits_from_cache: bool,
    }
}
core_model! {
    /// `POST /sam3/embed_image`.
    Sam3Embedding => Sam3EmbeddingResponse {
        /// `model_id`.
        model_id: &str,
        /// `image_id`.
        image_id: &str,
    }
}
core_model! {
    /// `POST /sam3/concept_segment`.
    Sam3ConceptSegmentation => Sam3SegmentationResponse {
        /// `model_id` (default sent: `sam3/sam3_final`).
        model_id: &str,
        /// `output_prob_thresh` (default sent: 0.5).
        output_prob_thresh: f64,
        /// `format` (default sent: `polygon`).
        format: &str,
        /// `nms_iou_threshold`.
        nms_iou_threshold: f64,
    }
}
core_model! {
    /// `POST /sam3/visual_segment`.
    Sam3VisualSegmentation => Sam2SegmentationResponse {
        /// `model_id`.
        model_id: &str,
        /// `multimask_output`.
        multimask_output: bool,
        /// `format`.
        format: &str,
    }
}
core_model! {
    /// `POST /sam3_3d/infer` (hosted): the answer as JSON.
    Sam3ThreeD => Value {
        /// `output_meshes`.
        output_meshes: bool,
        /// `output_scene`.
        output_scene: bool,
        /// `with_mesh_postprocess`.
        with_mesh_postprocess: bool,
        /// `with_texture_baking`.
        with_texture_baking: bool,
        /// `use_distillations`.
        use_distillations: bool,
    }
}
core_model! {
    /// `POST /infer/lmm` or `/infer/lmm/{model_id}`.
    Lmm => LmmResponse {
        /// `prompt`.
        prompt: &str,
        /// `max_new_tokens`.
        max_new_tokens: u32,
        /// `enable_thinking`.
        enable_thinking: bool,
    }
}
core_model! {
    /// `POST /infer/depth-estimation` or `/infer/depth-estimation/{model_id}`.
    DepthEstimation => DepthEstimationResponse {
        /// `depth_version_id`.
        depth_version_id: &str,
    }
}

/// Text inputs of the embedding calls: one string or a list.
fn text_value(text: impl Into<Value>) -> Value {
    text.into()
}

/// Where the model id of an LMM or depth call goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ModelIdIn {
    /// In the body (`/infer/lmm`), the default.
    #[default]
    Body,
    /// In the path too (`/infer/lmm/{model_id}`).
    Path,
}

/// The depth map's encoding (`depth_map_format`).
pub use crate::models::DepthMapFormat;

impl InferenceClient {
    /// OCR by model name (`doctr`, `trocr`, `easy_ocr`, `pp_ocr`), as the official
    /// `ocr_image(model=…)`; model-specific parameters with [`CoreModelCall::param`].
    pub fn ocr_image(&self, image: impl Into<Image>, model: &str) -> Result<CoreModelCall<Ocr>> {
        let route = crate::aliases::ocr_route(model).ok_or_else(|| {
            Error::InvalidInput(format!(
                "unknown OCR model `{model}` (doctr, trocr, easy_ocr, pp_ocr)"
            ))
        })?;
        let segments: Vec<&str> = route.trim_start_matches('/').split('/').collect();
        Ok(CoreModelCall::new(self, "ocr_image", &segments).with_image("image", image.into()))
    }
    /// DocTR OCR (`POST /doctr/ocr`).
    pub fn ocr_doctr(&self, image: impl Into<Image>) -> CoreModelCall<DoctrOcr> {
        CoreModelCall::new(self, "ocr_image", &["doctr", "ocr"]).with_image("image", image.into())
    }
    /// TrOCR (`POST /ocr/trocr`).
    pub fn ocr_trocr(&self, image: impl Into<Image>) -> CoreModelCall<TrOcr> {
        CoreModelCall::new(self, "ocr_image", &["ocr", "trocr"]).with_image("image", image.into())
    }
    /// EasyOCR (`POST /easy_ocr/ocr`).
    pub fn ocr_easy_ocr(&self, image: impl Into<Image>) -> CoreModelCall<EasyOcr> {
        CoreModelCall::new(self, "ocr_image", &["easy_ocr", "ocr"])
            .with_image("image", image.into())
    }
    /// PP-OCR (`POST /ocr/pp-ocr`).
    pub fn ocr_pp_ocr(&self, image: impl Into<Image>) -> CoreModelCall<PpOcr> {
        CoreModelCall::new(self, "ocr_image", &["ocr", "pp-ocr"]).with_image("image", image.into())
    }

    /// CLIP image embeddings (`get_clip_image_embeddings`).
    pub fn clip_image_embeddings(
        &self,
        image: impl Into<Image>,
    ) -> CoreModelCall<ClipImageEmbedding> {
        CoreModelCall::new(self, "get_clip_image_embeddings", &["clip", "embed_image"])
            .with_image("image", image.into())
    }
    /// CLIP text embeddings of one string or a list (`get_clip_text_embeddings`).
    pub fn clip_text_embeddings(&self, text: impl Into<Value>) -> CoreModelCall<ClipTextEmbedding> {
        CoreModelCall::new(self, "get_clip_text_embeddings", &["clip", "embed_text"])
            .param("text", text_value(text))
    }
    /// CLIP similarity of an image to text prompts (`clip_compare`).
    pub fn clip_compare(
        &self,
        subject: impl Into<Image>,
        prompt: impl Into<Value>,
    ) -> CoreModelCall<ClipCompare> {
        CoreModelCall::new(self, "clip_compare", &["clip", "compare"])
            .param("subject_type", "image")
            .param("prompt_type", "text")
            .with_image("subject", subject.into())
            .param("prompt", prompt.into())
    }
    /// Perception Encoder image embeddings.
    pub fn perception_encoder_image_embeddings(
        &self,
        image: impl Into<Image>,
    ) -> CoreModelCall<PerceptionEncoderImageEmbedding> {
        CoreModelCall::new(
            self,
            "get_perception_encoder_image_embeddings",
            &["perception_encoder", "embed_image"],
        )
        .with_image("image", image.into())
    }
    /// Perception Encoder text embeddings.
    pub fn perception_encoder_text_embeddings(
        &self,
        text: impl Into<Value>,
    ) -> CoreModelCall<PerceptionEncoderTextEmbedding> {
        CoreModelCall::new(
            self,
            "get_perception_encoder_text_embeddings",
            &["perception_encoder", "embed_text"],
        )
        .param("text", text_value(text))
    }
    /// Perception Encoder similarity of an image to text prompts (no official method).
    pub fn perception_encoder_compare(
        &self,
        subject: impl Into<Image>,
        prompt: impl Into<Value>,
    ) -> CoreModelCall<PerceptionEncoderCompare> {
        CoreModelCall::new(
            self,
            "perception_encoder_compare",
            &["perception_encoder", "compare"],
        )
        .param("subject_type", "image")
        .param("prompt_type", "text")
        .with_image("subject", subject.into())
        .param("prompt", prompt.into())
    }
    /// Embeddings from a classification model (`get_image_embeddings`, `POST /infer/embeddings`;
    /// `output_type` `feature_vector` by default, as upstream). The model id is sent as given:
    /// the official client does not resolve aliases here (the server does).
    pub fn get_image_embeddings(
        &self,
        model_id: &str,
        image: impl Into<Image>,
    ) -> CoreModelCall<ImageEmbedding> {
        let model_id = model_id.trim().to_owned();
        CoreModelCall::new(self, "get_image_embeddings", &["infer", "embeddings"])
            .param("model_id", model_id)
            .param("output_type", "feature_vector")
            .with_image("image", image.into())
    }

    /// YOLO-World open-vocabulary detection (`infer_from_yolo_world`).
    pub fn yolo_world<I: IntoIterator<Item = S>, S: Into<String>>(
        &self,
        image: impl Into<Image>,
        class_names: I,
    ) -> CoreModelCall<YoloWorld> {
        let names: Vec<String> = class_names.into_iter().map(Into::into).collect();
        CoreModelCall::new(self, "infer_from_yolo_world", &["yolo_world", "infer"])
            .param("text", names)
            .with_image("image", image.into())
    }
    /// Grounding DINO open-vocabulary detection (no official method).
    pub fn grounding_dino<I: IntoIterator<Item = S>, S: Into<String>>(
        &self,
        image: impl Into<Image>,
        class_names: I,
    ) -> CoreModelCall<GroundingDino> {
        let names: Vec<String> = class_names.into_iter().map(Into::into).collect();
        CoreModelCall::new(self, "grounding_dino", &["grounding_dino", "infer"])
            .param("text", names)
            .with_image("image", image.into())
    }
    /// OWLv2 image prompting: `training_data` is the server's list of
    /// `{"image": …, "boxes": [{x, y, w, h, cls, negative}]}` (no official method).
    pub fn owlv2(&self, image: impl Into<Image>, training_data: Value) -> CoreModelCall<OwlV2> {
        CoreModelCall::new(self, "owlv2", &["owlv2", "infer"])
            .param("training_data", training_data)
            .with_image("image", image.into())
    }

    /// SAM image embeddings.
    pub fn sam_embed_image(&self, image: impl Into<Image>) -> CoreModelCall<SamEmbedding> {
        CoreModelCall::new(self, "sam_embed_image", &["sam", "embed_image"])
            .with_image("image", image.into())
    }
    /// SAM segmentation from point prompts.
    pub fn sam_segment_image(&self, image: impl Into<Image>) -> CoreModelCall<SamSegmentation> {
        CoreModelCall::new(self, "sam_segment_image", &["sam", "segment_image"])
            .with_image("image", image.into())
    }
    /// SAM2 image embeddings.
    pub fn sam2_embed_image(&self, image: impl Into<Image>) -> CoreModelCall<Sam2Embedding> {
        CoreModelCall::new(self, "sam2_embed_image", &["sam2", "embed_image"])
            .with_image("image", image.into())
    }
    /// SAM2 segmentation (`sam2_segment_image`); `prompts` is the list of
    /// `{"box": …, "points": [{x, y, positive}]}` (sent as `{"prompts": [...]}`).
    pub fn sam2_segment_image(
        &self,
        image: impl Into<Image>,
        prompts: Value,
    ) -> CoreModelCall<Sam2Segmentation> {
        CoreModelCall::new(self, "sam2_segment_image", &["sam2", "segment_image"])
            .param("sam2_version_id", "hiera_tiny")
            .param("multimask_output", true)
            .param("format", "json")
            .param("prompts", serde_json::json!({ "prompts": prompts }))
            .with_image("image", image.into())
    }
    /// SAM3 image embeddings (`sam3_embed_image`).
    pub fn sam3_embed_image(&self, image: impl Into<Image>) -> CoreModelCall<Sam3Embedding> {
        CoreModelCall::new(self, "sam3_embed_image", &["sam3", "embed_image"])
            .with_image("image", image.into())
    }
    /// SAM3 promptable concept segmentation by text prompts (`sam3_concept_segment`).
    pub fn sam3_concept_segment<I: IntoIterator<Item = S>, S: Into<String>>(
        &self,
        image: impl Into<Image>,
        prompts: I,
    ) -> CoreModelCall<Sam3ConceptSegmentation> {
        let prompts: Vec<Value> = prompts
            .into_iter()
            .map(|p| serde_json::json!({"type": "text", "text": p.into()}))
            .collect();
        CoreModelCall::new(self, "sam3_concept_segment", &["sam3", "concept_segment"])
            .param("model_id", "sam3/sam3_final")
            .param("prompts", prompts)
            .param("output_prob_thresh", 0.5)
            .param("format", "polygon")
            .with_image("image", image.into())
    }
    /// SAM3 promptable visual segmentation (`sam3_visual_segment`); prompts as for SAM2.
    pub fn sam3_visual_segment(
        &self,
        image: impl Into<Image>,
        prompts: Value,
    ) -> CoreModelCall<Sam3VisualSegmentation> {
        CoreModelCall::new(self, "sam3_visual_segment", &["sam3", "visual_segment"])
            .param("prompts", serde_json::json!({ "prompts": prompts }))
            .with_image("image", image.into())
    }
    /// SAM3 3D object generation from an image and a mask (`sam3_3d_infer`).
    pub fn sam3_3d_infer(
        &self,
        image: impl Into<Image>,
        mask_input: Value,
    ) -> CoreModelCall<Sam3ThreeD> {
        CoreModelCall::new(self, "sam3_3d_infer", &["sam3_3d", "infer"])
            .param("mask_input", mask_input)
            .with_image("image", image.into())
    }

    /// A large multimodal model (Florence-2, PaliGemma, Qwen-VL, SmolVLM, Moondream) through
    /// `POST /infer/lmm` (`infer_lmm`). The model id is sent as given (no alias resolution, as
    /// upstream).
    pub fn infer_lmm(&self, image: impl Into<Image>, model_id: &str) -> CoreModelCall<Lmm> {
        self.infer_lmm_with(image, model_id, ModelIdIn::Body)
    }
    /// [`infer_lmm`](Self::infer_lmm) with the model id also in the path when
    /// `ModelIdIn::Path` (`/infer/lmm/{model_id}`, the official `model_id_in_path=True`).
    pub fn infer_lmm_with(
        &self,
        image: impl Into<Image>,
        model_id: &str,
        place: ModelIdIn,
    ) -> CoreModelCall<Lmm> {
        model_route(self, "infer_lmm", &["infer", "lmm"], model_id, place)
            .with_image("image", image.into())
    }
    /// Depth estimation (`depth_estimation`; default model `depth-anything-v3/small`, as
    /// upstream). `png16` / `png8` maps decode with
    /// [`DepthEstimationResponse`](crate::models::DepthEstimationResponse)'s helpers.
    pub fn depth_estimation(&self, image: impl Into<Image>) -> CoreModelCall<DepthEstimation> {
        self.depth_estimation_with(image, "depth-anything-v3/small", ModelIdIn::Body)
    }
    /// Depth estimation with a model of choice, its id in the body or the path.
    pub fn depth_estimation_with(
        &self,
        image: impl Into<Image>,
        model_id: &str,
        place: ModelIdIn,
    ) -> CoreModelCall<DepthEstimation> {
        model_route(
            self,
            "depth_estimation",
            &["infer", "depth-estimation"],
            model_id,
            place,
        )
        .with_image("image", image.into())
    }

    /// The deprecated gaze detection: fails as the official `detect_gazes` does
    /// (`FeatureDeprecatedError`), without a request (the server answers 410 Gone).
    pub async fn detect_gazes(&self, _image: impl Into<Image>) -> Result<Value> {
        Err(Error::FeatureDeprecated(
            "Gaze detection is deprecated and no longer supported by the inference server (the route answers 410 Gone)"
                .into(),
        ))
    }
}

fn model_route<M: CoreModel>(
    client: &InferenceClient,
    operation: &'static str,
    base: &[&str],
    model_id: &str,
    place: ModelIdIn,
) -> CoreModelCall<M> {
    let model_id = model_id.trim();
    let mut segments: Vec<&str> = base.to_vec();
    if place == ModelIdIn::Path {
        segments.extend(model_id.split('/'));
    }
    // The body keeps `model_id` in both forms (the server's request schema requires it).
    CoreModelCall::new(client, operation, &segments).param("model_id", model_id)
}

impl CoreModelCall<DepthEstimation> {
    /// `depth_map_format`: `json` (values inline), `png16` or `png8`.
    pub fn depth_map_format(self, format: DepthMapFormat) -> Self {
        self.param("depth_map_format", format.as_str())
    }
}
