//! CPU models: every behaviour that differs between the chips we emulate is decided here.
//!
//! The interpreter never compares `CpuModel` values; it asks the [`Quirks`] of the model, a
//! struct of behaviour switches filled in once by [`CpuModel::quirks`].

/// Which chip the CPU behaves as.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum CpuModel {
    /// Intel 8086/8088: PUSH SP pushes the new SP, shift counts not masked, POP CS, aliases of
    /// undefined opcodes, a divide error pushes the next IP.
    I8086,
    /// An i686-class CPU (the default).
    #[default]
    I686,
}

/// The behaviour switches of one model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quirks {
    /// 186+ opcodes (PUSHA, BOUND, IMUL imm, shifts by imm8, ENTER/LEAVE, INS/OUTS) exist. When
    /// false, 0x60–0x6F alias the Jcc at 0x70–0x7F and 0xC0/C1/C8/C9 alias RET/RETF.
    pub has_186_ops: bool,
    /// 386+ features: 0x66/0x67 prefixes, FS/GS, 32-bit registers, the 0x0F opcode page. When false
    /// 0x0F is POP CS (8086).
    pub has_386_ops: bool,
    /// Undefined opcodes raise #UD (INT 6). When false they alias a documented neighbour (8086).
    pub raises_ud: bool,
    /// PUSH SP pushes the value SP has after the decrement (8086) instead of before.
    pub push_sp_decremented: bool,
    /// Mask applied to shift and rotate counts (0x1F from the 186 on, 0xFF on the 8086).
    pub shift_count_mask: u8,
    /// A divide error pushes the address of the next instruction (8086) instead of the faulting one.
    pub div_error_pushes_next_ip: bool,
    /// IDIV raises #DE when the quotient is the most negative value (8086), which later chips
    /// return.
    pub idiv_rejects_min_quotient: bool,
    /// An unsigned divide overflow leaves the flags of `high half − divisor`, the microcode's
    /// overflow test (8086); later chips leave them unchanged.
    pub div_overflow_sets_flags: bool,
    /// A REP prefix on MUL/IMUL/IDIV negates the result (8086 microcode reuses the REP flag as a
    /// sign flag).
    pub rep_negates_mul_div: bool,
    /// FLAGS bits that always read as one (bits 12–15 on the 8086, bit 1 everywhere).
    pub flags_fixed_ones: u32,
    /// FLAGS bits that software can change.
    pub flags_writable: u32,
    /// A word or dword access running past a segment's limit raises #GP/#SS (286+); when false it
    /// wraps around inside the segment (8086).
    pub segment_limit_checks: bool,
    /// Linear addresses are cut to 20 bits by the chip itself (8086), not only by the A20 gate.
    pub address_mask: u32,
    /// The group 0xD0–0xD3 /6 form: SETMO (8086, result all ones) instead of an alias of SHL.
    pub shift_slot6_is_setmo: bool,
    /// SALC (0xD6) exists: AL = CF ? 0xFF : 0.
    pub has_salc: bool,
    /// 8086 DAA/DAS: the high-digit adjustment is decided on AL > 0x9F when AF is set (not
    /// AL > 0x99 always), and the carry of the low-digit adjustment does not reach CF.
    pub bcd_8086_rules: bool,
    /// AAM 0 sets SF ZF PF from a zero result (and clears AF) before raising #DE (8086).
    pub aam_zero_sets_flags: bool,
    /// 0xF1 is an alias of the LOCK prefix (8086) rather than INT1/ICEBP.
    pub f1_is_lock: bool,
}

impl CpuModel {
    /// The behaviour switches of this model.
    pub const fn quirks(self) -> Quirks {
        match self {
            CpuModel::I8086 => Quirks {
                has_186_ops: false,
                has_386_ops: false,
                raises_ud: false,
                push_sp_decremented: true,
                shift_count_mask: 0xFF,
                div_error_pushes_next_ip: true,
                idiv_rejects_min_quotient: true,
                div_overflow_sets_flags: true,
                rep_negates_mul_div: true,
                flags_fixed_ones: 0xF002,
                flags_writable: 0x0FD5,
                segment_limit_checks: false,
                address_mask: 0xF_FFFF,
                shift_slot6_is_setmo: true,
                has_salc: true,
                bcd_8086_rules: true,
                aam_zero_sets_flags: true,
                f1_is_lock: true,
            },
            CpuModel::I686 => Quirks {
                has_186_ops: true,
                has_386_ops: true,
                raises_ud: true,
                push_sp_decremented: false,
                shift_count_mask: 0x1F,
                div_error_pushes_next_ip: false,
                idiv_rejects_min_quotient: false,
                div_overflow_sets_flags: false,
                rep_negates_mul_div: false,
                flags_fixed_ones: 0x0002,
                // CF PF AF ZF SF TF IF DF OF IOPL NT RF VM AC VIF VIP ID
                flags_writable: 0x003F_7FD5,
                segment_limit_checks: true,
                address_mask: 0xFFFF_FFFF,
                shift_slot6_is_setmo: false,
                has_salc: true,
                bcd_8086_rules: false,
                aam_zero_sets_flags: false,
                f1_is_lock: false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_differ_where_documented() {
        let a = CpuModel::I8086.quirks();
        let b = CpuModel::I686.quirks();
        assert!(a.push_sp_decremented && !b.push_sp_decremented);
        assert_eq!(a.shift_count_mask, 0xFF);
        assert_eq!(b.shift_count_mask, 0x1F);
        assert_eq!(a.flags_fixed_ones & 0xF000, 0xF000);
        assert_eq!(b.flags_fixed_ones & 0xF000, 0);
    }
}
