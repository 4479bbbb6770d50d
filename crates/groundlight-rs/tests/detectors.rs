//! Detector calls: exact requests and responses.

mod support;

use futures_util::TryStreamExt;
use groundlight::Error;
use groundlight::models::{EscalationTypeEnum, ModeEnum};
use serde_json::json;
use support::*;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

async fn mock_any(server: &wiremock::MockServer, status: u16, body: serde_json::Value) {
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn get_detector_decodes_and_skips_request_for_a_detector_value() {
    let s = setup().await;
    mock_any(
        &s.server,
        200,
        detector_json("det_abc123", "door", "Is the door open?"),
    )
    .await;
    let det = s.gl.get_detector("det_abc123").await.unwrap();
    assert_eq!(det.id, "det_abc123");
    assert_eq!(det.confidence_threshold, Some(0.9));
    assert_eq!(det.mode, ModeEnum::Binary);
    // A Detector passed in is returned without a request, like the official SDK.
    let again = s.gl.get_detector(&det).await.unwrap();
    assert_eq!(again, det);
    let reqs = requests(&s.server).await;
    assert_eq!(reqs.len(), 1);
    assert_request(&reqs[0], "GET", "/device-api/v1/detectors/det_abc123", &[]);
}

#[tokio::test]
async fn get_detector_by_name_percent_encodes_the_name() {
    let s = setup().await;
    mock_any(
        &s.server,
        200,
        page_json(
            vec![detector_json("det_1", "door detector & co?x=1", "q?")],
            1,
            None,
        ),
    )
    .await;
    let det =
        s.gl.get_detector_by_name("door detector & co?x=1")
            .await
            .unwrap();
    assert_eq!(det.id, "det_1");
    let reqs = requests(&s.server).await;
    assert_request(
        &reqs[0],
        "GET",
        "/device-api/v1/detectors",
        &[("name", "door detector & co?x=1")],
    );
    assert_eq!(reqs[0].raw_query, "name=door%20detector%20%26%20co%3Fx%3D1");
}

#[tokio::test]
async fn get_detector_by_name_not_found_and_ambiguous() {
    let s = setup().await;
    Mock::given(query_param("name", "nobody"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_json(vec![], 0, None)))
        .mount(&s.server)
        .await;
    Mock::given(query_param("name", "twice"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_json(
            vec![
                detector_json("det_1", "twice", "q"),
                detector_json("det_2", "twice", "q"),
            ],
            2,
            None,
        )))
        .mount(&s.server)
        .await;
    let err = s.gl.get_detector_by_name("nobody").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(err.status().is_none());
    let err = s.gl.get_detector_by_name("twice").await.unwrap_err();
    assert!(matches!(err, Error::UnexpectedResponse(_)), "{err:?}");
    // An empty name is rejected locally.
    assert!(matches!(
        s.gl.get_detector_by_name("").await,
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(requests(&s.server).await.len(), 2);
}

#[tokio::test]
async fn list_detectors_page_and_stream_over_all_pages() {
    let s = setup().await;
    let next = format!(
        "{}/device-api/v1/detectors?page=2&page_size=2",
        s.server.uri()
    );
    Mock::given(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_json(
            vec![
                detector_json("det_1", "a", "q"),
                detector_json("det_2", "b", "q"),
            ],
            3,
            Some(&next),
        )))
        .mount(&s.server)
        .await;
    Mock::given(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_json(
            vec![detector_json("det_3", "c", "q")],
            3,
            None,
        )))
        .mount(&s.server)
        .await;
    let page = s.gl.list_detectors().page_size(2).send().await.unwrap();
    assert_eq!(page.count, Some(3));
    assert!(page.has_next());
    assert_eq!(page.results.len(), 2);
    let all: Vec<_> =
        s.gl.list_detectors()
            .page_size(2)
            .stream()
            .try_collect()
            .await
            .unwrap();
    let ids: Vec<_> = all.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["det_1", "det_2", "det_3"]);
    let reqs = requests(&s.server).await;
    assert_eq!(reqs.len(), 3);
    assert_request(
        &reqs[0],
        "GET",
        "/device-api/v1/detectors",
        &[("page", "1"), ("page_size", "2")],
    );
    assert_request(
        &reqs[2],
        "GET",
        "/device-api/v1/detectors",
        &[("page", "2"), ("page_size", "2")],
    );
    // Defaults are page 1, size 10, as in the official SDK.
    s.gl.list_detectors().send().await.unwrap();
    let reqs = requests(&s.server).await;
    assert_request(
        &reqs[3],
        "GET",
        "/device-api/v1/detectors",
        &[("page", "1"), ("page_size", "10")],
    );
    // Page 0 is rejected locally, for pages and streams alike.
    assert!(s.gl.list_detectors().page(0).send().await.is_err());
    let streamed: Result<Vec<_>, _> =
        s.gl.list_detectors()
            .page_size(0)
            .stream()
            .try_collect()
            .await;
    assert!(matches!(streamed, Err(Error::InvalidInput(_))));
    assert_eq!(requests(&s.server).await.len(), 4);
}

#[tokio::test]
async fn create_detector_sends_the_official_body() {
    let s = setup().await;
    mock_any(&s.server, 201, detector_json("det_new", "d1", "Is it?")).await;
    let det =
        s.gl.create_detector("d1", "Is it?")
            .pipeline_config("pc")
            .group_name("grp")
            .metadata(json!({"location": "front"}))
            .confidence_threshold(0.8)
            .patience_time(std::time::Duration::from_secs(45))
            .send()
            .await
            .unwrap();
    assert_eq!(det.id, "det_new");
    let reqs = requests(&s.server).await;
    assert_request(&reqs[0], "POST", "/device-api/v1/detectors", &[]);
    assert_eq!(header(&reqs[0], "content-type"), Some("application/json"));
    assert_eq!(
        body_json(&reqs[0]),
        json!({"name": "d1", "query": "Is it?", "pipeline_config": "pc", "edge_pipeline_config": null,
               "group_name": "grp", "metadata": "eyJsb2NhdGlvbiI6ICJmcm9udCJ9",
               "confidence_threshold": 0.8, "patience_time": 45.0})
    );
}

#[tokio::test]
async fn create_mode_detectors_send_mode_configuration() {
    let s = setup().await;
    mock_any(&s.server, 201, detector_json("det_new", "x", "q")).await;
    s.gl.create_detector("plain", "Is it?")
        .send()
        .await
        .unwrap();
    s.gl.create_counting_detector("cnt", "How many cars?", "car")
        .max_count(7)
        .send()
        .await
        .unwrap();
    s.gl.create_counting_detector("cnt2", "How many?", "car")
        .send()
        .await
        .unwrap();
    s.gl.create_multiclass_detector("mc", "What color?", ["Red", "Green"])
        .send()
        .await
        .unwrap();
    s.gl.create_bounding_box_detector("bb", "Box the people", "person")
        .max_num_bboxes(5)
        .send()
        .await
        .unwrap();
    s.gl.create_text_recognition_detector("txt", "Read the date")
        .send()
        .await
        .unwrap();
    let bodies: Vec<_> = requests(&s.server).await.iter().map(body_json).collect();
    let base = |name: &str, query: &str| json!({"name": name, "query": query, "pipeline_config": null, "edge_pipeline_config": null});
    let with = |mut v: serde_json::Value, mode: &str, config: serde_json::Value| {
        v["mode"] = json!(mode);
        v["mode_configuration"] = config;
        v
    };
    assert_eq!(bodies[0], base("plain", "Is it?"));
    assert_eq!(
        bodies[1],
        with(
            base("cnt", "How many cars?"),
            "COUNT",
            json!({"class_name": "car", "max_count": 7})
        )
    );
    assert_eq!(
        bodies[2],
        with(
            base("cnt2", "How many?"),
            "COUNT",
            json!({"class_name": "car"})
        )
    );
    assert_eq!(
        bodies[3],
        with(
            base("mc", "What color?"),
            "MULTI_CLASS",
            json!({"class_names": ["Red", "Green"]})
        )
    );
    assert_eq!(
        bodies[4],
        with(
            base("bb", "Box the people"),
            "BOUNDING_BOX",
            json!({"class_name": "person", "max_num_bboxes": 5})
        )
    );
    assert_eq!(
        bodies[5],
        with(base("txt", "Read the date"), "TEXT", json!({}))
    );
}

#[tokio::test]
async fn create_detector_input_is_checked_before_sending() {
    let s = setup().await;
    mock_any(&s.server, 201, detector_json("det_new", "x", "q")).await;
    let gl = &s.gl;
    let cases = vec![
        gl.create_detector("", "q?"),
        gl.create_detector("n", ""),
        gl.create_detector("x".repeat(201), "q?"),
        gl.create_detector("n", "q".repeat(301)),
        gl.create_detector("n", "q?").confidence_threshold(1.5),
        gl.create_detector("n", "q?").confidence_threshold(-0.1),
        gl.create_detector("n", "q?")
            .patience_time(std::time::Duration::from_secs(3601)),
        gl.create_detector("n", "q?").group_name(""),
        gl.create_detector("n", "q?")
            .metadata(json!({"k": "v".repeat(2000)})),
        gl.create_detector("n", "q?").metadata(json!([1, 2])),
        gl.create_detector("n", "q?")
            .pipeline_config("p".repeat(101)),
        gl.create_detector("n", "q?").max_count(3),
        gl.create_counting_detector("n", "q?", "car").max_count(0),
        gl.create_counting_detector("n", "q?", "car").max_count(51),
        gl.create_counting_detector("n", "q?", ""),
        gl.create_bounding_box_detector("n", "q?", "p")
            .max_num_bboxes(51),
        gl.create_multiclass_detector("n", "q?", Vec::<String>::new()),
    ];
    for (i, case) in cases.into_iter().enumerate() {
        let err = case.send().await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "case {i}: {err:?}");
    }
    assert!(requests(&s.server).await.is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn get_or_create_creates_when_missing() {
    let s = setup().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_json(vec![], 0, None)))
        .mount(&s.server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(detector_json(
            "det_new",
            "brand new",
            "Is it new?",
        )))
        .mount(&s.server)
        .await;
    let det =
        s.gl.get_or_create_detector("brand new", "Is it new?")
            .send()
            .await
            .unwrap();
    assert_eq!(det.id, "det_new");
    let reqs = requests(&s.server).await;
    assert_eq!(reqs.len(), 2);
    assert_request(
        &reqs[0],
        "GET",
        "/device-api/v1/detectors",
        &[("name", "brand new")],
    );
    assert_request(&reqs[1], "POST", "/device-api/v1/detectors", &[]);
    assert_eq!(
        body_json(&reqs[1]),
        json!({"name": "brand new", "query": "Is it new?", "pipeline_config": null, "edge_pipeline_config": null})
    );
}

#[tokio::test]
async fn get_or_create_returns_a_matching_detector_and_never_modifies_a_mismatch() {
    let s = setup().await;
    let mut existing = detector_json("det_e", "existing-name", "Is the door open?");
    existing["group_name"] = json!("doors");
    existing["confidence_threshold"] = json!(0.8);
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page_json(vec![existing], 1, None)))
        .mount(&s.server)
        .await;
    let det =
        s.gl.get_or_create_detector("existing-name", "Is the door open?")
            .group_name("doors")
            .confidence_threshold(0.8)
            .send()
            .await
            .unwrap();
    assert_eq!(det.id, "det_e");
    for (case, builder) in [
        (
            "query",
            s.gl.get_or_create_detector("existing-name", "Another question?"),
        ),
        (
            "group",
            s.gl.get_or_create_detector("existing-name", "Is the door open?")
                .group_name("windows"),
        ),
        (
            "threshold",
            s.gl.get_or_create_detector("existing-name", "Is the door open?")
                .confidence_threshold(0.9),
        ),
    ] {
        let err = builder.send().await.unwrap_err();
        assert!(
            matches!(err, Error::DetectorMismatch { .. }),
            "{case}: {err:?}"
        );
    }
    let reqs = requests(&s.server).await;
    assert_eq!(reqs.len(), 4, "only lookups");
    assert!(reqs.iter().all(|r| r.method.as_str() == "GET"));
    // Invalid input is refused before the lookup.
    let err =
        s.gl.get_or_create_detector("n", "q?")
            .confidence_threshold(2.0)
            .send()
            .await
            .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)));
    assert_eq!(requests(&s.server).await.len(), 4);
}

#[tokio::test]
async fn updates_send_patches() {
    let s = setup().await;
    mock_any(&s.server, 200, detector_json("det_abc123", "renamed", "q")).await;
    let det = detector_json("det_abc123", "d", "q");
    let det: groundlight::models::Detector = serde_json::from_value(det).unwrap();
    s.gl.update_detector_confidence_threshold("det_abc123", 0.85)
        .await
        .unwrap();
    s.gl.update_detector_status(&det, false).await.unwrap();
    s.gl.update_detector_status("det_abc123", true)
        .await
        .unwrap();
    s.gl.update_detector_escalation_type("det_abc123", "no_human_labeling")
        .await
        .unwrap();
    s.gl.update_detector_escalation_type("det_abc123", EscalationTypeEnum::Standard)
        .await
        .unwrap();
    let renamed =
        s.gl.update_detector_name("det_abc123", "renamed")
            .await
            .unwrap();
    assert_eq!(renamed.name, "renamed");
    let reqs = requests(&s.server).await;
    let expected = [
        json!({"confidence_threshold": 0.85}),
        json!({"status": "OFF"}),
        json!({"status": "ON"}),
        json!({"escalation_type": "NO_HUMAN_LABELING"}),
        json!({"escalation_type": "STANDARD"}),
        json!({"name": "renamed"}),
    ];
    assert_eq!(reqs.len(), expected.len());
    for (r, body) in reqs.iter().zip(expected) {
        assert_request(r, "PATCH", "/device-api/v1/detectors/det_abc123", &[]);
        assert_eq!(header(r, "content-type"), Some("application/json"));
        assert_eq!(body_json(r), body);
    }
    // Local checks.
    for err in [
        s.gl.update_detector_confidence_threshold("det_abc123", 1.01)
            .await
            .unwrap_err(),
        s.gl.update_detector_escalation_type("det_abc123", "SOMETIMES")
            .await
            .unwrap_err(),
        s.gl.update_detector_name("det_abc123", "")
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    }
    assert_eq!(requests(&s.server).await.len(), 6);
}

#[tokio::test]
async fn delete_and_reset() {
    let s = setup().await;
    Mock::given(method("DELETE"))
        .and(path("/device-api/v1/detectors/det_missing"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"detail": "No Detector matches the given query."})),
        )
        .mount(&s.server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&s.server)
        .await;
    s.gl.delete_detector("det_abc123").await.unwrap();
    s.gl.reset_detector("det_abc123").await.unwrap();
    let err = s.gl.delete_detector("det_missing").await.unwrap_err();
    assert!(err.is_not_found());
    let reqs = requests(&s.server).await;
    assert_request(
        &reqs[0],
        "DELETE",
        "/device-api/v1/detectors/det_abc123",
        &[],
    );
    assert_request(
        &reqs[1],
        "DELETE",
        "/device-api/v1/detector-reset/det_abc123",
        &[],
    );
    assert!(reqs[0].body.is_empty());
    assert_eq!(header(&reqs[0], "content-type"), None);
}

#[tokio::test]
async fn detector_groups() {
    let s = setup().await;
    Mock::given(method("POST"))
        .and(path("/device-api/v1/detector-groups"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"id": "dgp_1", "name": "my group"})),
        )
        .mount(&s.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/device-api/v1/detector-groups"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!([{"id": "dgp_1", "name": "g1"}, {"id": "dgp_2", "name": "g2"}]),
            ),
        )
        .mount(&s.server)
        .await;
    let group = s.gl.create_detector_group("my group").await.unwrap();
    assert_eq!(group.id, "dgp_1");
    let groups = s.gl.list_detector_groups().await.unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[1].name, "g2");
    assert!(matches!(
        s.gl.create_detector_group(&"g".repeat(101)).await,
        Err(Error::InvalidInput(_))
    ));
    let reqs = requests(&s.server).await;
    assert_eq!(reqs.len(), 2);
    assert_request(&reqs[0], "POST", "/device-api/v1/detector-groups", &[]);
    assert_eq!(body_json(&reqs[0]), json!({"name": "my group"}));
    assert_request(&reqs[1], "GET", "/device-api/v1/detector-groups", &[]);
}

#[tokio::test]
async fn detector_ids_with_special_characters_stay_one_path_segment() {
    let s = setup().await;
    mock_any(&s.server, 200, detector_json("x", "d", "q")).await;
    s.gl.get_detector("det_a/../b?c").await.unwrap();
    let reqs = requests(&s.server).await;
    assert_eq!(reqs[0].path, "/device-api/v1/detectors/det_a%2F..%2Fb%3Fc");
    assert!(matches!(
        s.gl.get_detector("").await,
        Err(Error::InvalidInput(_))
    ));
}
