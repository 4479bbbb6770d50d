//! What every call builder has (family contract C5): per-call `request_timeout` and
//! `retry_policy`, `.send()`, and `IntoFuture`, so `.await` on the builder works.

/// Implements the shared per-call options and `IntoFuture` for a call builder whose client
/// clone is at `self.$($path).+`; `no_timeout` for builders whose own `timeout(..)` already is
/// the request timeout (the Python parameter of the same name).
macro_rules! call_builder {
    ($builder:ident, $($path:ident).+ => $output:ty) => {
        impl $builder {
            /// The timeout of each HTTP request this call makes (default: the client's).
            pub fn request_timeout(mut self, timeout: std::time::Duration) -> Self {
                self.$($path).+ = self.$($path).+.with_timeout(timeout);
                self
            }
        }
        $crate::call::call_builder!($builder, $($path).+ => $output; no_timeout);
    };
    ($builder:ident, $($path:ident).+ => $output:ty; no_timeout) => {
        impl $builder {
            /// The retry policy of this call (default: the client's; `RetryPolicy::none()`
            /// turns retries off).
            pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
                self.$($path).+ = self.$($path).+.with_retry_policy(policy);
                self
            }
        }

        impl std::future::IntoFuture for $builder {
            type Output = $crate::Result<$output>;
            type IntoFuture =
                std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send + 'static>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}

pub(crate) use call_builder;
