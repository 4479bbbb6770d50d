use crate::status::StatusCode;

message! {
    /// `clarifai.api.status.Status`: the outcome of a call, or of one item of a batch.
    pub struct Status {
        /// The code; [`StatusCode::SUCCESS`] (10000) means success.
        pub code: StatusCode,
        /// A short description.
        pub description: String,
        /// More details, for people.
        pub details: String,
        /// Progress of a long-running job, in percent.
        pub percent_completed: u32,
        /// Seconds remaining of a pending job.
        pub time_remaining: u32,
        /// The server's request id.
        pub req_id: String,
        /// Technical notes for developers.
        pub developer_notes: String,
        /// The HTTP status the server meant to answer with.
        pub http_status_code: u32,
    }
}

impl Status {
    /// A status with this code and description.
    pub fn new(code: StatusCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            ..Self::default()
        }
    }

    /// `true` when the code is `SUCCESS`.
    pub fn is_success(&self) -> bool {
        self.code.is_success()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_number_or_name_codes_and_ignores_new_fields() {
        let s: Status = serde_json::from_str(
            r#"{"code":"SUCCESS","description":"Ok","req_id":"r","percent_completed":40,"new_field":{"x":1}}"#,
        )
        .unwrap();
        assert!(s.is_success());
        assert_eq!((s.req_id.as_str(), s.percent_completed), ("r", 40));
        let s: Status = serde_json::from_str("{}").unwrap();
        assert_eq!(s.code, StatusCode::ZERO);
        assert_eq!(
            serde_json::to_string(&Status::new(StatusCode::MIXED_STATUS, "mixed")).unwrap(),
            r#"{"code":10010,"description":"mixed"}"#
        );
    }
}
