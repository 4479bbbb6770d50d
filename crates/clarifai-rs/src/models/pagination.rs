message! {
    /// `Pagination` of the search calls (`{"page": 1, "per_page": 10}`); list calls put `page`
    /// and `per_page` in the query string instead.
    pub struct Pagination {
        /// The page, from 1.
        pub page: u32,
        /// Items per page (server default 128, max 1000).
        pub per_page: u32,
    }
}

impl Pagination {
    /// Page `page` (from 1) of `per_page` items.
    pub fn new(page: u32, per_page: u32) -> Self {
        Self { page, per_page }
    }
}

message! {
    /// `UserAppIDSet`: the owner and app of a resource.
    pub struct UserAppIdSet {
        /// The user id (`me` for the authenticated user).
        pub user_id: String,
        /// The app id.
        pub app_id: String,
    }
}

impl UserAppIdSet {
    /// The app `app_id` of user `user_id`.
    pub fn new(user_id: impl Into<String>, app_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            app_id: app_id.into(),
        }
    }
}

impl Eq for UserAppIdSet {}

impl std::hash::Hash for UserAppIdSet {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.user_id.hash(state);
        self.app_id.hash(state);
    }
}
