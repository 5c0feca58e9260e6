use super::*;
use std::sync::atomic::AtomicU32;

fn region() -> Vec<AtomicU32> {
    (0..FRAMEBUFFER_SIZE / 4)
        .map(|_| AtomicU32::new(0))
        .collect()
}

fn write_uniform(w: &[AtomicU32], width: u32, height: u32, value: u32) -> u32 {
    let mut writer = FramebufferWriter::from_words(w).unwrap();
    let mut f = writer.begin_frame();
    f.set_geometry(width, height, ScreenKind::Text).unwrap();
    let row = vec![value; width as usize];
    for y in 0..height {
        f.write_row(y, &row).unwrap();
    }
    let cells = vec![value as u16; 80 * 25];
    f.set_text(80, 25, &cells).unwrap();
    f.set_cursor(Some((value % 80, value % 25)));
    f.set_border(value);
    f.seq()
}

#[test]
fn reader_refuses_an_uninitialised_region() {
    let w = region();
    assert!(matches!(
        FramebufferReader::snapshot_words(&w),
        Err(FramebufferError::NotInitialised { .. })
    ));
}

#[test]
fn byte_views_check_size_and_alignment() {
    let mut small = vec![0u8; 100];
    assert!(matches!(
        FramebufferWriter::new(&mut small),
        Err(FramebufferError::TooSmall { .. })
    ));
    let mut big = vec![0u32; FRAMEBUFFER_SIZE / 4 + 1];
    // u32 storage is 4-aligned, so one byte in is misaligned.
    let bytes: &mut [u8] = as_bytes(&mut big);
    assert_eq!(
        FramebufferWriter::new(&mut bytes[1..]).err(),
        Some(FramebufferError::Misaligned)
    );
    let mut writer = FramebufferWriter::new(&mut bytes[..FRAMEBUFFER_SIZE]).unwrap();
    let mut f = writer.begin_frame();
    f.set_geometry(2, 1, ScreenKind::Graphics).unwrap();
    f.write_row(0, &[0x112233, 0x445566]).unwrap();
    drop(f);
    let frame = FramebufferReader::snapshot(&bytes[..FRAMEBUFFER_SIZE]).unwrap();
    assert_eq!(frame.pixels, vec![0x112233, 0x445566]);
    assert_eq!(frame.kind, ScreenKind::Graphics);
}

/// An aligned byte buffer (a `Vec<u8>` has no alignment guarantee).
fn as_bytes(v: &mut [u32]) -> &mut [u8] {
    let len = v.len() * 4;
    let ptr = v.as_mut_ptr() as *mut u8;
    // SAFETY: u8 has no alignment requirement and every bit pattern is valid; the byte slice
    // covers exactly the u32 slice's memory and inherits its exclusive borrow.
    unsafe { std::slice::from_raw_parts_mut(ptr, len) }
}

#[test]
fn a_frame_round_trips_with_text_cursor_and_border() {
    let w = region();
    let seq = write_uniform(&w, 720, 400, 0x00AB_CDEF);
    let frame = FramebufferReader::snapshot_words(&w).unwrap();
    assert_eq!(frame.seq, seq);
    assert_eq!(
        (frame.width, frame.height, frame.kind),
        (720, 400, ScreenKind::Text)
    );
    assert!(frame.pixels.iter().all(|&p| p == 0x00AB_CDEF));
    assert_eq!(frame.cursor, Some((0x00AB_CDEF % 80, 0x00AB_CDEF % 25)));
    assert_eq!(frame.border, 0x00AB_CDEF);
    assert_eq!(frame.text.cell(79, 24), Some((0xEF, 0xCD)));
}

#[test]
fn rows_out_of_range_or_of_the_wrong_length_are_refused() {
    let w = region();
    let mut writer = FramebufferWriter::from_words(&w).unwrap();
    let mut f = writer.begin_frame();
    assert!(f
        .set_geometry(MAX_WIDTH + 1, 10, ScreenKind::Graphics)
        .is_err());
    f.set_geometry(4, 2, ScreenKind::Graphics).unwrap();
    assert!(f.write_row(2, &[0; 4]).is_err());
    assert!(f.write_row(0, &[0; 3]).is_err());
    assert!(f
        .set_text(MAX_TEXT_COLS + 1, 1, &vec![0; MAX_TEXT_COLS as usize + 1])
        .is_err());
}

#[test]
fn incremental_reader_copies_only_changed_rows_even_across_skipped_frames() {
    let w = region();
    write_uniform(&w, 8, 4, 1);
    let mut reader = FramebufferReader::new();
    assert_eq!(reader.update_words(&w).unwrap(), Some(vec![0, 1, 2, 3]));
    assert_eq!(reader.update_words(&w).unwrap(), None, "nothing new");
    // Two frames the reader does not see one by one: row 1, then row 3.
    for (row, value) in [(1, 7), (3, 9)] {
        let mut writer = FramebufferWriter::from_words(&w).unwrap();
        let mut f = writer.begin_frame();
        f.write_row(row, &[value; 8]).unwrap();
    }
    assert_eq!(reader.update_words(&w).unwrap(), Some(vec![1, 3]));
    assert_eq!(
        reader.frame(),
        &FramebufferReader::snapshot_words(&w).unwrap()
    );
    assert_eq!(reader.frame().pixel(0, 1), Some(7));
    assert_eq!(reader.frame().pixel(0, 3), Some(9));
    assert_eq!(reader.frame().pixel(0, 2), Some(1));
    // A size change means every row.
    write_uniform(&w, 4, 2, 5);
    assert_eq!(reader.update_words(&w).unwrap(), Some(vec![0, 1]));
}

#[test]
fn a_writer_that_died_mid_frame_makes_readers_busy_until_a_new_writer_repairs() {
    let w = region();
    write_uniform(&w, 8, 4, 1);
    let mut reader = FramebufferReader::new();
    reader.update_words(&w).unwrap();
    let mut writer = FramebufferWriter::from_words(&w).unwrap();
    std::mem::forget(writer.begin_frame());
    assert_eq!(
        FramebufferReader::snapshot_words(&w).err(),
        Some(FramebufferError::Busy)
    );
    let _repaired = FramebufferWriter::from_words(&w).unwrap();
    assert_eq!(
        reader.update_words(&w).unwrap(),
        Some(vec![0, 1, 2, 3]),
        "every row is new"
    );
}

#[test]
fn concurrent_reader_never_sees_a_torn_frame() {
    let w = region();
    let stop = std::sync::atomic::AtomicBool::new(false);
    write_uniform(&w, 640, 400, 0);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut value = 1u32;
            while !stop.load(Ordering::SeqCst) {
                // Alternate sizes so geometry and pixels change together.
                let (width, height) = if value & 1 == 0 {
                    (640, 400)
                } else {
                    (320, 200)
                };
                write_uniform(&w, width, height, value);
                value += 1;
                // A real writer pauses between frames (it renders at 70 Hz); without a pause
                // readers would almost never find the number even.
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
        });
        // Stops the writer however this thread leaves the scope (a failed assertion included).
        struct StopOnDrop<'a>(&'a std::sync::atomic::AtomicBool);
        impl Drop for StopOnDrop<'_> {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let _stop = StopOnDrop(&stop);
        let mut incremental = FramebufferReader::new();
        let mut distinct = std::collections::HashSet::new();
        for _ in 0..300 {
            let Ok(frame) = FramebufferReader::snapshot_words(&w) else {
                continue;
            };
            let value = frame.pixels[0];
            distinct.insert(value);
            let expect = if value & 1 == 0 {
                (640, 400)
            } else {
                (320, 200)
            };
            assert_eq!(
                (frame.width, frame.height),
                expect,
                "geometry of frame {value}"
            );
            assert!(
                frame.pixels.iter().all(|&p| p == value),
                "torn pixels in frame {value}"
            );
            assert!(
                frame.text.cells.iter().all(|&c| c == value as u16),
                "torn text in frame {value}"
            );
            assert_eq!(frame.border, value);
            if let Ok(Some(_)) = incremental.update_words(&w) {
                let f = incremental.frame();
                assert!(
                    f.pixels.iter().all(|&p| p == f.pixels[0]),
                    "incremental copy torn"
                );
            }
        }
        stop.store(true, Ordering::SeqCst);
        assert!(
            distinct.len() > 10,
            "the reader raced the writer ({} frames seen)",
            distinct.len()
        );
    });
}

#[test]
fn text_maps_through_code_page_437() {
    assert_eq!(cp437_to_utf8(b"A:\\>"), "A:\\>");
    assert_eq!(cp437_char(0xC9), '╔');
    assert_eq!(cp437_char(0x01), '☺');
    assert_eq!(cp437_char(0xE1), 'ß');
    assert_eq!(cp437_char(0x00), ' ');
    let cells: Vec<u16> = "HI  "
        .bytes()
        .chain([0xB0, b'x', 0, 0])
        .map(|b| b as u16 | 0x0700)
        .collect();
    let t = TextScreen {
        cols: 4,
        rows: 2,
        cells,
    };
    assert_eq!(t.lines(), vec!["HI".to_string(), "░x".to_string()]);
    assert!(t.contains("░x"));
    assert!(!t.contains("HI░"), "search is within a row");
}
