use super::{Annotation, Concept, Data, Image, Input, MediaKind, Status, Visibility};

crate::proto_enum! {
    /// `Search.Metric`: the distance of a similarity search.
    pub enum Metric {
        0 => "METRIC_NOT_SET",
        /// Euclidean distance (the Python SDK's default).
        EuclideanDistance = 1 => "EUCLIDEAN_DISTANCE",
        /// Cosine distance (not allowed with `nearest_neighbor`).
        CosineDistance = 2 => "COSINE_DISTANCE",
    }
}

message! {
    /// `Search`: a query, with the algorithm and metric to rank by.
    pub struct Search {
        /// The query.
        pub query: Option<Query>,
        /// A saved search's id.
        pub id: String,
        /// The application.
        pub application_id: String,
        /// A saved search's name.
        pub name: String,
        /// RFC 3339: search the data as of this time.
        pub as_of: Option<String>,
        /// RFC 3339 creation time.
        pub created_at: Option<String>,
        /// RFC 3339 modification time.
        pub modified_at: Option<String>,
        /// `nearest_neighbor` or `brute_force`.
        pub algorithm: String,
        /// Save the search.
        pub save: bool,
        /// Only hits scoring at least this.
        pub min_value: f32,
        /// Who can see a saved search.
        pub visibility: Option<Visibility>,
        /// The distance.
        pub metric: Metric,
    }
}

message! {
    /// `Query`: filters (which items) and ranks (how to order them).
    pub struct Query {
        /// Legacy `ands` (JSON).
        pub ands: Vec<serde_json::Value>,
        /// The language of concept names.
        pub language: String,
        /// Filters, all of which must match.
        pub filters: Vec<Filter>,
        /// Ranks, combined.
        pub ranks: Vec<Rank>,
    }
}

message! {
    /// `Filter`: an annotation or input pattern to match.
    pub struct Filter {
        /// Exclude instead of include.
        pub negate: bool,
        /// Match annotations (concepts, metadata, geo, regions …).
        pub annotation: Option<Annotation>,
        /// Match inputs (data type, dataset ids, status).
        pub input: Option<Input>,
        /// Only items updated in this range (JSON).
        pub last_updated_time_range: Option<serde_json::Value>,
    }
}

message! {
    /// `Rank`: an annotation to rank by similarity (an image, a text, concepts …).
    pub struct Rank {
        /// Rank by dissimilarity.
        pub negate: bool,
        /// What to be similar to.
        pub annotation: Option<Annotation>,
    }
}

impl Filter {
    /// Annotations with these concepts (`value` 1 = has it, 0 = has it not).
    pub fn concepts(concepts: impl IntoIterator<Item = Concept>) -> Self {
        Self::annotation_data(Data {
            concepts: concepts.into_iter().collect(),
            ..Data::default()
        })
    }

    /// Annotations whose data matches `data` (metadata, geo, …).
    pub fn annotation_data(data: Data) -> Self {
        Self {
            annotation: Some(Annotation {
                data: Some(data),
                ..Annotation::default()
            }),
            ..Self::default()
        }
    }

    /// Inputs of this media type (`{"input": {"data": {"image": {}}}}`).
    pub fn input_type(kind: MediaKind) -> Self {
        let data = match kind {
            MediaKind::Image => Data::image(Image::default()),
            MediaKind::Video => Data::video(super::Video::default()),
            MediaKind::Audio => Data::audio(super::Audio::default()),
            MediaKind::Text => Data::text(super::Text::default()),
        };
        Self {
            input: Some(Input::from_data(data)),
            ..Self::default()
        }
    }

    /// Inputs in these datasets.
    pub fn input_datasets(dataset_ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            input: Some(Input::default().in_datasets(dataset_ids)),
            ..Self::default()
        }
    }

    /// Negates the filter.
    #[must_use]
    pub fn negated(mut self) -> Self {
        self.negate = true;
        self
    }
}

impl Rank {
    /// Rank by similarity to this data (an image URL or bytes, a text, concepts …).
    pub fn data(data: Data) -> Self {
        Self {
            annotation: Some(Annotation {
                data: Some(data),
                ..Annotation::default()
            }),
            ..Self::default()
        }
    }

    /// Rank by similarity to the image at `url`.
    pub fn image_url(url: impl Into<String>) -> Self {
        Self::data(Data::image(Image::from_url(url)))
    }

    /// Rank by similarity to this text.
    pub fn text(raw: impl Into<String>) -> Self {
        Self::data(Data::text(super::Text::from_raw(raw)))
    }
}

message! {
    /// `Hit`: one search result.
    pub struct Hit {
        /// The similarity score.
        pub score: f32,
        /// The input (input searches).
        pub input: Option<Input>,
        /// The annotation (annotation searches).
        pub annotation: Option<Annotation>,
        /// The owner.
        pub user_id: String,
        /// The app.
        pub app_id: String,
    }
}

message! {
    /// `MultiSearchResponse` (`PostInputsSearches`, `PostAnnotationsSearches`, `PostSearches`).
    /// The echoed query and searches stay JSON.
    pub struct MultiSearchResponse {
        /// The call's status.
        pub status: Status,
        /// The search id.
        pub id: String,
        /// The hits, best first.
        pub hits: Vec<Hit>,
        /// The query as the server read it (JSON).
        pub query: Option<serde_json::Value>,
        /// The searches as the server read them (JSON).
        pub searches: Vec<serde_json::Value>,
        /// Hit counts (JSON).
        pub hit_counts: Vec<serde_json::Value>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_and_lenient_echo() {
        let r: MultiSearchResponse = serde_json::from_str(
            r#"{"status":{"code":10000},"hits":[{"score":0.87,"input":{"id":"i1","data":{"image":{"url":"u"}}}}],"searches":[{"query":{"filters":[{"input":{"data":{"image":{}}}}]},"metric":"EUCLIDEAN_DISTANCE"}]}"#,
        )
        .unwrap();
        assert_eq!(r.hits[0].score, 0.87);
        assert_eq!(r.hits[0].input.as_ref().unwrap().id, "i1");
        assert_eq!(r.searches.len(), 1);
        let s: Search =
            serde_json::from_str(r#"{"metric":"COSINE_DISTANCE","algorithm":"brute_force"}"#)
                .unwrap();
        assert_eq!(s.metric, Metric::CosineDistance);
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"algorithm":"brute_force","metric":2}"#
        );
    }
}
