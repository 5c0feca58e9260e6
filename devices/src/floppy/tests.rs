//! Unit tests of the floppy pieces; whole commands through DMA are tested in the disk group.

use super::geometry::*;

#[test]
fn geometry_from_image_size() {
    let cases = [
        (163_840, (40, 1, 8)),
        (184_320, (40, 1, 9)),
        (327_680, (40, 2, 8)),
        (368_640, (40, 2, 9)),
        (737_280, (80, 2, 9)),
        (1_228_800, (80, 2, 15)),
        (1_474_560, (80, 2, 18)),
        (2_949_120, (80, 2, 36)),
    ];
    for (size, (c, h, s)) in cases {
        let g = Geometry::from_size(size).unwrap();
        assert_eq!((g.cylinders, g.heads, g.sectors), (c, h, s));
        assert_eq!(g.total_bytes(), size);
    }
    assert_eq!(Geometry::from_size(1_474_561), None);
    assert_eq!(Geometry::from_size(0), None);
}

#[test]
fn data_rates_per_format() {
    let g = |size| Geometry::from_size(size).unwrap();
    assert!(g(1_474_560).accepts_rate(RATE_500K) && !g(1_474_560).accepts_rate(RATE_250K));
    assert!(g(737_280).accepts_rate(RATE_250K) && !g(737_280).accepts_rate(RATE_300K));
    assert!(g(368_640).accepts_rate(RATE_300K) && g(368_640).accepts_rate(RATE_250K));
    assert!(g(2_949_120).accepts_rate(RATE_1M));
    assert!(g(1_228_800).accepts_rate(RATE_500K));
}

#[test]
fn sector_offsets() {
    let g = Geometry::from_size(1_474_560).unwrap();
    assert_eq!(g.offset(0, 0, 1), 0);
    assert_eq!(g.offset(0, 1, 1), 18 * 512);
    assert_eq!(g.offset(79, 1, 18), 1_474_560 - 512);
}
