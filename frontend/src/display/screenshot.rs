//! Screenshots: the machine's current frame as a PNG, pixel for pixel.

use cloister_shared::framebuffer::{Frame, ScreenKind};

/// Why a screenshot could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ScreenshotError {
    #[error("the screen shows nothing yet")]
    Blank,
    #[error("encoding the PNG failed: {0}")]
    Encode(#[from] png::EncodingError),
}

/// Encodes `frame` as an 8-bit RGB PNG of its own size.
pub fn encode_png(frame: &Frame) -> Result<Vec<u8>, ScreenshotError> {
    if frame.kind == ScreenKind::Blank || frame.width == 0 || frame.height == 0 {
        return Err(ScreenshotError::Blank);
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, frame.width, frame.height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header()?;
        let rgb: Vec<u8> = frame
            .pixels
            .iter()
            .flat_map(|&p| [(p >> 16) as u8, (p >> 8) as u8, p as u8])
            .collect();
        writer.write_image_data(&rgb)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_survive_a_round_trip_through_png() {
        let frame = Frame {
            width: 2,
            height: 1,
            kind: ScreenKind::Graphics,
            pixels: vec![0x123456, 0xABCDEF],
            ..Frame::default()
        };
        let png_bytes = encode_png(&frame).unwrap();
        let dec = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = dec.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (2, 1));
        assert_eq!(&buf[..6], &[0x12, 0x34, 0x56, 0xAB, 0xCD, 0xEF]);
        assert!(matches!(
            encode_png(&Frame::default()),
            Err(ScreenshotError::Blank)
        ));
    }
}
