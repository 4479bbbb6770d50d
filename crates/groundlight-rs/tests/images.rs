//! Image preparation on the wire: what is sent as is, converted, or shrunk.

mod support;

use std::time::Duration;

use groundlight::{Error, Groundlight, Image};
use support::*;
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

async fn submit(
    gl: &Groundlight,
    server: &wiremock::MockServer,
    image: Image,
) -> vision_sdk_common::testing::RecordedRequest {
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(iq_json(
            "iq_1",
            "det_1",
            "ALGORITHM",
            0.9,
            "YES",
        )))
        .mount(server)
        .await;
    gl.submit_image_query("det_1", image)
        .wait(Duration::ZERO)
        .send()
        .await
        .unwrap();
    requests(server).await.pop().unwrap()
}

#[tokio::test]
async fn unconvertible_types_are_refused_locally() {
    let s = setup().await;
    let tiff: &'static [u8] = b"II*\x00\x08\x00\x00\x00";
    let err =
        s.gl.submit_image_query("det_1", tiff)
            .wait(Duration::ZERO)
            .send()
            .await
            .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput(_) | Error::Media(_)),
        "{err:?}"
    );
    let video =
        groundlight::MediaSource::from_bytes_with_mime(vec![0u8; 8], "video/mp4".parse().unwrap());
    let err =
        s.gl.submit_image_query("det_1", video)
            .wait(Duration::ZERO)
            .send()
            .await
            .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert!(requests(&s.server).await.is_empty());
}

#[cfg(not(feature = "image"))]
mod without_image_feature {
    use super::*;

    /// A large "JPEG": padding after the header is enough when nothing decodes it.
    fn padded_jpeg(len: usize) -> Vec<u8> {
        let mut v = JPEG.to_vec();
        v.resize(len, 0);
        v
    }

    #[tokio::test]
    async fn png_is_sent_as_png_with_its_true_type() {
        let s = setup().await;
        let req = submit(&s.gl, &s.server, Image::from(PNG)).await;
        assert_eq!(header(&req, "content-type"), Some("image/png"));
        assert_eq!(req.body, PNG);
    }

    #[tokio::test]
    async fn oversized_jpeg_is_sent_unshrunk() {
        let s = setup().await;
        let big = padded_jpeg(300_000);
        let req = submit(&s.gl, &s.server, Image::from(big.clone())).await;
        assert_eq!(req.body, big);
    }
}

#[cfg(feature = "image")]
mod with_image_feature {
    use super::*;
    use groundlight::image::{DynamicImage, ImageReader, RgbImage};
    use groundlight::vision_sdk_common::image::PixelLayout;

    fn decode(bytes: &[u8]) -> DynamicImage {
        ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .unwrap()
            .decode()
            .unwrap()
    }

    fn noise(width: u32, height: u32) -> RgbImage {
        let mut seed = 0x1234_5678_u32;
        RgbImage::from_fn(width, height, |_, _| {
            let mut px = [0u8; 3];
            for c in &mut px {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                *c = (seed & 0xFF) as u8;
            }
            groundlight::image::Rgb(px)
        })
    }

    fn encode(img: &DynamicImage, format: groundlight::image::ImageFormat) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[tokio::test]
    async fn png_is_converted_to_jpeg() {
        let s = setup().await;
        let png = encode(
            &DynamicImage::ImageRgb8(noise(40, 30)),
            groundlight::image::ImageFormat::Png,
        );
        let req = submit(&s.gl, &s.server, Image::from(png)).await;
        assert_eq!(header(&req, "content-type"), Some("image/jpeg"));
        let sent = decode(&req.body);
        assert_eq!((sent.width(), sent.height()), (40, 30));
    }

    #[tokio::test]
    async fn oversized_jpeg_is_shrunk_to_1024_unless_disabled() {
        let s = setup().await;
        let img = DynamicImage::ImageRgb8(noise(1280, 960));
        let big = encode(&img, groundlight::image::ImageFormat::Jpeg);
        assert!(big.len() > 256_000, "{}", big.len());
        let req = submit(&s.gl, &s.server, Image::from(big.clone())).await;
        assert!(req.body.len() < big.len());
        let sent = decode(&req.body);
        assert_eq!((sent.width(), sent.height()), (1024, 768));

        let no_shrink = Groundlight::builder()
            .endpoint(s.server.uri())
            .api_token(TOKEN)
            .shrink_oversized_images(false)
            .build()
            .unwrap();
        let req = submit(&no_shrink, &s.server, Image::from(big.clone())).await;
        assert_eq!(req.body, big);

        let uri = s.server.uri();
        let env_no_shrink = Groundlight::builder()
            .env_lookup(move |name| match name {
                "GROUNDLIGHT_API_TOKEN" => Some(TOKEN.to_owned()),
                "GROUNDLIGHT_ENDPOINT" => Some(uri.clone()),
                "GROUNDLIGHT_SHRINK_OVERSIZED_IMAGES" => Some("0".to_owned()),
                _ => None,
            })
            .build()
            .unwrap();
        let req = submit(&env_no_shrink, &s.server, Image::from(big.clone())).await;
        assert_eq!(req.body, big);
    }

    #[tokio::test]
    async fn small_jpeg_is_sent_byte_for_byte() {
        let s = setup().await;
        let small = encode(
            &DynamicImage::ImageRgb8(noise(64, 48)),
            groundlight::image::ImageFormat::Jpeg,
        );
        let req = submit(&s.gl, &s.server, Image::from(small.clone())).await;
        assert_eq!(req.body, small);
    }

    #[tokio::test]
    async fn pixels_are_encoded_bgr_swapped() {
        let s = setup().await;
        // A 16x16 pure-blue frame in BGR order.
        let bgr: Vec<u8> = std::iter::repeat_n([255u8, 0, 0], 16 * 16)
            .flatten()
            .collect();
        let req = submit(
            &s.gl,
            &s.server,
            Image::from_pixels(16, 16, PixelLayout::Bgr8, &bgr),
        )
        .await;
        assert_eq!(header(&req, "content-type"), Some("image/jpeg"));
        let px = decode(&req.body).to_rgb8().get_pixel(8, 8).0;
        assert!(px[2] > 200 && px[0] < 60, "blue stays blue: {px:?}");
        // A wrong-size buffer is refused before sending.
        let err =
            s.gl.submit_image_query(
                "det_1",
                Image::from_pixels(16, 16, PixelLayout::Rgb8, &[0; 5]),
            )
            .wait(Duration::ZERO)
            .send()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Media(_)), "{err:?}");
        let dynamic = DynamicImage::ImageRgba8(groundlight::image::RgbaImage::new(8, 8));
        let req = submit(&s.gl, &s.server, Image::from(dynamic)).await;
        assert_eq!(decode(&req.body).width(), 8);
    }
}
