use super::{Input, Status};

message! {
    /// `InputsAddJob`: the server-side job of a `PostInputs` sent with `inputs_add_job_id`.
    pub struct InputsAddJob {
        /// The job id (the client-chosen `inputs_add_job_id`).
        pub id: String,
        /// A callback URL.
        pub call_back_url: String,
        /// Progress counters.
        pub progress: Option<InputsAddJobProgress>,
        /// RFC 3339 creation time.
        pub created_at: Option<String>,
        /// RFC 3339 modification time.
        pub modified_at: Option<String>,
        /// Extraction jobs of archive uploads (JSON).
        pub extraction_jobs: Vec<serde_json::Value>,
        /// Uploads (JSON).
        pub uploads: Vec<serde_json::Value>,
        /// The job's status (`JOB_QUEUED` 64000 … `JOB_COMPLETED` 64002).
        pub status: Option<Status>,
    }
}

identified!(InputsAddJob => "inputs add job");

impl InputsAddJob {
    /// `true` when nothing is pending or in progress any more (the SDK's completion test).
    pub fn is_done(&self) -> bool {
        self.progress
            .as_ref()
            .is_none_or(|p| p.pending_count == 0 && p.in_progress_count == 0)
    }
}

message! {
    /// `InputsAddJobProgress`: `uint64` counters, strings on the wire.
    pub struct InputsAddJobProgress {
        /// Waiting.
        #[serde(with = "crate::proto_json::uint64")]
        pub pending_count: u64,
        /// Being processed.
        #[serde(with = "crate::proto_json::uint64")]
        pub in_progress_count: u64,
        /// Done.
        #[serde(with = "crate::proto_json::uint64")]
        pub success_count: u64,
        /// Failed.
        #[serde(with = "crate::proto_json::uint64")]
        pub failed_count: u64,
    }
}

message! {
    /// `SingleInputsAddJobResponse` (`GetInputsAddJob`, `CancelInputsAddJob`).
    pub struct SingleInputsAddJobResponse {
        /// The call's status.
        pub status: Status,
        /// The job; must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_opt")]
        pub inputs_add_job: Option<InputsAddJob>,
    }
}

message! {
    /// `InputsUpload`: the settings of an upload job (`PostInputsUploads`).
    pub struct InputsUpload {
        /// The add job the upload belongs to.
        pub inputs_add_job_id: String,
        /// The upload (JSON).
        pub upload: Option<serde_json::Value>,
        /// A template applied to every input.
        pub input_template: Option<Input>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_counters_are_strings_or_numbers() {
        let r: SingleInputsAddJobResponse = serde_json::from_str(
            r#"{"status":{"code":10000},"inputs_add_job":{"id":"job123","progress":{"pending_count":"2","success_count":5},"status":{"code":64001}}}"#,
        )
        .unwrap();
        let job = r.inputs_add_job.unwrap();
        let p = job.progress.clone().unwrap();
        assert_eq!(
            (p.pending_count, p.in_progress_count, p.success_count),
            (2, 0, 5)
        );
        assert!(!job.is_done());
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"pending_count":"2","success_count":"5"}"#
        );
        let done: InputsAddJob =
            serde_json::from_str(r#"{"id":"j","progress":{"success_count":"3"}}"#).unwrap();
        assert!(done.is_done());
        assert!(
            serde_json::from_str::<SingleInputsAddJobResponse>(r#"{"inputs_add_job":{}}"#).is_err()
        );
    }
}
