//! Labels: exact bodies, id checks, ROIs.

mod support;

use groundlight::models::{Label, SourceEnum};
use groundlight::{Error, create_roi};
use serde_json::json;
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

async fn mount_labels(server: &wiremock::MockServer) {
    Mock::given(method("POST"))
        .and(path("/device-api/v1/labels"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "confidence": null, "class_name": "YES", "rois": null,
            "annotations_requested": ["BINARY_CLASSIFICATION"], "created_at": "2026-01-01T00:00:00Z",
            "detector_id": null, "source": "CUST", "text": null
        })))
        .mount(server)
        .await;
}

#[tokio::test]
async fn binary_count_class_and_text_labels() {
    let s = setup().await;
    mount_labels(&s.server).await;
    let value =
        s.gl.add_label("iq_abc123", Label::Yes)
            .send()
            .await
            .unwrap();
    assert_eq!(value.source, SourceEnum::Cust);
    s.gl.add_label("iq_abc123", 3u32).send().await.unwrap();
    s.gl.add_label("chk_abc123", "Red").send().await.unwrap();
    s.gl.add_label("iq_abc123", "2026-01-01".to_owned())
        .send()
        .await
        .unwrap();
    let reqs = requests(&s.server).await;
    let expected = [
        json!({"label": "YES", "image_query_id": "iq_abc123", "rois": null}),
        json!({"label": "3", "image_query_id": "iq_abc123", "rois": null}),
        json!({"label": "Red", "image_query_id": "chk_abc123", "rois": null}),
        json!({"label": "2026-01-01", "image_query_id": "iq_abc123", "rois": null}),
    ];
    for (r, body) in reqs.iter().zip(expected) {
        assert_request(r, "POST", "/device-api/v1/labels", &[]);
        assert_eq!(header(r, "content-type"), Some("application/json"));
        assert_eq!(body_json(r), body);
    }
}

#[tokio::test]
async fn labels_with_rois_send_geometry_centre_and_score() {
    let s = setup().await;
    mount_labels(&s.server).await;
    let roi = s.gl.create_roi("person", (0.1, 0.2), (0.3, 0.4));
    assert_eq!(roi, create_roi("person", (0.1, 0.2), (0.3, 0.4)));
    s.gl.add_label("iq_abc123", "BOUNDING_BOX")
        .rois([roi])
        .send()
        .await
        .unwrap();
    let reqs = requests(&s.server).await;
    assert_eq!(
        body_json(&reqs[0]),
        json!({"label": "BOUNDING_BOX", "image_query_id": "iq_abc123", "rois": [{
            "label": "person",
            "geometry": {"left": 0.1, "top": 0.2, "right": 0.3, "bottom": 0.4, "x": 0.2, "y": 0.30000000000000004},
            "score": 1.0
        }]})
    );
}

#[tokio::test]
async fn ids_are_checked_locally() {
    let s = setup().await;
    mount_labels(&s.server).await;
    for bad in ["det_abc", "abc", "", "IQ_abc"] {
        let err = s.gl.add_label(bad, Label::No).send().await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{bad}: {err:?}");
    }
    let err = s.gl.add_label("iq_1", "  ").send().await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)));
    assert!(requests(&s.server).await.is_empty());
    // An ImageQuery value is taken at its word.
    let iq: groundlight::models::ImageQuery =
        serde_json::from_value(iq_json("iq_x", "det_1", "ALGORITHM", 0.9, "YES")).unwrap();
    s.gl.add_label(&iq, Label::Unclear).send().await.unwrap();
    let reqs = requests(&s.server).await;
    assert_eq!(body_json(&reqs[0])["label"], "UNCLEAR");
    assert_eq!(body_json(&reqs[0])["image_query_id"], "iq_x");
}
