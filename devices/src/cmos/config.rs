//! The machine configuration the BIOS reads from CMOS NVRAM: memory sizes, drives, equipment
//! and boot order, with the standard checksum over 10h–2Dh.

use serde::{Deserialize, Serialize};

/// CMOS floppy drive type codes (register 10h nibbles).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FloppyType {
    #[default]
    None = 0,
    K360 = 1,
    M1_2 = 2,
    K720 = 3,
    M1_44 = 4,
    M2_88 = 5,
}

/// Boot devices in the 3Dh/38h nibble encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BootDevice {
    Floppy = 1,
    HardDisk = 2,
    Cdrom = 3,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineConfig {
    pub ram_bytes: u64,
    pub floppies: [FloppyType; 2],
    /// Hard disks present as primary master and slave.
    pub hard_disks: [bool; 2],
    /// First, second and third boot device.
    pub boot_order: Vec<BootDevice>,
    pub fpu: bool,
    /// What the RTC shows at power-on, in seconds since 1970 in the zone it should keep; `None`
    /// takes the host's clock (UTC).
    pub rtc_start_secs: Option<i64>,
}

impl Default for MachineConfig {
    fn default() -> Self {
        MachineConfig {
            ram_bytes: 16 << 20,
            floppies: [FloppyType::M1_44, FloppyType::None],
            hard_disks: [false, false],
            boot_order: vec![BootDevice::Floppy, BootDevice::HardDisk],
            fpu: true,
            rtc_start_secs: None,
        }
    }
}

/// Register indexes the BIOS looks at.
pub mod reg {
    pub const FLOPPY_TYPES: usize = 0x10;
    pub const HARD_DISK_TYPES: usize = 0x12;
    pub const EQUIPMENT: usize = 0x14;
    pub const BASE_MEM_LO: usize = 0x15;
    pub const EXT_MEM_LO: usize = 0x17;
    pub const HD0_EXT_TYPE: usize = 0x19;
    pub const HD1_EXT_TYPE: usize = 0x1A;
    pub const CHECKSUM_HI: usize = 0x2E;
    pub const EXT_MEM2_LO: usize = 0x30;
    pub const CENTURY: usize = 0x32;
    pub const MEM_ABOVE_16M_LO: usize = 0x34;
    pub const BOOT_THIRD: usize = 0x38;
    pub const BOOT_ORDER: usize = 0x3D;
}

fn put16(ram: &mut [u8], at: usize, v: u64) {
    let v = v.min(0xFFFF) as u16;
    ram[at] = v as u8;
    ram[at + 1] = (v >> 8) as u8;
}

/// Fills the configuration registers of a 128-byte NVRAM image.
pub fn apply(ram: &mut [u8], cfg: &MachineConfig) {
    ram[reg::FLOPPY_TYPES] = (cfg.floppies[0] as u8) << 4 | cfg.floppies[1] as u8;
    // Type 15 in the nibble says "see the extended type byte"; 47 is the user-defined type.
    let mut hd = 0;
    if cfg.hard_disks[0] {
        hd |= 0xF0;
        ram[reg::HD0_EXT_TYPE] = 47;
    }
    if cfg.hard_disks[1] {
        hd |= 0x0F;
        ram[reg::HD1_EXT_TYPE] = 47;
    }
    ram[reg::HARD_DISK_TYPES] = hd;
    let floppies = cfg
        .floppies
        .iter()
        .filter(|&&f| f != FloppyType::None)
        .count() as u8;
    // Bits 7–6 floppies less one, bits 5–4 00 = EGA/VGA, bit 1 FPU, bit 0 floppy present.
    let mut equipment = (cfg.fpu as u8) << 1;
    if floppies > 0 {
        equipment |= 1 | (floppies - 1) << 6;
    }
    ram[reg::EQUIPMENT] = equipment;
    let kib = cfg.ram_bytes / 1024;
    put16(ram, reg::BASE_MEM_LO, kib.min(640));
    let ext_kib = kib.saturating_sub(1024);
    put16(ram, reg::EXT_MEM_LO, ext_kib);
    put16(ram, reg::EXT_MEM2_LO, ext_kib);
    put16(
        ram,
        reg::MEM_ABOVE_16M_LO,
        cfg.ram_bytes.saturating_sub(16 << 20) / 65_536,
    );
    let boot = |i: usize| cfg.boot_order.get(i).map_or(0, |&d| d as u8);
    ram[reg::BOOT_ORDER] = boot(0) | boot(1) << 4;
    ram[reg::BOOT_THIRD] = (ram[reg::BOOT_THIRD] & 0x0F) | boot(2) << 4;
    update_checksum(ram);
}

/// The checksum of 10h–2Dh, stored big-endian at 2Eh–2Fh.
pub fn update_checksum(ram: &mut [u8]) {
    let sum: u16 = ram[0x10..0x2E].iter().map(|&b| b as u16).sum();
    ram[reg::CHECKSUM_HI] = (sum >> 8) as u8;
    ram[reg::CHECKSUM_HI + 1] = sum as u8;
}
