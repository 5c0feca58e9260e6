//! The IDENTIFY DEVICE data of an ATA-6 hard disk with PIO transfers, LBA28 and 48-bit
//! addresses.

use super::drive::AtaDrive;

/// Largest block READ/WRITE MULTIPLE may use.
pub const MAX_MULTIPLE: u8 = 16;

const SERIAL: &str = "CLOISTER-0001";
const FIRMWARE: &str = "0.1";
const MODEL: &str = "Cloister ATA Disk";

/// Writes an ATA string: space-padded, two characters per word, the first in the high byte.
fn put_string(words: &mut [u16], s: &str) {
    let mut bytes = s.bytes().chain(std::iter::repeat(b' '));
    for w in words.iter_mut() {
        let hi = bytes.next().unwrap_or(b' ');
        let lo = bytes.next().unwrap_or(b' ');
        *w = (hi as u16) << 8 | lo as u16;
    }
}

/// The 256 words, as the 512 bytes the host reads (little-endian words).
pub fn identify(d: &AtaDrive) -> Vec<u8> {
    let mut w = [0u16; 256];
    w[0] = 0x0040; // fixed disk
    w[1] = d.default_chs.0;
    w[3] = d.default_chs.1 as u16;
    w[6] = d.default_chs.2 as u16;
    put_string(&mut w[10..20], SERIAL);
    put_string(&mut w[23..27], FIRMWARE);
    put_string(&mut w[27..47], MODEL);
    w[47] = 0x8000 | MAX_MULTIPLE as u16;
    w[49] = 0x0200; // LBA supported
    w[50] = 0x4000;
    w[51] = 0x0200; // PIO mode 2 timing
    w[53] = 0x0003; // words 54–58 and 64–70 valid
    let (cyls, heads, spt) = d.current_chs;
    w[54] = cyls;
    w[55] = heads as u16;
    w[56] = spt as u16;
    let current = cyls as u32 * heads as u32 * spt as u32;
    w[57] = current as u16;
    w[58] = (current >> 16) as u16;
    if d.multiple > 0 {
        w[59] = 0x0100 | d.multiple as u16;
    }
    let lba28 = d.lba28_sectors();
    w[60] = lba28 as u16;
    w[61] = (lba28 >> 16) as u16;
    w[64] = 0x0003; // PIO modes 3 and 4
    w[67] = 120;
    w[68] = 120;
    w[80] = 0x007E; // ATA-1 to ATA-6
    w[82] = 0x0060; // look-ahead and write cache
    w[83] = 0x7400; // FLUSH CACHE, FLUSH CACHE EXT, 48-bit addresses
    w[84] = 0x4000;
    w[85] = 0x0040 | (d.write_cache as u16) << 5;
    w[86] = 0x3400;
    w[87] = 0x4000;
    for (i, w) in w[100..104].iter_mut().enumerate() {
        *w = (d.sectors >> (16 * i)) as u16;
    }
    let mut bytes: Vec<u8> = w.iter().flat_map(|v| v.to_le_bytes()).collect();
    // Word 255: signature A5h and a checksum making all 512 bytes sum to zero.
    bytes[510] = 0xA5;
    let sum = bytes[..511].iter().fold(0u8, |a, &b| a.wrapping_add(b));
    bytes[511] = sum.wrapping_neg();
    bytes
}
