//! Task types: what a model does, as the server's registry and stub responses name it.

open_enum! {
    /// The `task_type` of a model (`GET /model/registry`, stub responses).
    ///
    /// It chooses the v1 route ([`v1_infer_route`](Self::v1_infer_route)), the request members
    /// ([`InferenceConfiguration::v1_body`](crate::InferenceConfiguration::v1_body)) and the
    /// response type ([`decode_inference`](crate::models::decode_inference)).
    ///
    /// ```
    /// use roboflow_infer::TaskType;
    ///
    /// let task = TaskType::from("keypoint-detection");
    /// assert_eq!(task, TaskType::KeypointDetection);
    /// assert_eq!(task.v1_infer_route(), Some("/infer/keypoints_detection"));
    /// assert_eq!(TaskType::from("brand-new-task"), TaskType::Other("brand-new-task".into()));
    /// ```
    pub enum TaskType {
        /// Boxes with a class and a confidence.
        ObjectDetection = "object-detection",
        /// Boxes with a polygon or an RLE mask.
        InstanceSegmentation = "instance-segmentation",
        /// Single-label classification (also anomaly detection models).
        Classification = "classification",
        /// Multi-label classification.
        MultiLabelClassification = "multi-label-classification",
        /// Boxes with keypoints.
        KeypointDetection = "keypoint-detection",
        /// A class per pixel.
        SemanticSegmentation = "semantic-segmentation",
        /// Actions along a video's timeline.
        ActionRecognition = "action-recognition",
        /// A relative depth per pixel.
        DepthEstimation = "depth-estimation",
        /// Large multimodal models (`/infer/lmm`).
        Lmm = "lmm",
        /// Vision-language models.
        Vlm = "vlm",
        /// Image embeddings (`/infer/embeddings`).
        Embedding = "embedding",
    }
}

impl TaskType {
    /// The v1 inference route for this task, `None` when the server has none.
    ///
    /// The official client only knows the first four (and refuses the rest client-side); the
    /// server also has `/infer/semantic_segmentation`, and multi-label classification models run
    /// on `/infer/classification`.
    pub fn v1_infer_route(&self) -> Option<&'static str> {
        Some(match self {
            Self::ObjectDetection => "/infer/object_detection",
            Self::InstanceSegmentation => "/infer/instance_segmentation",
            Self::Classification | Self::MultiLabelClassification => "/infer/classification",
            Self::KeypointDetection => "/infer/keypoints_detection",
            Self::SemanticSegmentation => "/infer/semantic_segmentation",
            Self::ActionRecognition => "/infer/action_recognition",
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_strings_round_trip() {
        for task in [
            TaskType::ObjectDetection,
            TaskType::InstanceSegmentation,
            TaskType::Classification,
            TaskType::MultiLabelClassification,
            TaskType::KeypointDetection,
            TaskType::SemanticSegmentation,
            TaskType::ActionRecognition,
            TaskType::DepthEstimation,
            TaskType::Lmm,
            TaskType::Vlm,
            TaskType::Embedding,
            TaskType::Other("gaze-detection".into()),
        ] {
            let json = serde_json::to_string(&task).unwrap();
            assert_eq!(json, format!("\"{}\"", task.as_str()));
            assert_eq!(serde_json::from_str::<TaskType>(&json).unwrap(), task);
            assert_eq!(TaskType::from(task.to_string()), task);
        }
    }

    #[test]
    fn routes() {
        assert_eq!(
            TaskType::ObjectDetection.v1_infer_route(),
            Some("/infer/object_detection")
        );
        assert_eq!(
            TaskType::SemanticSegmentation.v1_infer_route(),
            Some("/infer/semantic_segmentation")
        );
        assert_eq!(TaskType::Lmm.v1_infer_route(), None);
        assert_eq!(TaskType::Other("x".into()).v1_infer_route(), None);
    }
}
