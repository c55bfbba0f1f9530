//! The raster the charts draw on, encoded as an 8-bit RGB PNG by the `png` crate.

use super::Rgb;
use super::font::{ADVANCE, HEIGHT, glyph};

/// An RGB image being drawn.
pub(super) struct Raster {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl Raster {
    /// A white image.
    pub(super) fn new(width: u32, height: u32) -> Self {
        let len = width as usize * height as usize * 3;
        Raster {
            width,
            height,
            pixels: vec![255; len],
        }
    }

    fn put(&mut self, x: i64, y: i64, color: Rgb) {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return;
        }
        let index = (y as usize * self.width as usize + x as usize) * 3;
        if let Some(pixel) = self.pixels.get_mut(index..index + 3) {
            pixel.copy_from_slice(&[color.0, color.1, color.2]);
        }
    }

    /// Fills the rectangle `[x, x + w) x [y, y + h)`.
    pub(super) fn fill_rect(&mut self, x: f64, y: f64, w: f64, h: f64, color: Rgb) {
        let (x0, y0) = (x.round() as i64, y.round() as i64);
        let (x1, y1) = ((x + w).round() as i64, (y + h).round() as i64);
        for py in y0..y1 {
            for px in x0..x1 {
                self.put(px, py, color);
            }
        }
    }

    /// A line `width` pixels thick.
    pub(super) fn line(&mut self, from: (f64, f64), to: (f64, f64), width: f64, color: Rgb) {
        let steps = ((to.0 - from.0).abs().max((to.1 - from.1).abs()).ceil() as i64).max(1);
        let half = (width / 2.0).max(0.5);
        for step in 0..=steps {
            let t = step as f64 / steps as f64;
            let x = from.0 + (to.0 - from.0) * t;
            let y = from.1 + (to.1 - from.1) * t;
            self.fill_rect(x - half, y - half, half * 2.0, half * 2.0, color);
        }
    }

    /// A filled disc.
    pub(super) fn disc(&mut self, cx: f64, cy: f64, r: f64, color: Rgb) {
        let (x0, x1) = ((cx - r).floor() as i64, (cx + r).ceil() as i64);
        let (y0, y1) = ((cy - r).floor() as i64, (cy + r).ceil() as i64);
        for py in y0..=y1 {
            for px in x0..=x1 {
                let (dx, dy) = (px as f64 + 0.5 - cx, py as f64 + 0.5 - cy);
                if dx * dx + dy * dy <= r * r {
                    self.put(px, py, color);
                }
            }
        }
    }

    /// Text with the bitmap font, `scale` pixels per font pixel, its top-left at `(x, y)`.
    pub(super) fn text(&mut self, x: f64, y: f64, text: &str, scale: u32, color: Rgb) {
        let mut pen = x.round() as i64;
        let top = y.round() as i64;
        let scale = i64::from(scale.max(1));
        for c in text.chars() {
            for (column, bits) in glyph(c).iter().enumerate() {
                for row in 0..HEIGHT as i64 {
                    if bits & (1 << row) != 0 {
                        for sy in 0..scale {
                            for sx in 0..scale {
                                self.put(
                                    pen + column as i64 * scale + sx,
                                    top + row * scale + sy,
                                    color,
                                );
                            }
                        }
                    }
                }
            }
            pen += i64::from(ADVANCE) * scale;
        }
    }

    /// The image as PNG bytes.
    pub(super) fn to_png(&self) -> Vec<u8> {
        let mut png = Vec::new();
        let mut encoder = png::Encoder::new(&mut png, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Writing into a Vec cannot fail, and the pixel buffer is `width * height * 3` bytes
        // by construction: an error here would be a bug, answered with an empty image.
        let written = encoder.write_header().and_then(|mut writer| {
            writer.write_image_data(&self.pixels)?;
            writer.finish()
        });
        if written.is_err() {
            return Vec::new();
        }
        png
    }
}

/// Width in pixels of `text` drawn at `scale`.
pub(super) fn text_width(text: &str, scale: u32) -> f64 {
    f64::from(ADVANCE * scale) * text.chars().count() as f64 - f64::from(scale)
}

/// Height in pixels of text drawn at `scale`.
pub(super) fn text_height(scale: u32) -> f64 {
    f64::from(HEIGHT * scale)
}
