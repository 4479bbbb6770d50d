use super::{Image, Status, Visibility};

message! {
    /// `User`: a Clarifai account.
    pub struct User {
        /// The user id.
        pub id: String,
        /// First name.
        pub first_name: String,
        /// Last name.
        pub last_name: String,
        /// Company.
        pub company_name: String,
        /// Job title.
        pub job_title: String,
        /// Job role.
        pub job_role: String,
        /// RFC 3339 creation time.
        pub created_at: Option<String>,
        /// Starred by the caller.
        pub is_starred: bool,
        /// Number of stars.
        pub star_count: i32,
        /// Who can see it.
        pub visibility: Option<Visibility>,
        /// Account details (JSON).
        pub user_detail: Option<serde_json::Value>,
        /// Avatar.
        pub image: Option<Image>,
    }
}

identified!(User => "user");

message! {
    /// `SingleUserResponse` (`GetUser`).
    pub struct SingleUserResponse {
        /// The call's status.
        pub status: Status,
        /// The user; must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_opt")]
        pub user: Option<User>,
    }
}
