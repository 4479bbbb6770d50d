use super::*;

/// `(x·31 + y·17 + c·101 + x·y·3) mod 256`: a busy pattern, recomputed in Python for the
/// reference values below.
fn pattern(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let v = |c: u32| ((x * 31 + y * 17 + c * 101 + x * y * 3) % 256) as u8;
        [v(0), v(1), v(2)]
    })
}

/// The sum of all samples and `Σ (i + 1) · sample_i mod 1e9+7`: one wrong sample anywhere
/// changes it.
fn checksum(img: &RgbImage) -> (u64, u64) {
    let sum = img.as_bytes().iter().map(|&v| u64::from(v)).sum();
    let weighted = img
        .as_bytes()
        .iter()
        .enumerate()
        .fold(0u64, |acc, (i, &v)| {
            (acc + (i as u64 + 1) * u64::from(v)) % 1_000_000_007
        });
    (sum, weighted)
}

#[test]
fn resize_is_bit_exact_with_pil() {
    // Pillow 12.3: `Image.fromarray(pattern).resize((w, h), filter)`.
    let img = pattern(97, 61);
    let cases = [
        (
            40,
            25,
            Filter::Bicubic,
            382_728,
            573_674_412,
            [87, 142, 152],
        ),
        (
            131,
            77,
            Filter::Bicubic,
            3_861_471,
            376_200_889,
            [58, 88, 208],
        ),
        (
            40,
            25,
            Filter::Bilinear,
            382_753,
            573_725_737,
            [94, 140, 147],
        ),
        (
            97,
            20,
            Filter::Bicubic,
            742_616,
            159_182_863,
            [79, 166, 150],
        ),
        (
            10,
            61,
            Filter::Bicubic,
            233_486,
            213_544_262,
            [106, 140, 141],
        ),
    ];
    for (w, h, filter, sum, weighted, middle) in cases {
        let out = resize(&img, w, h, filter);
        assert_eq!((out.width(), out.height()), (w, h));
        assert_eq!(checksum(&out), (sum, weighted), "{w}x{h} {filter:?}");
        assert_eq!(out.pixel(w / 3, h / 2), middle, "{w}x{h} {filter:?}");
    }
}

#[test]
fn large_resizes_split_over_threads_stay_bit_exact() {
    // Enough work for the two-thread split of both passes.
    let img = pattern(1500, 1000);
    let bicubic = resize(&img, 640, 427, Filter::Bicubic);
    assert_eq!(checksum(&bicubic), (104_679_766, 941_309_715));
    let bilinear = resize(&img, 1024, 683, Filter::Bilinear);
    assert_eq!(checksum(&bilinear), (267_894_016, 314_362_382));
}

#[test]
fn resize_of_a_row_matches_pil_values() {
    let row = [
        [0, 0, 0],
        [255, 0, 0],
        [0, 255, 0],
        [10, 20, 30],
        [200, 200, 200],
        [50, 60, 70],
        [255, 255, 255],
        [0, 0, 0],
    ];
    let img = RgbImage::from_fn(8, 1, |x, _| row[x as usize]);
    let pixels = |img: &RgbImage| {
        (0..img.width())
            .map(|x| img.pixel(x, 0))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        pixels(&resize(&img, 3, 1, Filter::Bicubic)),
        [[96, 61, 0], [87, 133, 94], [127, 124, 132]]
    );
    assert_eq!(
        pixels(&resize(&img, 3, 1, Filter::Bilinear)),
        [[101, 62, 2], [85, 127, 89], [128, 131, 133]]
    );
    // Upscaling: the cubic's overshoot is clipped (255 → 254, 0 stays 0).
    let up = pixels(&resize(&img, 13, 1, Filter::Bicubic));
    assert_eq!(up[2], [254, 6, 0]);
    assert_eq!(up[7], [196, 196, 197]);
    assert_eq!(up[12], [0, 0, 0]);
}

#[test]
fn resize_keeps_flat_colours_and_same_size() {
    let flat = RgbImage::from_fn(300, 200, |_, _| [120, 60, 30]);
    let small = resize(&flat, 7, 5, Filter::Bicubic);
    for y in 0..5 {
        for x in 0..7 {
            assert_eq!(small.pixel(x, y), [120, 60, 30]);
        }
    }
    let img = pattern(9, 4);
    assert_eq!(resize(&img, 9, 4, Filter::Bicubic), img);
    assert_eq!(resize(&img, 0, 0, Filter::Bicubic).width(), 1);
    assert_eq!(resize(&img, 1, 1, Filter::Bilinear).height(), 1);
}

#[test]
fn jpeg_round_trip() {
    let img = RgbImage::from_fn(64, 48, |_, _| [200, 40, 90]);
    let jpeg = encode_jpeg(&img, 95).unwrap();
    assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF]);
    assert_eq!(&jpeg[jpeg.len() - 2..], &[0xFF, 0xD9]);
    assert_eq!(jpeg_dimensions(&jpeg).unwrap(), (64, 48));
    let back = decode(&jpeg).unwrap();
    assert_eq!((back.width(), back.height()), (64, 48));
    for (got, want) in back.pixel(30, 20).into_iter().zip([200, 40, 90]) {
        assert!(got.abs_diff(want) <= 4, "{:?}", back.pixel(30, 20));
    }
    // Quality matters and is clamped.
    let busy = pattern(64, 64);
    let low = encode_jpeg(&busy, 0).unwrap();
    let high = encode_jpeg(&busy, 255).unwrap();
    assert!(low.len() < high.len());
}

#[test]
fn scaled_jpeg_decoding_picks_the_smallest_reduction_that_fits() {
    let jpeg = encode_jpeg(&pattern(803, 405), 90).unwrap();
    let size = |w, h| {
        let img = decode_jpeg_at_least(&jpeg, w, h).unwrap();
        (img.width(), img.height())
    };
    assert_eq!(size(u32::MAX, u32::MAX), (803, 405));
    assert_eq!(size(803, 1), (803, 405));
    assert_eq!(size(403, 10), (803, 405)); // 1/2 is ceil(803 / 2) = 402 wide
    assert_eq!(size(402, 10), (402, 203));
    assert_eq!(size(401, 203), (402, 203));
    assert_eq!(size(201, 102), (201, 102)); // 1/4 = ceil(803/4) x ceil(405/4)
    assert_eq!(size(1, 1), (101, 51)); // 1/8
    assert_eq!(size(101, 52), (201, 102));
    // A reduced decode looks like the full one, shrunk.
    let flat = encode_jpeg(&RgbImage::from_fn(64, 64, |_, _| [10, 200, 60]), 95).unwrap();
    let eighth = decode_jpeg_at_least(&flat, 8, 8).unwrap();
    assert_eq!((eighth.width(), eighth.height()), (8, 8));
    for (got, want) in eighth.pixel(4, 4).into_iter().zip([10, 200, 60]) {
        assert!(got.abs_diff(want) <= 4, "{:?}", eighth.pixel(4, 4));
    }
}

#[test]
fn png_is_decoded_to_rgb() {
    // RGBA → alpha dropped; grey; palette; 16-bit.
    let encode = |width: u32, height: u32, color, depth, data: &[u8], palette: Option<&[u8]>| {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, width, height);
            encoder.set_color(color);
            encoder.set_depth(depth);
            if let Some(p) = palette {
                encoder.set_palette(p.to_vec());
            }
            let mut writer = encoder.write_header().unwrap();
            writer.write_image_data(data).unwrap();
        }
        out
    };
    let rgba = encode(
        2,
        1,
        png::ColorType::Rgba,
        png::BitDepth::Eight,
        &[1, 2, 3, 0, 4, 5, 6, 255],
        None,
    );
    assert!(rgba.starts_with(b"\x89PNG\r\n\x1a\n"));
    let img = decode(&rgba).unwrap();
    assert_eq!(img.as_bytes(), &[1, 2, 3, 4, 5, 6]);

    let grey = encode(
        2,
        1,
        png::ColorType::Grayscale,
        png::BitDepth::Eight,
        &[7, 9],
        None,
    );
    assert_eq!(decode(&grey).unwrap().as_bytes(), &[7, 7, 7, 9, 9, 9]);

    let indexed = encode(
        2,
        1,
        png::ColorType::Indexed,
        png::BitDepth::Eight,
        &[1, 0],
        Some(&[10, 20, 30, 40, 50, 60]),
    );
    assert_eq!(
        decode(&indexed).unwrap().as_bytes(),
        &[40, 50, 60, 10, 20, 30]
    );

    let wide = encode(
        1,
        1,
        png::ColorType::Rgb,
        png::BitDepth::Sixteen,
        &[0xFF, 0x00, 0x80, 0x00, 0x00, 0xFF],
        None,
    );
    assert_eq!(decode(&wide).unwrap().as_bytes(), &[255, 128, 0]);
}

#[test]
fn decode_errors_never_panic() {
    assert!(matches!(decode(b""), Err(CodecError::Decode { .. })));
    assert!(matches!(decode(b"GIF89a"), Err(CodecError::Decode { .. })));
    assert!(matches!(
        decode(b"\x89PNG\r\n\x1a\n garbage"),
        Err(CodecError::Decode { .. })
    ));
    let jpeg = encode_jpeg(&pattern(64, 64), 90).unwrap();
    for cut in [3, 20, jpeg.len() / 2, jpeg.len() - 3] {
        // Truncated data: an error or the part the decoder could fill in, never a panic.
        let _ = decode(&jpeg[..cut]);
    }
    assert!(jpeg_dimensions(b"\xFF\xD8\xFF").is_err());
    assert_eq!(
        decode(b"xx").unwrap_err().to_string(),
        "failed to decode image"
    );
}

#[test]
fn pixel_buffer_checks() {
    assert!(matches!(
        RgbImage::new(2, 2, vec![0; 11]),
        Err(CodecError::PixelBufferSize {
            expected: 12,
            actual: 11,
            ..
        })
    ));
    assert!(matches!(
        RgbImage::new(0, 3, vec![]),
        Err(CodecError::InvalidDimensions {
            width: 0,
            height: 3
        })
    ));
    let big = RgbImage::from_fn(70_000, 1, |_, _| [0, 0, 0]);
    assert!(matches!(
        encode_jpeg(&big, 90),
        Err(CodecError::Encode { format: "JPEG", .. })
    ));
    assert_eq!(
        format!("{:?}", pattern(3, 2)),
        "RgbImage { width: 3, height: 2, .. }"
    );
}

#[test]
fn jpeg_encoding_is_byte_identical_to_the_encoders_own_rgb_path() {
    // `encode_jpeg` feeds the encoder through one `ImageBuffer` (for build time); the bytes must
    // be those of `Encoder::encode(.., ColorType::Rgb)`, with and without a partial last block.
    for (width, height) in [(64, 48), (37, 23), (1, 1), (300, 17)] {
        let img = pattern(width, height);
        for quality in [50, 85, 95] {
            let mut expected = Vec::new();
            let mut encoder = jpeg_encoder::Encoder::new(&mut expected, quality);
            encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
            encoder
                .encode(
                    &img.data,
                    width as u16,
                    height as u16,
                    jpeg_encoder::ColorType::Rgb,
                )
                .unwrap();
            let ours = encode_jpeg(&img, quality).unwrap();
            assert!(ours[..] == expected[..], "{width}x{height} q{quality}");
        }
    }
}
