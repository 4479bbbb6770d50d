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
