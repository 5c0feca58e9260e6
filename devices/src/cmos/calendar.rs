//! Calendar arithmetic for the RTC: seconds since 1970-01-01 00:00:00 to date and time and back,
//! and the BCD/binary and 12/24-hour encodings of register B.

/// A broken-down date and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 1 = Sunday … 7 = Saturday, as the RTC counts.
    pub weekday: u32,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (era-based day counting).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let shifted_month = (month as i64 + 9) % 12; // March = 0
    let day_of_year = (153 * shifted_month + 2) / 5 + day as i64 - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` after 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + (month <= 2) as i64;
    (year, month, day)
}

impl DateTime {
    pub fn from_secs(secs: i64) -> Self {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        DateTime {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem / 60 % 60,
            second: rem % 60,
            // 1970-01-01 was a Thursday (weekday 5 counting Sunday as 1).
            weekday: ((days + 4).rem_euclid(7) + 1) as u32,
        }
    }

    /// Seconds since 1970; out-of-range fields are clamped rather than rejected, as a guest may
    /// write anything.
    pub fn to_secs(&self) -> i64 {
        let month = self.month.clamp(1, 12);
        let day = self.day.clamp(1, 31);
        days_from_civil(self.year, month, day) * 86_400
            + self.hour.min(23) as i64 * 3600
            + self.minute.min(59) as i64 * 60
            + self.second.min(59) as i64
    }
}

pub fn to_bcd(v: u32) -> u8 {
    let v = v % 100;
    (((v / 10) << 4) | (v % 10)) as u8
}

pub fn from_bcd(v: u8) -> u32 {
    (v >> 4) as u32 * 10 + (v & 15) as u32
}

/// Encodes a register value in binary or BCD as register B's DM bit asks.
pub fn encode(v: u32, binary: bool) -> u8 {
    if binary {
        v as u8
    } else {
        to_bcd(v)
    }
}

pub fn decode(v: u8, binary: bool) -> u32 {
    if binary {
        v as u32
    } else {
        from_bcd(v)
    }
}

/// The hours register: 24-hour, or 1–12 with bit 7 for PM.
pub fn encode_hour(hour: u32, binary: bool, h24: bool) -> u8 {
    if h24 {
        return encode(hour, binary);
    }
    let h12 = match hour % 12 {
        0 => 12,
        h => h,
    };
    encode(h12, binary) | if hour >= 12 { 0x80 } else { 0 }
}

pub fn decode_hour(v: u8, binary: bool, h24: bool) -> u32 {
    if h24 {
        return decode(v, binary);
    }
    let h12 = decode(v & 0x7F, binary) % 12;
    h12 + if v & 0x80 != 0 { 12 } else { 0 }
}
