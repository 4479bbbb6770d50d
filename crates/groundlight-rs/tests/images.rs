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

#[cfg(not(feature = "jpeg"))]
mod without_codecs {
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

/// The default build (feature `jpeg`): the official SDK's shrinking and PNG conversion.
#[cfg(feature = "jpeg")]
mod with_codecs {
    use super::*;
    use groundlight::images::{SHRINK_JPEG_QUALITY, shrunk_size};
    use groundlight::vision_sdk_common::codec::{self, Filter, RgbImage};

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
            px
        })
    }

    fn png(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, img.width(), img.height());
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().unwrap();
            writer.write_image_data(img.as_bytes()).unwrap();
        }
        out
    }

    fn dims(jpeg: &[u8]) -> (u32, u32) {
        let img = codec::decode(jpeg).unwrap();
        (img.width(), img.height())
    }

    #[test]
    fn shrunk_sizes_truncate_as_python() {
        assert_eq!(shrunk_size(4000, 3000), Some((1024, 768)));
        // 1003 × 1024 / 1500 = 684.7: Python's int() gives 684 (rounding would give 685).
        assert_eq!(shrunk_size(1500, 1003), Some((1024, 684)));
        assert_eq!(shrunk_size(1003, 1500), Some((684, 1024)));
        assert_eq!(shrunk_size(1025, 1025), Some((1024, 1024)));
        assert_eq!(shrunk_size(100_000, 10), Some((1024, 1)));
        assert_eq!(shrunk_size(1024, 1024), None);
        assert_eq!(shrunk_size(300, 200), None);
    }

    #[tokio::test]
    async fn oversized_jpeg_is_shrunk_in_the_default_build() {
        let s = setup().await;
        // Noise: a small frame that still encodes to more than 256,000 bytes.
        let original = noise(1500, 203);
        let big = codec::encode_jpeg(&original, 95).unwrap();
        assert!(big.len() > 256_000, "{}", big.len());
        let req = submit(&s.gl, &s.server, Image::from(big.clone())).await;
        assert_eq!(header(&req, "content-type"), Some("image/jpeg"));
        assert!(req.body.len() < big.len());
        // 203 × 1024 / 1500 = 138.6, truncated as Python's int() does.
        assert_eq!(dims(&req.body), (1024, 138));
        // Exactly the official SDK's pipeline: decode, bicubic to the truncated size, q85.
        let expected = codec::encode_jpeg(
            &codec::resize(&codec::decode(&big).unwrap(), 1024, 138, Filter::Bicubic),
            SHRINK_JPEG_QUALITY,
        )
        .unwrap();
        assert_eq!(req.body, expected);
    }

    #[tokio::test]
    async fn oversized_jpeg_file_is_shrunk_and_portrait_keeps_its_aspect() {
        let s = setup().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frame.jpg");
        std::fs::write(&path, codec::encode_jpeg(&noise(180, 1300), 95).unwrap()).unwrap();
        let req = submit(&s.gl, &s.server, Image::from_path(&path)).await;
        assert_eq!(dims(&req.body), (141, 1024)); // 180 × 1024 / 1300 = 141.8
    }

    #[tokio::test]
    async fn oversized_jpeg_within_1024_is_only_reencoded() {
        let s = setup().await;
        let big = codec::encode_jpeg(&noise(1000, 150), 100).unwrap();
        assert!(big.len() > 256_000, "{}", big.len());
        let req = submit(&s.gl, &s.server, Image::from(big.clone())).await;
        assert_eq!(dims(&req.body), (1000, 150));
        assert!(req.body.len() < big.len());
    }

    #[tokio::test]
    async fn shrinking_can_be_turned_off_by_builder_and_environment() {
        let s = setup().await;
        let big = codec::encode_jpeg(&noise(1500, 203), 95).unwrap().to_vec();
        assert!(big.len() > 256_000, "{}", big.len());
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
        let small = codec::encode_jpeg(&noise(64, 48), 95).unwrap();
        let req = submit(&s.gl, &s.server, Image::from(small.clone())).await;
        assert_eq!(req.body, small);
    }

    #[tokio::test]
    async fn png_bytes_and_files_are_converted_to_jpeg() {
        let s = setup().await;
        let img = noise(40, 30);
        let req = submit(&s.gl, &s.server, Image::from(png(&img))).await;
        assert_eq!(header(&req, "content-type"), Some("image/jpeg"));
        assert_eq!(req.body, codec::encode_jpeg(&img, 95).unwrap());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frame.png");
        std::fs::write(&path, png(&img)).unwrap();
        let req = submit(&s.gl, &s.server, Image::from_path(&path)).await;
        assert_eq!(header(&req, "content-type"), Some("image/jpeg"));
        assert_eq!(dims(&req.body), (40, 30));
    }

    #[tokio::test]
    async fn oversized_png_is_converted_and_shrunk() {
        let s = setup().await;
        let req = submit(&s.gl, &s.server, Image::from(png(&noise(1200, 240)))).await;
        assert_eq!(header(&req, "content-type"), Some("image/jpeg"));
        assert_eq!(dims(&req.body), (1024, 204)); // 240 × 1024 / 1200 = 204.8
    }

    #[tokio::test]
    async fn corrupt_png_is_refused_before_sending() {
        let s = setup().await;
        let err =
            s.gl.submit_image_query("det_1", PNG)
                .wait(Duration::ZERO)
                .send()
                .await
                .unwrap_err();
        assert!(matches!(err, Error::Media(_)), "{err:?}");
        assert!(requests(&s.server).await.is_empty());
    }

    #[cfg(not(feature = "image"))]
    #[tokio::test]
    async fn gif_is_sent_as_it_is_without_the_image_feature() {
        let s = setup().await;
        let gif: &'static [u8] = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
        let req = submit(&s.gl, &s.server, Image::from(gif)).await;
        assert_eq!(header(&req, "content-type"), Some("image/gif"));
        assert_eq!(req.body, gif);
    }

    #[tokio::test]
    async fn a_note_image_is_never_shrunk_but_a_png_is_converted() {
        let s = setup().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(204))
            .mount(&s.server)
            .await;
        let big = codec::encode_jpeg(&noise(1500, 203), 95).unwrap();
        assert!(big.len() > 256_000);
        s.gl.create_note("det_1", "a note")
            .image(big.clone())
            .send()
            .await
            .unwrap();
        s.gl.create_note("det_1", "a png")
            .image(png(&noise(40, 30)))
            .send()
            .await
            .unwrap();
        let reqs = requests(&s.server).await;
        let image_part = |i: usize| {
            vision_sdk_common::testing::multipart::parse(
                header(&reqs[i], "content-type").unwrap(),
                &reqs[i].body,
            )
            .unwrap()
            .into_iter()
            .find(|p| p.name == "image")
            .unwrap()
        };
        let first = image_part(0);
        assert_eq!(first.content, big, "sent at full size, as the official SDK");
        assert_eq!(first.file_name.as_deref(), Some("image.jpg"));
        let second = image_part(1);
        assert!(codec::is_jpeg(second.content), "the PNG went as JPEG");
        assert_eq!(dims(second.content), (40, 30));
    }

    #[tokio::test]
    async fn ask_vlm_verify_never_reencodes_a_jpeg() {
        let s = setup().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
                "id": "vlm_1", "type": "vlm_verification", "created_at": "2026-01-01T00:00:00Z",
                "query": "q", "model_id": "m",
                "result": {"verdict": "YES", "confidence": 0.9, "reasoning": "r"},
                "cost": {"input_tokens": 1, "output_tokens": 1, "total_cost_usd": 0.01}
            })))
            .mount(&s.server)
            .await;
        let big = codec::encode_jpeg(&noise(1500, 203), 95).unwrap();
        assert!(big.len() > 256_000);
        s.gl.ask_vlm_verify([big.clone()], "Is there a fire?")
            .send()
            .await
            .unwrap();
        let reqs = requests(&s.server).await;
        let parts = vision_sdk_common::testing::multipart::parse(
            header(&reqs[0], "content-type").unwrap(),
            &reqs[0].body,
        )
        .unwrap();
        let media = parts.iter().find(|p| p.name == "media").unwrap();
        assert_eq!(media.content, big);
        assert_eq!(media.file_name.as_deref(), Some("image_1.jpg"));
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
    async fn gif_and_webp_are_converted_to_jpeg() {
        let s = setup().await;
        for format in [
            groundlight::image::ImageFormat::Gif,
            groundlight::image::ImageFormat::WebP,
            groundlight::image::ImageFormat::Bmp,
        ] {
            let bytes = encode(&DynamicImage::ImageRgb8(noise(40, 30)), format);
            let req = submit(&s.gl, &s.server, Image::from(bytes)).await;
            assert_eq!(
                header(&req, "content-type"),
                Some("image/jpeg"),
                "{format:?}"
            );
            let sent = decode(&req.body);
            assert_eq!((sent.width(), sent.height()), (40, 30));
        }
    }

    #[tokio::test]
    async fn oversized_pixels_are_shrunk() {
        let s = setup().await;
        let img = DynamicImage::ImageRgb8(noise(1500, 203));
        let req = submit(&s.gl, &s.server, Image::from(img)).await;
        let sent = decode(&req.body);
        assert_eq!((sent.width(), sent.height()), (1024, 138));
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
