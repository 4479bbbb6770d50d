//! `App.create_workflow(config_filepath, generate_new_id)`: the SDK's workflow YAML.
//!
//! ```yaml
//! workflow:
//!   id: wf-ocr
//!   nodes:
//!     - id: detector
//!       model:
//!         model_id: my-detector          # in this app unless user_id/app_id are given
//!         model_type_id: visual-detector # needed when the model must be created
//!         description: boxes
//!         output_info:
//!           params: {min_value: 0.5}
//!     - id: general
//!       model: {model_id: general-image-recognition, user_id: clarifai, app_id: main, model_version_id: aa7f35c0}
//!       node_inputs:
//!         - node_id: detector
//! ```
//!
//! For each node model of this app: a missing model is created (`PostModels`) with a first
//! version carrying the node's `output_info` (`PostModelVersions`); an existing one whose
//! version's `output_info.params` differ from the node's gets a new version; otherwise its
//! current version is used. Models of other apps are referenced as given. Then the workflow is
//! created (`PostWorkflows`).

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

use crate::app::App;
use crate::error::{Error, Result};
use crate::models::{self, ModelVersion, NodeInput, OutputInfo, WorkflowNode};
use crate::status::StatusCode;

fn to_json(node: &Yaml) -> Result<Value> {
    Ok(match node {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::Real(text) => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Array(items) => Value::Array(items.iter().map(to_json).collect::<Result<_>>()?),
        Yaml::Hash(entries) => {
            let mut map = serde_json::Map::new();
            for (k, v) in entries {
                let key = match k {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    _ => return Err(Error::user("workflow YAML: a key is not a string")),
                };
                map.insert(key, to_json(v)?);
            }
            Value::Object(map)
        }
        Yaml::Alias(_) | Yaml::BadValue => {
            return Err(Error::user("workflow YAML: unsupported value"));
        }
    })
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The workflow of a config file's text, checked (ids, nodes, node inputs that exist).
pub(crate) fn parse(yaml: &str) -> Result<Value> {
    let docs =
        YamlLoader::load_from_str(yaml).map_err(|e| Error::user(format!("workflow YAML: {e}")))?;
    let doc = docs
        .first()
        .ok_or_else(|| Error::user("workflow YAML is empty"))?;
    let root = to_json(doc)?;
    let workflow = root
        .get("workflow")
        .cloned()
        .ok_or_else(|| Error::user("workflow YAML: no top-level `workflow`"))?;
    if text(&workflow, "id").is_empty() {
        return Err(Error::user("workflow YAML: `workflow.id` is missing"));
    }
    let nodes = workflow["nodes"]
        .as_array()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Error::user("workflow YAML: `workflow.nodes` is empty"))?;
    let ids: Vec<&str> = nodes.iter().map(|n| text(n, "id")).collect();
    for node in nodes {
        if text(node, "id").is_empty() || text(&node["model"], "model_id").is_empty() {
            return Err(Error::user(
                "workflow YAML: every node needs an `id` and a `model.model_id`",
            ));
        }
        for input in node["node_inputs"].as_array().into_iter().flatten() {
            if !ids.contains(&text(input, "node_id")) {
                return Err(Error::user(format!(
                    "workflow YAML: node input `{}` is not a node",
                    text(input, "node_id")
                )));
            }
        }
    }
    Ok(workflow)
}

#[allow(clippy::field_reassign_with_default)] // field by field, like the SDK code it mirrors
impl App {
    /// `App.create_workflow(config_filepath, generate_new_id)` from the config's text (see
    /// the module docs of `workflow_config` in the crate docs). Returns the created workflow.
    pub async fn create_workflow_from_yaml(
        &self,
        yaml: &str,
        generate_new_id: bool,
    ) -> Result<models::Workflow> {
        let config = parse(yaml)?;
        let mut nodes = Vec::new();
        for node in config["nodes"].as_array().into_iter().flatten() {
            let spec = &node["model"];
            let model = self.node_model(spec).await?;
            let mut wn = WorkflowNode::default();
            wn.id = text(node, "id").to_owned();
            wn.model = Some(model);
            wn.node_inputs = node["node_inputs"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|i| {
                    let mut ni = NodeInput::default();
                    ni.node_id = text(i, "node_id").to_owned();
                    ni
                })
                .collect();
            nodes.push(wn);
        }
        let mut workflow = models::Workflow::default();
        workflow.id = if generate_new_id {
            crate::inputs::new_job_id()
        } else {
            text(&config, "id").to_owned()
        };
        workflow.nodes = nodes;
        self.create_workflow(workflow).await
    }

    /// The node's model, created or re-versioned as needed, as a reference with its version.
    async fn node_model(&self, spec: &Value) -> Result<models::Model> {
        let model_id = text(spec, "model_id");
        let (user_id, app_id) = (text(spec, "user_id"), text(spec, "app_id"));
        let mut reference = models::Model::new(model_id);
        let pinned = text(spec, "model_version_id");
        let elsewhere = (!user_id.is_empty() && user_id != self.scope().user_id)
            || (!app_id.is_empty() && app_id != self.scope().app_id);
        if elsewhere {
            reference.user_id = user_id.to_owned();
            reference.app_id = app_id.to_owned();
            if !pinned.is_empty() {
                reference.model_version = Some(ModelVersion::new(pinned));
            }
            return Ok(reference);
        }
        reference.user_id = self.scope().user_id.clone();
        reference.app_id = self.scope().app_id.clone();
        let wanted: Option<OutputInfo> = spec
            .get("output_info")
            .map(|o| serde_json::from_value(o.clone()))
            .transpose()
            .map_err(|e| Error::user(format!("workflow YAML: output_info of `{model_id}`: {e}")))?;
        let handle = self.model(model_id);
        let handle = if pinned.is_empty() {
            handle
        } else {
            handle.version(pinned)
        };
        let existing = match handle.info().await {
            Ok(m) => Some(m),
            Err(e)
                if matches!(
                    e.code(),
                    Some(StatusCode::CONN_DOES_NOT_EXIST | StatusCode::MODEL_DOES_NOT_EXIST)
                ) =>
            {
                None
            }
            Err(e) => return Err(e),
        };
        let version_id = match existing {
            None => {
                let mut m = models::Model::new(model_id);
                m.model_type_id = text(spec, "model_type_id").to_owned();
                m.description = text(spec, "description").to_owned();
                if m.model_type_id.is_empty() {
                    return Err(Error::user(format!(
                        "workflow YAML: model `{model_id}` does not exist and has no `model_type_id` to create it"
                    )));
                }
                self.create_model_with(m).await?;
                self.new_version(model_id, wanted).await?
            }
            Some(m) => {
                let current = m.model_version.clone().unwrap_or_default();
                let same = wanted.as_ref().is_none_or(|w| {
                    current
                        .output_info
                        .as_ref()
                        .is_some_and(|c| c.params == w.params)
                });
                if same && !current.id.is_empty() {
                    current.id
                } else {
                    self.new_version(model_id, wanted).await?
                }
            }
        };
        reference.model_version = Some(ModelVersion::new(version_id));
        Ok(reference)
    }

    async fn new_version(&self, model_id: &str, output_info: Option<OutputInfo>) -> Result<String> {
        let mut version = ModelVersion::default();
        version.output_info = output_info;
        let v = self.model(model_id).create_version(version).await?;
        Ok(v.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_are_checked() {
        let ok = "workflow:\n  id: w\n  nodes:\n    - id: a\n      model: {model_id: m, model_type_id: visual-detector, output_info: {params: {min_value: 0.5}}}\n    - id: b\n      model: {model_id: n}\n      node_inputs: [{node_id: a}]\n";
        let w = parse(ok).unwrap();
        assert_eq!(
            w["nodes"][0]["model"]["output_info"]["params"]["min_value"],
            0.5
        );
        assert!(parse("workflow:\n  id: w\n  nodes: []\n").is_err());
        assert!(parse("nodes: 1").is_err());
        assert!(parse("workflow:\n  id: w\n  nodes:\n    - id: a\n      model: {model_id: m}\n      node_inputs: [{node_id: zz}]\n").is_err());
        assert!(parse(": : :").is_err());
    }
}
