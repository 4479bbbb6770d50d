//! Separable, anti-aliased resampling with PIL's arithmetic (`libImaging/Resample.c`).
//!
//! As in PIL, the filter's support is widened by the reduction factor when shrinking (so every
//! source pixel contributes: no aliasing), the weights of each output pixel are normalised,
//! rounded to 22-bit fixed point, and the image is resampled horizontally, rounded to 8 bits,
//! then vertically. [`Filter::Bicubic`] reproduces `Image.resize(size, Image.BICUBIC)` exactly
//! (the tests pin values computed by hand from PIL's formulas).

use super::RgbImage;

/// The resampling filter of [`resize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Filter {
    /// Keys' cubic with `a = -0.5` (PIL's `BICUBIC`, OpenCV's `INTER_CUBIC` kernel, the image
    /// crate's `CatmullRom`): sharp, the Python SDKs' choice.
    Bicubic,
    /// The triangle (tent) filter (PIL's `BILINEAR`, the image crate's `Triangle`): about half
    /// the work of [`Filter::Bicubic`], a little softer.
    Bilinear,
}

impl Filter {
    fn support(self) -> f64 {
        match self {
            Filter::Bicubic => 2.0,
            Filter::Bilinear => 1.0,
        }
    }

    fn weight(self, x: f64) -> f64 {
        let x = x.abs();
        match self {
            Filter::Bicubic => {
                const A: f64 = -0.5;
                if x < 1.0 {
                    ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0
                } else if x < 2.0 {
                    (((x - 5.0) * x + 8.0) * x - 4.0) * A
                } else {
                    0.0
                }
            }
            Filter::Bilinear => (1.0 - x).max(0.0),
        }
    }
}

/// PIL's `PRECISION_BITS` for 8-bit images.
const PRECISION_BITS: u32 = 32 - 8 - 2;

/// The taps of one output pixel: the first source index and fixed-point weights.
#[derive(Debug)]
struct Taps {
    first: Vec<usize>,
    /// `ksize` weights per output pixel (zero-padded).
    weights: Vec<i32>,
    /// How many of them are in the image (PIL's `xmax - xmin`).
    counts: Vec<u16>,
    ksize: usize,
}

impl Taps {
    fn count(&self, i: usize) -> usize {
        usize::from(self.counts[i])
    }
}

/// PIL's `precompute_coeffs` + `normalize_coeffs_8bpc` for `in_size → out_size`.
fn taps(in_size: usize, out_size: usize, filter: Filter) -> Taps {
    let scale = in_size as f64 / out_size as f64;
    let filter_scale = scale.max(1.0);
    let support = filter.support() * filter_scale;
    let ksize = support.ceil() as usize * 2 + 1;
    let mut first = Vec::with_capacity(out_size);
    let mut counts = Vec::with_capacity(out_size);
    let mut weights = vec![0i32; out_size * ksize];
    let ss = 1.0 / filter_scale;
    let mut k = vec![0f64; ksize];
    for xx in 0..out_size {
        let center = (xx as f64 + 0.5) * scale;
        // C's `(int)` truncates toward zero.
        let xmin = ((center - support + 0.5) as i64).max(0) as usize;
        let xmax = ((center + support + 0.5) as i64).min(in_size as i64).max(0) as usize;
        let n = xmax.saturating_sub(xmin).min(ksize);
        let mut total = 0.0;
        for (x, slot) in k.iter_mut().enumerate().take(n) {
            let w = filter.weight((x as f64 + xmin as f64 - center + 0.5) * ss);
            *slot = w;
            total += w;
        }
        let row = &mut weights[xx * ksize..(xx + 1) * ksize];
        for (x, slot) in row.iter_mut().enumerate().take(n) {
            let w = if total == 0.0 { k[x] } else { k[x] / total };
            let fixed = w * f64::from(1u32 << PRECISION_BITS);
            *slot = if fixed < 0.0 {
                (fixed - 0.5) as i32
            } else {
                (fixed + 0.5) as i32
            };
        }
        first.push(xmin);
        counts.push(u16::try_from(n).unwrap_or(u16::MAX));
    }
    Taps {
        first,
        weights,
        counts,
        ksize,
    }
}

#[inline]
fn clip8(acc: i32) -> u8 {
    (acc >> PRECISION_BITS).clamp(0, 255) as u8
}

/// `img` resampled to exactly `width × height` (each at least 1; 0 is taken as 1) with `filter`,
/// anti-aliased when shrinking, bit for bit as PIL's `Image.resize((width, height), filter)`.
/// An image already of that size is returned as a copy.
///
/// ```
/// use vision_sdk_codec::{Filter, RgbImage, resize};
///
/// let img = RgbImage::from_fn(4000, 3000, |_, _| [200, 100, 50]);
/// let small = resize(&img, 1024, 768, Filter::Bicubic);
/// assert_eq!((small.width(), small.height()), (1024, 768));
/// assert_eq!(small.pixel(500, 300), [200, 100, 50]);
/// ```
pub fn resize(img: &RgbImage, width: u32, height: u32, filter: Filter) -> RgbImage {
    let (width, height) = (width.max(1), height.max(1));
    let (in_w, in_h) = (img.width as usize, img.height as usize);
    let (out_w, out_h) = (width as usize, height as usize);
    if (out_w, out_h) == (in_w, in_h) {
        return img.clone();
    }
    // Horizontal pass over only the rows the vertical pass reads (PIL's `ybox`).
    let vertical = (out_h != in_h).then(|| taps(in_h, out_h, filter));
    let (row_first, row_last) = match &vertical {
        Some(v) => {
            let last = (0..out_h)
                .map(|y| v.first[y] + v.count(y))
                .max()
                .unwrap_or(in_h);
            (v.first.first().copied().unwrap_or(0), last.max(1))
        }
        None => (0, in_h),
    };
    let rows = row_last - row_first;
    let horizontal: Vec<u8> = if out_w != in_w {
        let t = taps(in_w, out_w, filter);
        let mut out = vec![0u8; rows * out_w * 3];
        let src = &img.data[row_first * in_w * 3..row_last * in_w * 3];
        in_parallel(&mut out, out_w * 3, rows * in_w, |first_row, part| {
            for (y, out_row) in part.chunks_exact_mut(out_w * 3).enumerate() {
                let row = first_row + y;
                horizontal_row(&src[row * in_w * 3..(row + 1) * in_w * 3], out_row, &t);
            }
        });
        out
    } else {
        img.data[row_first * in_w * 3..row_last * in_w * 3].to_vec()
    };
    let data = match vertical {
        Some(v) => {
            let stride = out_w * 3;
            let mut out = vec![0u8; out_h * stride];
            in_parallel(
                &mut out,
                stride,
                out_h * out_w * v.ksize,
                |first_row, part| {
                    let mut acc = vec![0i32; stride];
                    for (i, out_row) in part.chunks_exact_mut(stride).enumerate() {
                        let y = first_row + i;
                        acc.fill(1 << (PRECISION_BITS - 1));
                        let start = v.first[y] - row_first;
                        let weights = &v.weights[y * v.ksize..y * v.ksize + v.count(y)];
                        for (j, &w) in weights.iter().enumerate() {
                            let src = &horizontal[(start + j) * stride..(start + j + 1) * stride];
                            for (a, &s) in acc.iter_mut().zip(src) {
                                *a += i32::from(s) * w;
                            }
                        }
                        for (o, &a) in out_row.iter_mut().zip(&acc) {
                            *o = clip8(a);
                        }
                    }
                },
            );
            out
        }
        None => horizontal,
    };
    RgbImage {
        width,
        height,
        data,
    }
}

/// Below this many multiply-adds a pass runs on the calling thread.
const PARALLEL_WORK: usize = 1 << 20;

/// Runs `work(first_row, rows)` over `out` (rows of `stride` bytes) split in two halves on two
/// threads when there is enough `work_units` to pay for a thread and a second core exists.
fn in_parallel(
    out: &mut [u8],
    stride: usize,
    work_units: usize,
    work: impl Fn(usize, &mut [u8]) + Sync,
) {
    let rows = out.len() / stride.max(1);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if work_units < PARALLEL_WORK || cores < 2 || rows < 2 {
        work(0, out);
        return;
    }
    let (top, bottom) = out.split_at_mut(rows / 2 * stride);
    std::thread::scope(|scope| {
        scope.spawn(|| work(rows / 2, bottom));
        work(0, top);
    });
}

fn horizontal_row(src: &[u8], out: &mut [u8], t: &Taps) {
    for (x, px) in out.chunks_exact_mut(3).enumerate() {
        let first = t.first[x];
        let weights = &t.weights[x * t.ksize..(x + 1) * t.ksize];
        let n = t.count(x).min(src.len() / 3 - first);
        let (mut r, mut g, mut b) = (
            1i32 << (PRECISION_BITS - 1),
            1i32 << (PRECISION_BITS - 1),
            1i32 << (PRECISION_BITS - 1),
        );
        for (p, &w) in src[first * 3..(first + n) * 3]
            .chunks_exact(3)
            .zip(&weights[..n])
        {
            r += i32::from(p[0]) * w;
            g += i32::from(p[1]) * w;
            b += i32::from(p[2]) * w;
        }
        px[0] = clip8(r);
        px[1] = clip8(g);
        px[2] = clip8(b);
    }
}
