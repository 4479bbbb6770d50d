//! Labels: tell Groundlight the right answer for an image query.

use http::Method;
use serde::Serialize;
use vision_sdk_common::internal::Idempotency;

use crate::call::call_builder;
use crate::client::{Groundlight, ImageQueryRef};
use crate::error::{Error, Result};
use crate::models::{Label, LabelValue, Roi};

/// A label to add: a binary answer (`YES`/`NO`/`UNCLEAR`), a count, a class name, a text, or a
/// bounding-box label. Integers become their decimal text (`3` → `"3"`), as in the official SDK.
///
/// ```
/// use groundlight::{LabelAnswer, models::Label};
/// assert_eq!(LabelAnswer::from(Label::Yes).as_str(), "YES");
/// assert_eq!(LabelAnswer::from(3u32).as_str(), "3");
/// assert_eq!(LabelAnswer::from("Red").as_str(), "Red");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelAnswer(String);

impl LabelAnswer {
    /// The label as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for LabelAnswer {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<String> for LabelAnswer {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&String> for LabelAnswer {
    fn from(s: &String) -> Self {
        Self(s.clone())
    }
}

impl From<Label> for LabelAnswer {
    fn from(l: Label) -> Self {
        Self(l.as_str().to_owned())
    }
}

impl From<&Label> for LabelAnswer {
    fn from(l: &Label) -> Self {
        Self(l.as_str().to_owned())
    }
}

macro_rules! label_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for LabelAnswer {
            fn from(n: $t) -> Self {
                Self(n.to_string())
            }
        }
    )*};
}
label_from_int!(u8, u16, u32, u64, usize, i32, i64);

/// A region of interest from its corners in normalised (`0.0..=1.0`) coordinates, with score
/// 1.0 and its centre as `x`/`y`: the official SDK's `create_roi`.
///
/// ```
/// let roi = groundlight::create_roi("person", (0.1, 0.2), (0.3, 0.4));
/// assert_eq!(roi.geometry.x, 0.2);
/// assert_eq!(roi.score, 1.0);
/// ```
pub fn create_roi(label: impl Into<String>, top_left: (f64, f64), bottom_right: (f64, f64)) -> Roi {
    Roi::from_corners(label, top_left, bottom_right)
}

/// `POST /v1/labels` body, as the official SDK sends it (`rois` is `null` when absent).
#[derive(Serialize)]
struct LabelBody<'a> {
    label: &'a str,
    image_query_id: &'a str,
    rois: Option<Vec<RoiBody<'a>>>,
}

#[derive(Serialize)]
struct RoiBody<'a> {
    label: &'a str,
    geometry: GeometryBody,
    score: f64,
}

#[derive(Serialize)]
struct GeometryBody {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
    x: f64,
    y: f64,
}

impl Groundlight {
    /// The official SDK's `gl.create_roi(label, top_left, bottom_right)`: the same as the free
    /// function [`create_roi`] (which needs no client).
    ///
    /// ```
    /// # fn run(gl: groundlight::Groundlight) {
    /// let roi = gl.create_roi("person", (0.1, 0.2), (0.3, 0.4));
    /// assert_eq!(roi, groundlight::create_roi("person", (0.1, 0.2), (0.3, 0.4)));
    /// # }
    /// ```
    pub fn create_roi(
        &self,
        label: impl Into<String>,
        top_left: (f64, f64),
        bottom_right: (f64, f64),
    ) -> Roi {
        create_roi(label, top_left, bottom_right)
    }

    /// Adds a label to an image query: `POST /v1/labels`.
    ///
    /// An id given as a string must start with `iq_` or `chk_` (checked locally).
    ///
    /// ```no_run
    /// use groundlight::{create_roi, models::Label};
    /// # async fn run(gl: groundlight::Groundlight) -> groundlight::Result<()> {
    /// gl.add_label("iq_abc123", Label::Yes).send().await?;
    /// gl.add_label("iq_def456", 3u32).send().await?; // a count
    /// gl.add_label("iq_ghi789", "BOUNDING_BOX")
    ///     .rois([create_roi("person", (0.1, 0.2), (0.3, 0.4))])
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn add_label(
        &self,
        image_query: impl Into<ImageQueryRef>,
        label: impl Into<LabelAnswer>,
    ) -> AddLabel {
        AddLabel {
            client: self.clone(),
            image_query: image_query.into(),
            label: label.into(),
            rois: None,
        }
    }
}

/// The builder of [`Groundlight::add_label`].
#[derive(Debug, Clone)]
#[must_use = "call .send()"]
pub struct AddLabel {
    client: Groundlight,
    image_query: ImageQueryRef,
    label: LabelAnswer,
    rois: Option<Vec<Roi>>,
}

impl AddLabel {
    /// Regions of interest (e.g. the boxes of a bounding-box answer); see [`create_roi`]. An
    /// empty list is sent as `"rois": null`, as the official SDK does.
    pub fn rois(mut self, rois: impl IntoIterator<Item = Roi>) -> Self {
        let rois: Vec<Roi> = rois.into_iter().collect();
        self.rois = (!rois.is_empty()).then_some(rois);
        self
    }

    /// Sends the label and returns the server's record of it.
    ///
    /// Not idempotent: each `POST /v1/labels` records another label, so the call is re-sent
    /// only when the request provably was not acted upon (a connect error, a 429). After a
    /// timeout or a broken connection it fails with
    /// [`HttpError::OutcomeUnknown`](vision_sdk_common::HttpError::OutcomeUnknown); after a
    /// 5xx with [`Error::Http`]. Check the image query's label before sending it again.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an id without the `iq_`/`chk_` prefix or an empty label.
    pub async fn send(self) -> Result<LabelValue> {
        let id = self.image_query.id();
        if self.image_query.image_query().is_none()
            && !(id.starts_with("iq_") || id.starts_with("chk_"))
        {
            return Err(Error::invalid(format!(
                "image query id must start with 'iq_' or 'chk_', got '{id}'"
            )));
        }
        if self.label.as_str().trim().is_empty() {
            return Err(Error::invalid("the label is empty"));
        }
        let rois = self.rois.as_ref().map(|rois| {
            rois.iter()
                .map(|r| RoiBody {
                    label: &r.label,
                    geometry: GeometryBody {
                        left: r.geometry.left,
                        top: r.geometry.top,
                        right: r.geometry.right,
                        bottom: r.geometry.bottom,
                        x: r.geometry.x,
                        y: r.geometry.y,
                    },
                    score: r.score,
                })
                .collect()
        });
        let body = LabelBody {
            label: self.label.as_str(),
            image_query_id: id,
            rois,
        };
        self.client
            .send_json(
                "add_label",
                Method::POST,
                self.client.api_url(&["v1", "labels"]),
                &body,
                Idempotency::NonIdempotent,
            )
            .await
    }
}

call_builder!(AddLabel, client => LabelValue);
