//! The account behind the API token.

use crate::client::Groundlight;
use crate::error::{Error, Result};
use crate::models::{AccountMonthToDateInfo, Me};

impl Groundlight {
    /// The account behind the API token: `GET /v1/me`.
    pub async fn me(&self) -> Result<Me> {
        self.get_json("me", self.api_url(&["v1", "me"])).await
    }

    /// The e-mail address of the account behind the API token (`GET /v1/me`), the official
    /// SDK's way to check a token. Falls back to the username when the server sends no e-mail.
    ///
    /// # Errors
    ///
    /// [`Error::Http`] with status 401 for an invalid token.
    pub async fn whoami(&self) -> Result<String> {
        let me = self.me().await?;
        me.email
            .filter(|e| !e.is_empty())
            .or(me.username)
            .ok_or_else(|| {
                Error::UnexpectedResponse("/v1/me returned neither an email nor a username".into())
            })
    }

    /// This month's usage and limits: `GET /v1/month-to-date-account-info`.
    pub async fn get_month_to_date_usage(&self) -> Result<AccountMonthToDateInfo> {
        self.get_json(
            "get_month_to_date_usage",
            self.api_url(&["v1", "month-to-date-account-info"]),
        )
        .await
    }
}
