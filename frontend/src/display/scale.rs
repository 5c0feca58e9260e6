//! Fitting the machine's picture into a window or terminal with its aspect kept: whole-number
//! scales when the picture fits at least once (sharp pixels), nearest-neighbour shrinking when
//! it does not; centred, the rest filled with the border colour.

/// Where the picture lands in the destination: top-left corner and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    pub x: usize,
    pub y: usize,
    pub w: usize,
    pub h: usize,
}

/// The placement of a `sw`×`sh` picture in a `dw`×`dh` area; `None` if either is empty.
pub fn place(sw: usize, sh: usize, dw: usize, dh: usize) -> Option<Placement> {
    if sw == 0 || sh == 0 || dw == 0 || dh == 0 {
        return None;
    }
    let k = (dw / sw).min(dh / sh);
    let (w, h) = if k >= 1 {
        (sw * k, sh * k)
    } else {
        // Shrink: the tighter of the two ratios, in exact integer arithmetic.
        if dw * sh <= dh * sw {
            (dw, (sh * dw / sw).max(1))
        } else {
            ((sw * dh / sh).max(1), dh)
        }
    };
    Some(Placement {
        x: (dw - w) / 2,
        y: (dh - h) / 2,
        w,
        h,
    })
}

/// Draws `src` (`sw`×`sh`, row-major) into `dst` (`dw`×`dh`), placed by [`place`], filling the
/// rest with `border`.
pub fn render(
    src: &[u32],
    sw: usize,
    sh: usize,
    border: u32,
    dst: &mut Vec<u32>,
    dw: usize,
    dh: usize,
) {
    dst.clear();
    dst.resize(dw * dh, border);
    let Some(p) = place(sw, sh, dw, dh) else {
        return;
    };
    if src.len() < sw * sh {
        return;
    }
    let xs: Vec<usize> = (0..p.w).map(|x| x * sw / p.w).collect();
    for y in 0..p.h {
        let sy = y * sh / p.h;
        let srow = &src[sy * sw..(sy + 1) * sw];
        let start = (p.y + y) * dw + p.x;
        for (d, &sx) in dst[start..start + p.w].iter_mut().zip(&xs) {
            *d = srow[sx];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_number_scales_are_used_when_the_picture_fits() {
        assert_eq!(
            place(320, 200, 800, 600),
            Some(Placement {
                x: 80,
                y: 100,
                w: 640,
                h: 400
            })
        );
        assert_eq!(
            place(720, 400, 800, 600),
            Some(Placement {
                x: 40,
                y: 100,
                w: 720,
                h: 400
            })
        );
    }

    #[test]
    fn a_picture_too_big_shrinks_with_its_aspect() {
        let p = place(640, 480, 320, 400).unwrap();
        assert_eq!((p.w, p.h), (320, 240));
        assert_eq!((p.x, p.y), (0, 80));
        assert_eq!(place(0, 10, 10, 10), None);
    }

    #[test]
    fn rendering_doubles_pixels_and_fills_the_border() {
        let src = [1, 2, 3, 4]; // 2×2
        let mut dst = Vec::new();
        render(&src, 2, 2, 9, &mut dst, 6, 4);
        #[rustfmt::skip]
        let want = [
            9, 1, 1, 2, 2, 9,
            9, 1, 1, 2, 2, 9,
            9, 3, 3, 4, 4, 9,
            9, 3, 3, 4, 4, 9,
        ];
        assert_eq!(dst, want);
    }
}
