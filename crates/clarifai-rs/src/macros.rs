//! Internal macros of the models and request bodies.

/// A proto message: `#[non_exhaustive]`, `Default`, serde with every field defaulted when
/// absent and left out when zero.
macro_rules! message {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(default)]
        #[non_exhaustive]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(skip_serializing_if = "crate::proto_json::IsZero::is_zero")]
                pub $field: $ty,
            )*
        }

        impl crate::proto_json::IsZero for $name {
            fn is_zero(&self) -> bool {
                *self == Self::default()
            }
        }
    };
}

/// `impl Identified` for a resource whose identity is its `id` field.
macro_rules! identified {
    ($($name:ident => $kind:literal),* $(,)?) => {
        $(impl crate::proto_json::Identified for $name {
            const KIND: &'static str = $kind;
            fn identity(&self) -> &str {
                &self.id
            }
        })*
    };
}

/// `IntoFuture` for a call builder with `async fn send(self) -> Result<$out>`.
macro_rules! into_future {
    ($ty:ty => $out:ty) => {
        impl ::std::future::IntoFuture for $ty {
            type Output = crate::error::Result<$out>;
            type IntoFuture =
                ::std::pin::Pin<Box<dyn ::std::future::Future<Output = Self::Output> + Send>>;
            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}

/// The per-call `timeout` and `retry_policy` setters of a builder with `options: CallOptions`.
macro_rules! call_options {
    () => {
        /// The timeout of each request of this call.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.options.timeout = Some(timeout);
            self
        }

        /// The retry policy of this call.
        pub fn retry_policy(mut self, policy: ::vision_sdk_common::RetryPolicy) -> Self {
            self.options.retry = Some(policy);
            self
        }
    };
}
