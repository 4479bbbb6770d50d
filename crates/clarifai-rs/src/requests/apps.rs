//! User- and app-level calls: apps, the user, concepts, input counts, model types.

use super::{
    ApiRequest, PatchAppRequest, PatchConceptsRequest, PostAppsRequest, PostConceptsRequest,
    PostConceptsSearchesRequest, require,
};
use crate::error::{Error, Result};
use crate::models::{App, Concept, ConceptQuery, Pagination, UserAppIdSet, Workflow};
use crate::routes::Route;

/// The base workflow of `create_app` when none is given: `"Empty"`.
///
/// Decision: the seed's docs say `'Language-Understanding'`, the SDK code (10.2.1 and 12.5.0)
/// says `'Empty'`; the code is what users of the SDK get, and an empty app costs nothing.
pub const DEFAULT_BASE_WORKFLOW: &str = "Empty";

/// The model types `App.list_trainable_model_types()` returns (an SDK constant, no call).
pub const TRAINABLE_MODEL_TYPES: &[&str] = &[
    "visual-classifier",
    "visual-detector",
    "visual-segmenter",
    "visual-embedder",
    "clusterer",
    "text-classifier",
    "embedding-classifier",
    "text-to-text",
];

/// How a patch applies (`action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchAction {
    /// Add to what is there.
    Merge,
    /// Replace what is there.
    Overwrite,
    /// Remove what is given.
    Remove,
}

impl PatchAction {
    /// `merge`, `overwrite`, `remove`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Merge => "merge",
            Self::Overwrite => "overwrite",
            Self::Remove => "remove",
        }
    }
}

/// `User.list_apps(page_no, per_page)`: `GET {U}/apps`.
pub fn list_apps(user_id: &str, page: Option<u32>, per_page: Option<u32>) -> Result<ApiRequest> {
    Ok(ApiRequest::new(Route::LIST_APPS, &[("user_id", user_id)])?.with_page(page, per_page))
}

/// `User.create_app(app_id, base_workflow)`: `POST {U}/apps` with the base workflow of
/// Clarifai's `main` app ([`DEFAULT_BASE_WORKFLOW`] when `None`).
pub fn create_app(user_id: &str, app: App, base_workflow: Option<&str>) -> Result<ApiRequest> {
    require("app id", &app.id)?;
    let mut app = app;
    let base = base_workflow.unwrap_or(DEFAULT_BASE_WORKFLOW);
    require("base workflow", base)?;
    app.default_workflow = Some(Box::new(Workflow::reference(base, "main", "clarifai")));
    ApiRequest::new(Route::POST_APPS, &[("user_id", user_id)])?
        .with_json(&PostAppsRequest { apps: vec![app] })
}

/// `User.app(app_id)`: `GET {UA}`.
pub fn get_app(scope: &UserAppIdSet) -> Result<ApiRequest> {
    ApiRequest::in_app(Route::GET_APP, scope, &[])
}

/// `App.patch_app(action, **kwargs)`: `PATCH {UA}`.
pub fn patch_app(scope: &UserAppIdSet, app: App, action: PatchAction) -> Result<ApiRequest> {
    let mut app = app;
    if app.id.is_empty() {
        app.id.clone_from(&scope.app_id);
    }
    ApiRequest::in_app(Route::PATCH_APP, scope, &[])?.with_json(&PatchAppRequest {
        app: Some(app),
        action: action.as_str().to_owned(),
        ..PatchAppRequest::default()
    })
}

/// `User.delete_app(app_id)`: `DELETE {UA}`.
pub fn delete_app(scope: &UserAppIdSet) -> Result<ApiRequest> {
    ApiRequest::in_app(Route::DELETE_APP, scope, &[])
}

/// `User.get_user_info()`: `GET {U}`.
pub fn get_user(user_id: &str) -> Result<ApiRequest> {
    ApiRequest::new(Route::GET_USER, &[("user_id", user_id)])
}

/// `App.list_concepts(page_no, per_page)`: `GET {UA}/concepts`.
pub fn list_concepts(
    scope: &UserAppIdSet,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<ApiRequest> {
    Ok(ApiRequest::in_app(Route::LIST_CONCEPTS, scope, &[])?.with_page(page, per_page))
}

/// `App.create_concepts(ids, names)`: `POST {UA}/concepts`. Values left unset are not sent.
pub fn create_concepts(scope: &UserAppIdSet, concepts: Vec<Concept>) -> Result<ApiRequest> {
    check_concepts(&concepts)?;
    ApiRequest::in_app(Route::POST_CONCEPTS, scope, &[])?
        .with_json(&PostConceptsRequest { concepts })
}

/// `Inputs.patch_concepts(concept_ids, labels, values, action)`: `PATCH {UA}/concepts`.
pub fn patch_concepts(
    scope: &UserAppIdSet,
    concepts: Vec<Concept>,
    action: PatchAction,
) -> Result<ApiRequest> {
    check_concepts(&concepts)?;
    ApiRequest::in_app(Route::PATCH_CONCEPTS, scope, &[])?.with_json(&PatchConceptsRequest {
        concepts,
        action: action.as_str().to_owned(),
    })
}

/// The concepts of `Inputs.patch_concepts(concept_ids, labels, values)`: the lists must be
/// empty or as long as `concept_ids`.
pub fn concepts_from_lists(ids: &[&str], labels: &[&str], values: &[f32]) -> Result<Vec<Concept>> {
    if (!labels.is_empty() && labels.len() != ids.len())
        || (!values.is_empty() && values.len() != ids.len())
    {
        return Err(Error::user(
            "concept_ids, labels and values must have the same length",
        ));
    }
    Ok(ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let mut concept = Concept::new(*id);
            if let Some(label) = labels.get(i) {
                concept.name = (*label).to_owned();
            }
            concept.value = values.get(i).copied();
            concept
        })
        .collect())
}

/// Concept search (`PostConceptsSearches`): `POST {UA}/concepts/searches`.
pub fn search_concepts(
    scope: &UserAppIdSet,
    query: ConceptQuery,
    pagination: Option<Pagination>,
) -> Result<ApiRequest> {
    ApiRequest::in_app(Route::POST_CONCEPTS_SEARCHES, scope, &[])?.with_json(
        &PostConceptsSearchesRequest {
            concept_query: Some(query),
            pagination,
        },
    )
}

/// `App.get_input_count()`: `GET {UA}/inputs/status`.
pub fn get_input_count(scope: &UserAppIdSet) -> Result<ApiRequest> {
    ApiRequest::in_app(Route::GET_INPUT_COUNT, scope, &[])
}

/// `Model.list_training_templates()` / `get_params()` / `get_param_info()`:
/// `GET {UA}/models/types`.
pub fn list_model_types(scope: &UserAppIdSet) -> Result<ApiRequest> {
    ApiRequest::in_app(Route::LIST_MODEL_TYPES, scope, &[])
}

fn check_concepts(concepts: &[Concept]) -> Result<()> {
    if concepts.is_empty() {
        return Err(Error::user("no concepts given"));
    }
    if let Some(i) = concepts.iter().position(|c| c.id.is_empty()) {
        return Err(Error::user(format!("concept {i} has no id")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_app_uses_the_code_default_base_workflow() {
        let r = create_app("alice", App::new("new-app"), None).unwrap();
        assert_eq!(
            std::str::from_utf8(r.body().unwrap()).unwrap(),
            r#"{"apps":[{"id":"new-app","default_workflow":{"id":"Empty","app_id":"main","user_id":"clarifai"}}]}"#
        );
        assert!(create_app("alice", App::default(), None).is_err());
    }

    #[test]
    fn patch_app_defaults_the_id_and_sends_the_action() {
        let scope = UserAppIdSet::new("alice", "a");
        let app = App {
            description: "d".into(),
            ..App::default()
        };
        let r = patch_app(&scope, app, PatchAction::Overwrite).unwrap();
        assert_eq!(r.method(), http::Method::PATCH);
        assert_eq!(
            std::str::from_utf8(r.body().unwrap()).unwrap(),
            r#"{"app":{"id":"a","description":"d"},"action":"overwrite"}"#
        );
        assert_eq!(delete_app(&scope).unwrap().body(), None);
    }

    #[test]
    fn concept_lists() {
        let c = concepts_from_lists(&["dog", "cat"], &["Doggo", "Kitty"], &[1.0, 0.0]).unwrap();
        assert_eq!((c[1].name.as_str(), c[1].value), ("Kitty", Some(0.0)));
        let c = concepts_from_lists(&["dog"], &[], &[]).unwrap();
        assert_eq!(c[0].value, None);
        assert!(concepts_from_lists(&["dog", "cat"], &["x"], &[]).is_err());
        let scope = UserAppIdSet::new("alice", "a");
        assert!(create_concepts(&scope, vec![]).is_err());
        assert!(create_concepts(&scope, vec![Concept::named("x")]).is_err());
    }
}
