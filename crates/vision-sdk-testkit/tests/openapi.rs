//! The validator against real third-party specs: Clarifai's Swagger 2.0 and Roboflow's
//! OpenAPI 3.1 documents, with valid and invalid requests.

use std::sync::OnceLock;

use serde_json::json;
use vision_sdk_testkit::openapi::{Dialect, Report, Spec};
use vision_sdk_testkit::{RecordedRequest, current_test_name, require_shared};

fn load(relative: &str) -> Option<Spec> {
    let path = require_shared(relative, &current_test_name())?;
    Some(Spec::from_path(&path).unwrap_or_else(|e| panic!("loading {}: {e}", path.display())))
}

fn clarifai() -> Option<&'static Spec> {
    static SPEC: OnceLock<Option<Spec>> = OnceLock::new();
    SPEC.get_or_init(|| load("specs/clarifai/clarifai-v2-swagger.json"))
        .as_ref()
}

fn roboflow(file: &str) -> Option<Spec> {
    load(&format!("specs/roboflow/{file}"))
}

#[track_caller]
fn assert_valid(report: &Report) {
    assert!(report.is_valid(), "expected valid: {report}");
    assert!(report.operation.is_some(), "{report}");
}

#[track_caller]
fn assert_rejected(report: &Report, needle: &str) {
    assert!(
        report.has_error(needle),
        "expected an error containing {needle:?}: {report}"
    );
}

const OUTPUTS: &str = "/v2/users/me/apps/my-app/models/general-image-recognition/outputs";

#[test]
fn clarifai_swagger2_loads() {
    let Some(spec) = clarifai() else { return };
    assert_eq!(spec.dialect(), Dialect::Swagger2);
    assert!(
        spec.operation_keys().len() > 300,
        "{}",
        spec.operation_keys().len()
    );
    assert_eq!(spec.base_paths(), [String::new()]);
}

#[test]
fn clarifai_body_parameter_is_the_json_body() {
    let Some(spec) = clarifai() else { return };
    let predict = RecordedRequest::new("POST", OUTPUTS).with_json(&json!({
        "inputs": [{"data": {"image": {"url": "https://samples.clarifai.com/metro-north.jpg"}}}]
    }));
    let report = spec.validate(&predict);
    assert_valid(&report);
    assert_eq!(
        report.operation.as_ref().unwrap().key(),
        "POST /v2/users/{user_app_id.user_id}/apps/{user_app_id.app_id}/models/{model_id}/outputs"
    );
    // Wrong types inside the `in: body` schema (through `definitions`).
    let bad = RecordedRequest::new("POST", OUTPUTS)
        .with_json(&json!({"inputs": {"data": 1}, "model_id": 7}));
    let report = spec.validate(&bad);
    assert_rejected(&report, "body.inputs: expected an array");
    assert_rejected(&report, "body.model_id: expected a string");
    // A required body that is missing, and a body that is not JSON.
    assert_rejected(
        &spec.validate(&RecordedRequest::new("POST", OUTPUTS)),
        "required but empty",
    );
    let text = RecordedRequest::new("POST", OUTPUTS).with_body("application/json", "{\"inputs\":");
    assert_rejected(&spec.validate(&text), "not valid JSON");
    let form = RecordedRequest::new("POST", OUTPUTS).with_body("text/plain", "hi");
    assert_rejected(&spec.validate(&form), "is not accepted");
}

#[test]
fn clarifai_path_and_query_parameters() {
    let Some(spec) = clarifai() else { return };
    let list = RecordedRequest::new(
        "GET",
        "/v2/users/me/apps/a/models?page=2&per_page=100&additional_fields=stars&additional_fields=counts&trained_only=true&license_type=OPEN_SOURCE",
    );
    assert_valid(&spec.validate(&list));
    let bad = RecordedRequest::new(
        "GET",
        "/v2/users/me/apps/a/models?page=two&trained_only=yes&license_type=FREE&per_page=1&per_page=2&bogus=1",
    );
    let report = spec.validate(&bad);
    assert_rejected(&report, "query parameter page: expected an integer");
    assert_rejected(&report, "query parameter trained_only: expected a boolean");
    assert_rejected(
        &report,
        "query parameter license_type: \"FREE\" is not one of",
    );
    assert_rejected(&report, "query parameter per_page: given 2 times");
    assert_rejected(&report, "query parameter \"bogus\": unknown");
    // A path outside the spec and a method the template does not have.
    assert_rejected(
        &spec.validate(&RecordedRequest::new("GET", "/v3/models")),
        "no path template",
    );
    assert_rejected(
        &spec.validate(&RecordedRequest::new("PUT", "/v2/users/me/apps/a/models")),
        "is not an operation of",
    );
    // A GET with a body: Swagger 2.0 GETs here take none.
    let with_body =
        RecordedRequest::new("GET", "/v2/users/me/apps/a/models").with_json(&json!({"page": 1}));
    assert_rejected(&spec.validate(&with_body), "takes no request body");
}

#[test]
fn swagger2_inline_parameters_form_data_and_security() {
    let spec = Spec::from_str(
        r##"{
          "swagger": "2.0",
          "basePath": "/api/",
          "securityDefinitions": {"key": {"type": "apiKey", "in": "header", "name": "Authorization"},
                                  "basic": {"type": "basic"}},
          "security": [{"key": []}, {"basic": []}],
          "paths": {
            "/things/{id}": {
              "parameters": [{"name": "id", "in": "path", "required": true, "type": "integer", "minimum": 1}],
              "get": {"parameters": [
                {"name": "tags", "in": "query", "type": "array", "items": {"type": "string"}},
                {"name": "ids", "in": "query", "type": "array", "items": {"type": "integer"}, "collectionFormat": "multi"}
              ]},
              "post": {"consumes": ["multipart/form-data"], "parameters": [
                {"name": "file", "in": "formData", "type": "file", "required": true},
                {"name": "note", "in": "formData", "type": "string", "maxLength": 3}
              ]},
              "put": {"parameters": [{"name": "body", "in": "body", "required": true,
                       "schema": {"$ref": "#/definitions/Thing"}}]}
            }
          },
          "definitions": {"Thing": {"type": "object", "required": ["name"],
                          "properties": {"name": {"type": "string"}, "size": {"type": "integer", "x-nullable": true}}}}
        }"##,
    )
    .expect("the spec loads");
    assert_eq!(spec.dialect(), Dialect::Swagger2);
    let auth = |r: RecordedRequest| r.with_header("Authorization", "Key abc");
    assert_valid(&spec.validate(&auth(RecordedRequest::new(
        "GET",
        "/api/things/3?tags=a,b&ids=1&ids=2",
    ))));
    let report = spec.validate(&auth(RecordedRequest::new("GET", "/api/things/0?ids=x")));
    assert_rejected(&report, "path parameter id: 0 is below the minimum 1");
    assert_rejected(&report, "query parameter ids[0]: expected an integer");
    assert_rejected(
        &spec.validate(&RecordedRequest::new("GET", "/api/things/3")),
        "credentials missing",
    );
    let basic =
        RecordedRequest::new("GET", "/api/things/3").with_header("authorization", "Basic eDp5");
    assert_valid(&spec.validate(&basic));
    assert_rejected(
        &spec.validate(&auth(RecordedRequest::new("GET", "/things/3"))),
        "not under the server base path",
    );
    let upload = |note: &str| {
        auth(RecordedRequest::new("POST", "/api/things/3")).with_multipart(vec![
            vision_sdk_testkit::RecordedPart::new(
                "file",
                Some("a.jpg"),
                Some("image/jpeg"),
                vision_sdk_testkit::JPEG,
            ),
            vision_sdk_testkit::RecordedPart::new("note", None, None, note.to_owned()),
        ])
    };
    assert_valid(&spec.validate(&upload("ok")));
    assert_rejected(&spec.validate(&upload("long")), "above maxLength 3");
    let missing_file = auth(RecordedRequest::new("POST", "/api/things/3")).with_multipart(vec![
        vision_sdk_testkit::RecordedPart::new("note", None, None, "x"),
    ]);
    assert_rejected(
        &spec.validate(&missing_file),
        "body.file: required property missing",
    );
    let put = |body: serde_json::Value| {
        auth(RecordedRequest::new("PUT", "/api/things/3")).with_json(&body)
    };
    assert_valid(&spec.validate(&put(json!({"name": "a", "size": null}))));
    assert_rejected(
        &spec.validate(&put(json!({"size": 1}))),
        "body.name: required property missing",
    );
    assert_rejected(
        &spec.validate(&put(json!({"name": 1}))),
        "body.name: expected a string",
    );
}

#[test]
fn roboflow_openapi31_requests() {
    for file in [
        "serverless-openapi-v1.3.8.json",
        "selfhosted-openapi-v1.8.3.json",
    ] {
        let Some(spec) = roboflow(file) else { return };
        assert_eq!(spec.dialect(), Dialect::OpenApi31, "{file}");
        let embed = |body: serde_json::Value, query: &str| {
            RecordedRequest::new("POST", &format!("/clip/embed_text{query}")).with_json(&body)
        };
        // `anyOf [..., {type: null}]` members, query parameters of the same shape.
        assert_valid(&spec.validate(&embed(
            json!({"id": "r1", "text": "a cat", "api_key": null}),
            "?api_key=k&countinference=false",
        )));
        assert_valid(&spec.validate(&embed(
            json!({"id": "r2", "text": ["a", "b"], "clip_version_id": "ViT-B-16"}),
            "",
        )));
        let report = spec.validate(&embed(
            json!({"id": "r3", "text": 5, "usage_billable": "yes"}),
            "?countinference=maybe",
        ));
        assert_rejected(&report, "body.text: matches none of the anyOf alternatives");
        assert_rejected(&report, "body.usage_billable: expected a boolean");
        assert_rejected(
            &report,
            "query parameter countinference: expected a boolean",
        );
        assert_rejected(
            &spec.validate(&embed(json!({"id": "r4", "api_key": "k"}), "")),
            "body.text: required property missing",
        );
        assert_rejected(
            &spec.validate(&RecordedRequest::new("DELETE", "/clip/embed_text")),
            "is not an operation of",
        );
    }
}

#[test]
fn openapi31_type_arrays_const_and_numeric_exclusive_bounds() {
    let spec = Spec::from_str(
        r#"{"openapi": "3.1.0", "paths": {"/x": {"post": {"requestBody": {"required": true,
            "content": {"application/json": {"schema": {"type": "object", "properties": {
              "kind": {"const": "box"},
              "n": {"type": ["integer", "null"], "exclusiveMinimum": 0, "exclusiveMaximum": 10}
            }}}}}}}}}"#,
    )
    .expect("loads");
    let post = |body: serde_json::Value| RecordedRequest::new("POST", "/x").with_json(&body);
    assert_valid(&spec.validate(&post(json!({"kind": "box", "n": 5}))));
    assert_valid(&spec.validate(&post(json!({"n": null}))));
    let report = spec.validate(&post(json!({"kind": "circle", "n": 0})));
    assert_rejected(&report, "body.kind: \"circle\" is not the constant \"box\"");
    assert_rejected(&report, "body.n: 0 is not above the exclusive minimum 0");
    assert_rejected(
        &spec.validate(&post(json!({"n": 10}))),
        "not below the exclusive maximum 10",
    );
    assert_rejected(
        &spec.validate(&post(json!({"n": "1"}))),
        "expected an integer or a null",
    );
}

#[test]
fn the_most_literal_template_that_has_the_method_wins() {
    // `/things/by-name` (GET only) and `/things/{id}` (GET, DELETE) both match `/things/by-name`.
    let spec = Spec::from_str(
        r##"{
          "openapi": "3.0.3",
          "paths": {
            "/things/by-name": {"get": {"operationId": "byName", "parameters": [
              {"name": "name", "in": "query", "required": true, "schema": {"type": "string"}}]}},
            "/things/{id}": {
              "get": {"operationId": "get", "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]},
              "delete": {"operationId": "delete", "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]}}
          }
        }"##,
    )
    .expect("the spec loads");
    let get = spec.validate(&RecordedRequest::new("GET", "/things/by-name?name=a"));
    assert_valid(&get);
    assert_eq!(
        get.operation.as_ref().map(|o| o.operation_id.as_str()),
        Some("byName")
    );
    let delete = spec.validate(&RecordedRequest::new("DELETE", "/things/by-name"));
    assert_valid(&delete);
    assert_eq!(
        delete.operation.as_ref().map(|o| o.operation_id.as_str()),
        Some("delete")
    );
    assert_rejected(
        &spec.validate(&RecordedRequest::new("PATCH", "/things/by-name")),
        "PATCH is not an operation of /things/by-name",
    );
}
