use super::{Image, Status, Visibility};
use crate::proto_json::Struct;

message! {
    /// `Concept`: a label (`dog`), with a value in predictions and annotations.
    ///
    /// `value` is an `Option`: the server reads a *missing* value as **1.0** (a positive label,
    /// the proto's `cl_default_float`), so an unset value is never sent, and `Some(0.0)` is an
    /// explicit negative label.
    ///
    /// ```
    /// use clarifai::models::Concept;
    ///
    /// let positive = Concept::new("dog").with_name("dog");
    /// assert_eq!(serde_json::to_string(&positive).unwrap(), r#"{"id":"dog","name":"dog"}"#);
    /// let negative = Concept::new("cat").with_value(0.0);
    /// assert_eq!(serde_json::to_string(&negative).unwrap(), r#"{"id":"cat","value":0.0}"#);
    /// assert_eq!(positive.effective_value(), 1.0);
    /// ```
    pub struct Concept {
        /// The concept id.
        pub id: String,
        /// The display name.
        pub name: String,
        /// The value (probability in predictions; 1 positive / 0 negative in labels).
        /// `None` = not set, which the server reads as 1.0.
        pub value: Option<f32>,
        /// RFC 3339 creation time.
        pub created_at: Option<String>,
        /// The language of `name`.
        pub language: String,
        /// The app the concept belongs to.
        pub app_id: String,
        /// A definition.
        pub definition: String,
        /// The vocabulary id.
        pub vocab_id: String,
        /// Who can see it.
        pub visibility: Option<Visibility>,
        /// The owner.
        pub user_id: String,
        /// Extra metadata.
        pub metadata: Struct,
        /// An image of the concept.
        pub image: Option<Image>,
    }
}

impl Concept {
    /// A concept with this id (value not set, i.e. positive).
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// A concept known only by name (search filters may use names).
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Sets the name.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the value explicitly (`0.0` is a negative label).
    #[must_use]
    pub fn with_value(mut self, value: f32) -> Self {
        self.value = Some(value);
        self
    }

    /// The value as the server reads it: the value, or 1.0 when not set.
    pub fn effective_value(&self) -> f32 {
        self.value.unwrap_or(1.0)
    }
}

identified!(Concept => "concept");

message! {
    /// `ConceptQuery` of `PostConceptsSearches`: concepts by name (`dog*`) and language.
    pub struct ConceptQuery {
        /// The name, `*` as wildcard.
        pub name: String,
        /// The language.
        pub language: String,
        /// Ignore the app's own concepts.
        pub ignore_app_concepts: bool,
    }
}

message! {
    /// `MultiConceptResponse` (list, create, patch, search of concepts).
    pub struct MultiConceptResponse {
        /// The call's status.
        pub status: Status,
        /// The concepts; each must have an `id`.
        #[serde(deserialize_with = "crate::proto_json::identified_vec")]
        pub concepts: Vec<Concept>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_value_is_none_and_means_one() {
        let c: Concept = serde_json::from_str(r#"{"id":"dog"}"#).unwrap();
        assert_eq!((c.value, c.effective_value()), (None, 1.0));
        let c: Concept = serde_json::from_str(r#"{"id":"dog","value":0}"#).unwrap();
        assert_eq!((c.value, c.effective_value()), (Some(0.0), 0.0));
        assert_eq!(
            serde_json::to_string(&Concept::new("x").with_value(1.0)).unwrap(),
            r#"{"id":"x","value":1.0}"#
        );
        assert_eq!(
            serde_json::to_string(&Concept::named("dog")).unwrap(),
            r#"{"name":"dog"}"#
        );
    }

    #[test]
    fn concept_lists_require_ids() {
        let ok: MultiConceptResponse =
            serde_json::from_str(r#"{"status":{"code":10000},"concepts":[{"id":"a"}]}"#).unwrap();
        assert_eq!(ok.concepts.len(), 1);
        assert!(
            serde_json::from_str::<MultiConceptResponse>(r#"{"concepts":[{"name":"a"}]}"#).is_err()
        );
    }
}
