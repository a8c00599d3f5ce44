//! Photos are made small on the device before they are kept or sent: at most `MAX_SIDE` pixels on
//! the long side, re-encoded as JPEG (which also drops the camera's metadata, GPS position
//! included), so a rider's upload over a weak mobile signal stays around 100-300 KB.

use std::io::Cursor;

use image::{ImageFormat, codecs::jpeg::JpegEncoder, imageops::FilterType};

/// Longest side of a kept photo, in pixels.
pub const MAX_SIDE: u32 = 1280;
/// Largest photo kept after downscaling; the server accepts up to 2 MiB.
pub const MAX_BYTES: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("{0}: not a photo this app reads (JPEG, PNG or WebP): {1}")]
    Unreadable(String, String),
    #[error("{0}: the photo stays over {1} KiB even at low quality")]
    TooLarge(String, usize),
}

/// `bytes` (named `name` in messages) as a downscaled JPEG.
pub fn prepare(name: &str, bytes: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let unreadable = |e: &dyn std::fmt::Display| PhotoError::Unreadable(name.to_string(), e.to_string());
    let format = image::guess_format(bytes).map_err(|e| unreadable(&e))?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) {
        return Err(unreadable(&format!("{format:?} is not supported")));
    }
    let img = image::load_from_memory_with_format(bytes, format).map_err(|e| unreadable(&e))?;
    let img = if img.width().max(img.height()) > MAX_SIDE {
        img.resize(MAX_SIDE, MAX_SIDE, FilterType::Triangle)
    } else {
        img
    };
    let rgb = img.to_rgb8();
    for quality in [80, 65, 50] {
        let mut out = Cursor::new(vec![]);
        JpegEncoder::new_with_quality(&mut out, quality).encode_image(&rgb).map_err(|e| unreadable(&e))?;
        let out = out.into_inner();
        if out.len() <= MAX_BYTES {
            return Ok(out);
        }
    }
    Err(PhotoError::TooLarge(name.to_string(), MAX_BYTES / 1024))
}

#[cfg(test)]
mod tests {
    use image::{ImageBuffer, Rgb};

    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = ImageBuffer::from_fn(w, h, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, ((x ^ y) % 256) as u8]));
        let mut out = Cursor::new(vec![]);
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn photos_shrink_to_the_longest_side_and_become_jpeg() {
        let check = |w: u32, h: u32, expected: (u32, u32)| {
            let out = prepare("p.png", &png(w, h)).unwrap();
            assert_eq!(image::guess_format(&out).unwrap(), ImageFormat::Jpeg);
            let back = image::load_from_memory(&out).unwrap();
            assert_eq!((back.width(), back.height()), expected, "{w}x{h}");
            assert!(out.len() <= MAX_BYTES);
        };
        check(4000, 3000, (1280, 960));
        check(1000, 3000, (427, 1280));
        check(640, 480, (640, 480));
    }

    #[test]
    fn what_is_not_a_photo_is_refused_by_name() {
        let e = prepare("notes.txt", b"hello, not an image").unwrap_err();
        assert!(e.to_string().starts_with("notes.txt: not a photo"), "{e}");
        let mut gif = b"GIF89a".to_vec();
        gif.extend([0; 20]);
        assert!(prepare("a.gif", &gif).unwrap_err().to_string().contains("Gif is not supported"));
    }
}
