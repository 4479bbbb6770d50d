//! What every call builder shares: per-call timeout and retry policy, and `IntoFuture`.

/// The per-call `timeout` and `retry_policy` setters (the builder has `options: CallOptions`).
macro_rules! call_option_setters {
    () => {
        /// The timeout of each HTTP request of this call (overrides the client's).
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.options.timeout = Some(timeout);
            self
        }
        /// The retry policy of this call (`RetryPolicy::none()`: no retries).
        pub fn retry_policy(mut self, policy: vision_sdk_common::RetryPolicy) -> Self {
            self.options.retry = Some(policy);
            self
        }
    };
}

/// `impl IntoFuture` for a call builder whose `send()` returns `Result<$out>`.
macro_rules! into_future {
    ($builder:ty => $out:ty) => {
        impl std::future::IntoFuture for $builder {
            type Output = $crate::Result<$out>;
            type IntoFuture =
                std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send + 'static>>;
            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}
