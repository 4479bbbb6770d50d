//! [`App`]: datasets, models, workflows, concepts, inputs and searches of one app (the Python
//! `App`).

use crate::client::Clarifai;
use crate::dataset::Dataset;
use crate::error::{Result, missing};
use crate::inputs::Inputs;
use crate::list::List;
use crate::model::Model;
use crate::models::{
    self, Concept, ConceptQuery, MultiConceptResponse, MultiDatasetResponse, MultiModelResponse,
    MultiModelTypeResponse, MultiWorkflowResponse, Pagination, SingleAppResponse,
    SingleDatasetResponse, SingleInputCountResponse, SingleModelResponse, SingleWorkflowResponse,
    StatusOnly, UserAppIdSet,
};
use crate::requests::apps::{self, PatchAction, TRAINABLE_MODEL_TYPES};
use crate::requests::models::ModelRef;
use crate::requests::{datasets, models as model_requests, workflows};
use crate::search::Search;
use crate::urls;
use crate::workflow::Workflow;

/// An app's handle: cheap, `Clone`, `'static`; sends nothing until a call.
///
/// ```no_run
/// # async fn run(client: clarifai::Clarifai) -> clarifai::Result<()> {
/// let app = client.app("my-app"); // of the default user (CLARIFAI_USER_ID or `me`)
/// app.create_dataset("ds1").await?;
/// let models = app.list_models().only_in_app(false).send().await?;
/// # let _ = models; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct App {
    client: Clarifai,
    scope: UserAppIdSet,
}

impl Clarifai {
    /// The app `app_id` of the default user.
    pub fn app(&self, app_id: impl Into<String>) -> App {
        App::new(
            self,
            UserAppIdSet::new(self.user_id().to_owned(), app_id.into()),
        )
    }

    /// The default app (`CLARIFAI_APP_ID` / `.app_id(…)`).
    pub fn default_app(&self) -> App {
        App::new(self, self.default_scope())
    }

    /// The app of a clarifai.com URL (`https://clarifai.com/{user}/{app}`).
    pub fn app_from_url(&self, url: &str) -> Result<App> {
        Ok(App::new(self, urls::parse_app(url)?))
    }
}

impl App {
    pub(crate) fn new(client: &Clarifai, scope: UserAppIdSet) -> Self {
        Self {
            client: client.clone(),
            scope,
        }
    }

    /// The owner and app ids.
    pub fn scope(&self) -> &UserAppIdSet {
        &self.scope
    }

    /// The app id.
    pub fn id(&self) -> &str {
        &self.scope.app_id
    }

    /// `GET {UA}`: the app's details.
    pub async fn info(&self) -> Result<models::App> {
        let r: SingleAppResponse = self
            .client
            .run("get_app", apps::get_app(&self.scope))
            .await?;
        r.app.ok_or_else(|| missing("GetApp", "app"))
    }

    /// `App.patch_app(action, …)`: `PATCH {UA}`.
    pub async fn patch(&self, app: models::App, action: PatchAction) -> Result<models::App> {
        let r: SingleAppResponse = self
            .client
            .run("patch_app", apps::patch_app(&self.scope, app, action))
            .await?;
        r.app.ok_or_else(|| missing("PatchApp", "app"))
    }

    // ---- datasets

    /// The dataset `dataset_id` (no request).
    pub fn dataset(&self, dataset_id: impl Into<String>) -> Dataset {
        Dataset::new(&self.client, self.scope.clone(), dataset_id.into(), None)
    }

    /// `App.create_dataset(dataset_id)`: `POST {UA}/datasets`.
    pub async fn create_dataset(&self, dataset_id: &str) -> Result<models::Dataset> {
        self.create_dataset_with(models::Dataset::new(dataset_id))
            .await
    }

    /// `App.create_dataset(dataset_id, **kwargs)` with every field.
    pub async fn create_dataset_with(&self, dataset: models::Dataset) -> Result<models::Dataset> {
        let r: MultiDatasetResponse = self
            .client
            .run("create_dataset", datasets::create(&self.scope, dataset))
            .await?;
        r.datasets
            .into_iter()
            .next()
            .ok_or_else(|| missing("PostDatasets", "dataset"))
    }

    /// `App.dataset(dataset_id)`: `GET {UA}/datasets/{d}`.
    pub async fn get_dataset(&self, dataset_id: &str) -> Result<models::Dataset> {
        let r: SingleDatasetResponse = self
            .client
            .run("get_dataset", datasets::get(&self.scope, dataset_id))
            .await?;
        r.dataset.ok_or_else(|| missing("GetDataset", "dataset"))
    }

    /// `App.list_datasets(page_no, per_page)`: `GET {UA}/datasets`.
    pub fn list_datasets(&self) -> List<MultiDatasetResponse> {
        let scope = self.scope.clone();
        List::new(&self.client, "list_datasets", move |p, n| {
            datasets::list(&scope, p, n)
        })
    }

    /// `App.delete_dataset(dataset_id)`: `DELETE {UA}/datasets`.
    pub async fn delete_dataset(&self, dataset_id: &str) -> Result<()> {
        let _: StatusOnly = self
            .client
            .run(
                "delete_dataset",
                datasets::delete(&self.scope, &[dataset_id]),
            )
            .await?;
        Ok(())
    }

    // ---- models

    /// The model `model_id` of this app (no request).
    pub fn model(&self, model_id: impl Into<String>) -> Model {
        Model::new(&self.client, ModelRef::new(self.scope.clone(), model_id))
    }

    /// `App.create_model(model_id, model_type_id=…)`: `POST {UA}/models`.
    pub async fn create_model(&self, model_id: &str, model_type_id: &str) -> Result<models::Model> {
        let mut model = models::Model::new(model_id);
        model.model_type_id = model_type_id.to_owned();
        self.create_model_with(model).await
    }

    /// `App.create_model(model_id, **kwargs)` with every field.
    pub async fn create_model_with(&self, model: models::Model) -> Result<models::Model> {
        let r: SingleModelResponse = self
            .client
            .run("create_model", model_requests::create(&self.scope, model))
            .await?;
        r.model.ok_or_else(|| missing("PostModels", "model"))
    }

    /// `App.list_models(filter_by, only_in_app=True, page_no, per_page)`: `GET {UA}/models`;
    /// only this app's models unless `.only_in_app(false)`.
    pub fn list_models(&self) -> List<MultiModelResponse> {
        let scope = self.scope.clone();
        List::new(&self.client, "list_models", move |p, n| {
            model_requests::list(&scope, p, n)
        })
        .in_app(self.scope.app_id.clone())
    }

    /// `App.delete_model(model_id)`: `DELETE {UA}/models`.
    pub async fn delete_model(&self, model_id: &str) -> Result<()> {
        let _: StatusOnly = self
            .client
            .run(
                "delete_model",
                model_requests::delete(&self.scope, &[model_id]),
            )
            .await?;
        Ok(())
    }

    /// `App.list_trainable_model_types()`: the SDK's constant list (no request).
    pub fn list_trainable_model_types(&self) -> &'static [&'static str] {
        TRAINABLE_MODEL_TYPES
    }

    /// Every model type with its fields (`GET {UA}/models/types`).
    pub async fn list_model_types(&self) -> Result<Vec<models::ModelType>> {
        let r: MultiModelTypeResponse = self
            .client
            .run("list_model_types", apps::list_model_types(&self.scope))
            .await?;
        Ok(r.model_types)
    }

    /// One model type with its fields (`GET {UA}/models/types/{id}`; the SDK's
    /// `load_input_types`).
    pub async fn get_model_type(&self, model_type_id: &str) -> Result<models::ModelType> {
        let r: models::SingleModelTypeResponse = self
            .client
            .run(
                "get_model_type",
                model_requests::get_model_type(&self.scope, model_type_id),
            )
            .await?;
        r.model_type
            .ok_or_else(|| missing("GetModelType", "model_type"))
    }

    // ---- workflows

    /// The workflow `workflow_id` of this app (no request).
    pub fn workflow(&self, workflow_id: impl Into<String>) -> Workflow {
        Workflow::new(
            &self.client,
            workflows::WorkflowRef::new(self.scope.clone(), workflow_id),
        )
    }

    /// `App.create_workflow(config)`: `POST {UA}/workflows` with the nodes as given (their
    /// models must exist; see the crate docs for the YAML path).
    pub async fn create_workflow(&self, workflow: models::Workflow) -> Result<models::Workflow> {
        let r: MultiWorkflowResponse = self
            .client
            .run("create_workflow", workflows::create(&self.scope, workflow))
            .await?;
        r.workflows
            .into_iter()
            .next()
            .ok_or_else(|| missing("PostWorkflows", "workflow"))
    }

    /// `App.workflow(workflow_id)`: `GET {UA}/workflows/{w}`.
    pub async fn get_workflow(&self, workflow_id: &str) -> Result<models::Workflow> {
        let r: SingleWorkflowResponse = self
            .client
            .run("get_workflow", workflows::get(&self.scope, workflow_id))
            .await?;
        r.workflow.ok_or_else(|| missing("GetWorkflow", "workflow"))
    }

    /// `App.list_workflows(filter_by, only_in_app=True, page_no, per_page)`.
    pub fn list_workflows(&self) -> List<MultiWorkflowResponse> {
        let scope = self.scope.clone();
        List::new(&self.client, "list_workflows", move |p, n| {
            workflows::list(&scope, p, n)
        })
        .in_app(self.scope.app_id.clone())
    }

    /// `App.delete_workflow(workflow_id)`: `DELETE {UA}/workflows`.
    pub async fn delete_workflow(&self, workflow_id: &str) -> Result<()> {
        let _: StatusOnly = self
            .client
            .run(
                "delete_workflow",
                workflows::delete(&self.scope, &[workflow_id]),
            )
            .await?;
        Ok(())
    }

    // ---- concepts

    /// `App.list_concepts(page_no, per_page)`: `GET {UA}/concepts`.
    pub fn list_concepts(&self) -> List<MultiConceptResponse> {
        let scope = self.scope.clone();
        List::new(&self.client, "list_concepts", move |p, n| {
            apps::list_concepts(&scope, p, n)
        })
    }

    /// Creates concepts (`POST {UA}/concepts`); unset values are not sent.
    pub async fn create_concepts(&self, concepts: Vec<Concept>) -> Result<Vec<Concept>> {
        let r: MultiConceptResponse = self
            .client
            .run(
                "create_concepts",
                apps::create_concepts(&self.scope, concepts),
            )
            .await?;
        Ok(r.concepts)
    }

    /// `Inputs.patch_concepts(concept_ids, labels, values, action)`: `PATCH {UA}/concepts`
    /// (see [`concepts_from_lists`](crate::requests::apps::concepts_from_lists)).
    pub async fn patch_concepts(
        &self,
        concepts: Vec<Concept>,
        action: PatchAction,
    ) -> Result<Vec<Concept>> {
        let r: MultiConceptResponse = self
            .client
            .run(
                "patch_concepts",
                apps::patch_concepts(&self.scope, concepts, action),
            )
            .await?;
        Ok(r.concepts)
    }

    /// Concept search by name (`dog*`) and language: `POST {UA}/concepts/searches`.
    pub async fn search_concepts(
        &self,
        query: ConceptQuery,
        pagination: Option<Pagination>,
    ) -> Result<Vec<Concept>> {
        let r: MultiConceptResponse = self
            .client
            .run(
                "search_concepts",
                apps::search_concepts(&self.scope, query, pagination),
            )
            .await?;
        Ok(r.concepts)
    }

    // ---- inputs and searches

    /// `App.inputs()`: this app's inputs and annotations.
    pub fn inputs(&self) -> Inputs {
        Inputs::new(&self.client, self.scope.clone())
    }

    /// `App.search(top_k, metric, algorithm)`: searches over this app's inputs.
    pub fn search(&self) -> Search {
        Search::new(&self.client, self.scope.clone())
    }

    /// `App.get_input_count()`: `GET {UA}/inputs/status`.
    pub async fn input_count(&self) -> Result<models::InputCount> {
        let r: SingleInputCountResponse = self
            .client
            .run("get_input_count", apps::get_input_count(&self.scope))
            .await?;
        Ok(r.counts.unwrap_or_default())
    }
}

/// Items that belong to an app (for `only_in_app`).
pub trait InApp {
    /// The app the item is in.
    fn app_id(&self) -> &str;
}

impl InApp for models::Model {
    fn app_id(&self) -> &str {
        &self.app_id
    }
}

impl InApp for models::Workflow {
    fn app_id(&self) -> &str {
        &self.app_id
    }
}
