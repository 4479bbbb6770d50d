//! [`User`]: apps, user info and runners of one user (the Python `User`).

use crate::app::App;
use crate::client::{CallOptions, Clarifai};
use crate::error::Result;
use crate::list::List;
use crate::models::{
    self, MultiAppResponse, MultiRunnerResponse, SingleAppResponse, SingleRunnerResponse,
    SingleUserResponse, StatusOnly, UserAppIdSet,
};
use crate::requests::apps::{self, PatchAction};
use crate::requests::runners::{self, NodepoolRef};
use crate::runner::Runner;

/// A user's handle: cheap, `Clone`, `'static`; sends nothing until a call. `me` is the
/// authenticated user.
///
/// ```no_run
/// # async fn run(client: clarifai::Clarifai) -> clarifai::Result<()> {
/// let me = client.user("me");
/// let app = me.create_app("my-app").base_workflow("Universal").send().await?;
/// println!("created {}", app.id);
/// me.delete_app("my-app").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct User {
    client: Clarifai,
    user_id: String,
}

impl Clarifai {
    /// The user `user_id` (`me`: the authenticated one).
    pub fn user(&self, user_id: impl Into<String>) -> User {
        User {
            client: self.clone(),
            user_id: user_id.into(),
        }
    }
}

impl User {
    /// The user id.
    pub fn id(&self) -> &str {
        &self.user_id
    }

    /// The app `app_id` of this user (no request).
    pub fn app(&self, app_id: impl Into<String>) -> App {
        App::new(
            &self.client,
            UserAppIdSet::new(self.user_id.clone(), app_id.into()),
        )
    }

    /// `User.list_apps(page_no, per_page)`: `GET {U}/apps`.
    pub fn list_apps(&self) -> List<MultiAppResponse> {
        let user = self.user_id.clone();
        List::new(&self.client, "list_apps", move |page, per_page| {
            apps::list_apps(&user, page, per_page)
        })
    }

    /// `User.create_app(app_id, base_workflow)`: `POST {U}/apps`. Not idempotent: re-sent only
    /// after a throttling answer.
    pub fn create_app(&self, app_id: impl Into<String>) -> CreateApp {
        CreateApp {
            client: self.client.clone(),
            user_id: self.user_id.clone(),
            app: models::App::new(app_id),
            base_workflow: apps::DEFAULT_BASE_WORKFLOW.to_owned(),
            options: CallOptions::default(),
        }
    }

    /// `User.app(app_id)`: `GET {UA}`, the app's details.
    pub async fn get_app(&self, app_id: &str) -> Result<models::App> {
        self.app(app_id).info().await
    }

    /// `App.patch_app(action, …)`: `PATCH {UA}` with these fields.
    pub async fn patch_app(&self, app: models::App, action: PatchAction) -> Result<models::App> {
        let scope = UserAppIdSet::new(self.user_id.clone(), app.id.clone());
        let r: SingleAppResponse = self
            .client
            .call(
                "patch_app",
                apps::patch_app(&scope, app, action)?,
                &CallOptions::default(),
            )
            .await?;
        Ok(r.app.unwrap_or_default())
    }

    /// `User.delete_app(app_id)`: `DELETE {UA}`.
    pub async fn delete_app(&self, app_id: &str) -> Result<()> {
        let scope = UserAppIdSet::new(self.user_id.clone(), app_id);
        let _: StatusOnly = self
            .client
            .call(
                "delete_app",
                apps::delete_app(&scope)?,
                &CallOptions::default(),
            )
            .await?;
        Ok(())
    }

    /// `User.get_user_info()`: `GET {U}`.
    pub async fn get_user_info(&self) -> Result<models::User> {
        let r: SingleUserResponse = self
            .client
            .call(
                "get_user_info",
                apps::get_user(&self.user_id)?,
                &CallOptions::default(),
            )
            .await?;
        Ok(r.user.unwrap_or_default())
    }

    /// `User.list_runners()`: `GET {U}/runners`.
    pub fn list_runners(&self) -> List<MultiRunnerResponse> {
        let user = self.user_id.clone();
        List::new(&self.client, "list_runners", move |page, per_page| {
            runners::list(&user, page, per_page)
        })
    }

    /// The runners of one nodepool: `GET {NP}/runners`.
    pub fn list_nodepool_runners(
        &self,
        compute_cluster_id: impl Into<String>,
        nodepool_id: impl Into<String>,
    ) -> List<MultiRunnerResponse> {
        let np = NodepoolRef::new(self.user_id.clone(), compute_cluster_id, nodepool_id);
        List::new(&self.client, "list_runners", move |page, per_page| {
            runners::list_in_nodepool(&np, page, per_page)
        })
    }

    /// `User.runner(runner_id)`: `GET {U}/runners/{runner_id}`.
    pub async fn get_runner(&self, runner_id: &str) -> Result<models::Runner> {
        let r: SingleRunnerResponse = self
            .client
            .call(
                "get_runner",
                runners::get(&self.user_id, runner_id)?,
                &CallOptions::default(),
            )
            .await?;
        r.runner
            .ok_or_else(|| crate::error::missing("GetRunner", "runner"))
    }

    /// `User.create_runner(runner_id, labels, description)` in a nodepool (clarifai-grpc
    /// 12.6.0 binds `PostRunners` only under `/compute_clusters/{cc}/nodepools/{np}`, so the
    /// two ids are required): `POST {NP}/runners`.
    pub async fn create_runner(
        &self,
        compute_cluster_id: &str,
        nodepool_id: &str,
        runner_id: &str,
        labels: &[&str],
        description: &str,
    ) -> Result<models::Runner> {
        let np = NodepoolRef::new(self.user_id.clone(), compute_cluster_id, nodepool_id);
        let runner = models::Runner {
            id: runner_id.to_owned(),
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
            description: description.to_owned(),
            ..models::Runner::default()
        };
        let r: MultiRunnerResponse = self
            .client
            .call(
                "create_runner",
                runners::create(&np, runner)?,
                &CallOptions::default(),
            )
            .await?;
        r.runners
            .into_iter()
            .next()
            .ok_or_else(|| crate::error::missing("PostRunners", "runner"))
    }

    /// `User.delete_runner(runner_id)`: `DELETE {NP}/runners` (nodepool ids required, as for
    /// [`create_runner`](Self::create_runner)).
    pub async fn delete_runner(
        &self,
        compute_cluster_id: &str,
        nodepool_id: &str,
        runner_id: &str,
    ) -> Result<()> {
        let np = NodepoolRef::new(self.user_id.clone(), compute_cluster_id, nodepool_id);
        let _: StatusOnly = self
            .client
            .call(
                "delete_runner",
                runners::delete(&np, &[runner_id])?,
                &CallOptions::default(),
            )
            .await?;
        Ok(())
    }

    /// The runner `runner_id` in a nodepool, to serve predictions with
    /// [`Runner::start`](crate::Runner::start).
    pub fn runner(
        &self,
        compute_cluster_id: impl Into<String>,
        nodepool_id: impl Into<String>,
        runner_id: impl Into<String>,
    ) -> Runner {
        Runner::new(
            &self.client,
            NodepoolRef::new(self.user_id.clone(), compute_cluster_id, nodepool_id),
            runner_id.into(),
        )
    }
}

/// `User.create_app(…)` (see [`User::create_app`]).
#[derive(Debug, Clone)]
#[must_use = "does nothing until `.send()` or `.await`"]
pub struct CreateApp {
    client: Clarifai,
    user_id: String,
    app: models::App,
    base_workflow: String,
    options: CallOptions,
}

impl CreateApp {
    /// The base workflow from Clarifai's `main` app (default `Empty`, the SDK code's default;
    /// the seed docs say `Language-Understanding`, see the crate docs).
    pub fn base_workflow(mut self, workflow_id: impl Into<String>) -> Self {
        self.base_workflow = workflow_id.into();
        self
    }

    /// A display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.app.name = name.into();
        self
    }

    /// A description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.app.description = description.into();
        self
    }

    call_options!();

    /// Creates the app; returns it as the server has it.
    pub async fn send(self) -> Result<models::App> {
        let request = apps::create_app(&self.user_id, self.app, Some(&self.base_workflow))?;
        let r: MultiAppResponse = self
            .client
            .call("create_app", request, &self.options)
            .await?;
        r.apps
            .into_iter()
            .next()
            .ok_or_else(|| crate::error::missing("PostApps", "app"))
    }
}

into_future!(CreateApp => models::App);
