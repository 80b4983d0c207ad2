//! Timestamps as the platform writes them, parsed leniently (`Z`, `+0000`, `+00:00`,
//! with or without fractional seconds) into milliseconds since the Unix epoch.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time, in milliseconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ts(pub i64);

impl Ts {
    /// Parses any timestamp spelling the platform is known to use.
    pub fn parse(s: &str) -> Option<Ts> {
        parse_fast(s.as_bytes()).or_else(|| {
            DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|d| Ts(d.timestamp_millis()))
        })
    }

    /// The current wall-clock time.
    pub fn now() -> Ts {
        Ts(Utc::now().timestamp_millis())
    }

    /// As a chrono UTC datetime.
    pub fn to_datetime(self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// RFC 3339 with milliseconds and `Z`, e.g. `2020-06-23T01:05:44.013Z`.
    pub fn to_rfc3339(self) -> String {
        match rfc3339_millis(self.0) {
            Some(text) => text,
            None => self
                .to_datetime()
                .to_rfc3339_opts(SecondsFormat::Millis, true),
        }
    }

    /// [`to_rfc3339`](Ts::to_rfc3339), written to `out` (a CSV row has two).
    pub fn write_rfc3339(self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        match rfc3339_bytes(self.0) {
            Some(b) => out.write_all(&b),
            None => out.write_all(self.to_rfc3339().as_bytes()),
        }
    }

    /// Milliseconds from `self` to `later` (never negative).
    pub fn millis_until(self, later: Ts) -> i64 {
        (later.0 - self.0).max(0)
    }

    /// This time shifted by `ms` milliseconds.
    pub fn plus_millis(self, ms: i64) -> Ts {
        Ts(self.0.saturating_add(ms))
    }
}

impl std::fmt::Display for Ts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut n = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (c - b'0') as u32;
    }
    Some(n)
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard
/// Hinnant's `days_from_civil`); `None` for a month or day that does not exist, as
/// chrono's `NaiveDate::from_ymd_opt` (which cost ~1.5 % of a report) says.
fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d == 0 || d > month_days {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * i64::from((m + 9) % 12) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// `YYYY-MM-DDTHH:MM:SS[.fff…][Z|±HH[:]MM]` without allocating.
fn parse_fast(b: &[u8]) -> Option<Ts> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let days = days_from_civil(
        digits(&b[0..4])? as i64,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )?;
    let (h, mi, s) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0u32;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 3 {
                millis = millis * 10 + (b[i] - b'0') as u32;
            }
            i += 1;
        }
        let n = i - start;
        if n == 0 {
            return None;
        }
        for _ in n..3 {
            millis *= 10;
        }
    }
    let offset_secs: i64 = match &b[i..] {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (oh, om) = match rest {
                [a, b2, b':', c, d] => (digits(&[*a, *b2])?, digits(&[*c, *d])?),
                [a, b2, c, d] => (digits(&[*a, *b2])?, digits(&[*c, *d])?),
                [a, b2] => (digits(&[*a, *b2])?, 0),
                _ => return None,
            };
            let secs = (oh * 3600 + om * 60) as i64;
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    let secs = days * 86_400 + (h * 3600 + mi * 60 + s) as i64 - offset_secs;
    Some(Ts(secs * 1000 + millis as i64))
}

impl Serialize for Ts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Ts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Ts;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an ISO 8601 timestamp")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Ts, E> {
                Ts::parse(v).ok_or_else(|| E::custom(format!("bad timestamp {v:?}")))
            }
        }
        d.deserialize_str(V)
    }
}

/// [`Ts::to_rfc3339`] of `ms` for the years 0000–9999 (`None` outside them), written
/// without chrono's formatter: a report writes two for every party row. The date is
/// Howard Hinnant's `civil_from_days`.
fn rfc3339_millis(ms: i64) -> Option<String> {
    rfc3339_bytes(ms).and_then(|b| String::from_utf8(b.to_vec()).ok())
}

/// [`rfc3339_millis`]'s bytes.
fn rfc3339_bytes(ms: i64) -> Option<[u8; 24]> {
    let secs = ms.div_euclid(1000);
    let (days, day_secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if !(0..=9999).contains(&year) {
        return None;
    }
    let mut b = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, mut v: i64| {
        for i in (at..at + width).rev() {
            b[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, day_secs / 3600);
    put(14, 2, day_secs / 60 % 60);
    put(17, 2, day_secs % 60);
    put(20, 3, ms.rem_euclid(1000));
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// chrono's spelling, which [`rfc3339_millis`] must equal.
    fn chrono_rfc3339(ms: i64) -> String {
        Ts(ms)
            .to_datetime()
            .to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    proptest::proptest! {
        /// Every four-digit year's dates, and the months and days that do not exist,
        /// as chrono counts them.
        #[test]
        fn days_from_civil_is_chronos(y in 0i64..10_000, m in 0u32..14, d in 0u32..33) {
            let chrono = chrono::NaiveDate::from_ymd_opt(y as i32, m, d).map(|date| {
                let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
                date.signed_duration_since(epoch).num_days()
            });
            proptest::prop_assert_eq!(days_from_civil(y, m, d), chrono);
        }
    }

    #[test]
    fn days_from_civil_is_chronos_on_every_day_of_the_edge_years() {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        for y in [
            0, 1, 4, 100, 400, 1582, 1900, 1969, 1970, 2000, 2024, 2100, 9999,
        ] {
            for m in 0..14 {
                for d in 0..33 {
                    let chrono = chrono::NaiveDate::from_ymd_opt(y as i32, m, d)
                        .map(|date| date.signed_duration_since(epoch).num_days());
                    assert_eq!(days_from_civil(y, m, d), chrono, "{y}-{m}-{d}");
                }
            }
        }
    }

    #[test]
    fn the_fast_rfc3339_is_chronos_in_its_years_and_declines_outside() {
        let edges = [
            0,
            -1,
            1,
            999,
            -999,
            -1000,
            951_782_400_000, // 2000-02-29
            4_107_542_399_999,
            253_402_300_799_999, // 9999-12-31T23:59:59.999
            -62_167_219_200_000, // 0000-01-01
            -62_167_219_200_001, // before it
            253_402_300_800_000, // 10000-01-01
            1_700_000_000_123,
        ];
        for ms in edges {
            match rfc3339_millis(ms) {
                Some(fast) => assert_eq!(fast, chrono_rfc3339(ms), "{ms}"),
                None => assert!(!(-62_167_219_200_000..=253_402_300_799_999).contains(&ms)),
            }
        }
        // Every day of 1900–2100 at a changing time of day, and random instants.
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        for day in -25_567..47_482_i64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let ms = day * 86_400_000 + (x % 86_400_000) as i64;
            assert_eq!(rfc3339_millis(ms).unwrap(), chrono_rfc3339(ms), "{ms}");
            let anywhere = (x % 253_402_300_800_000) as i64 - 62_167_219_200_000 / 2;
            assert_eq!(rfc3339_millis(anywhere).unwrap(), chrono_rfc3339(anywhere));
        }
    }

    #[test]
    fn every_spelling() {
        let z = Ts::parse("2020-09-07T21:50:02.737Z").unwrap();
        assert_eq!(Ts::parse("2020-09-07T21:50:02.737+0000"), Some(z));
        assert_eq!(Ts::parse("2020-09-07T21:50:02.737+00:00"), Some(z));
        assert_eq!(Ts::parse("2020-09-07T23:50:02.737+02:00"), Some(z));
        assert_eq!(Ts::parse("2020-09-07T21:50:02Z").unwrap().0, z.0 - 737);
        assert_eq!(Ts::parse("2020-09-07T21:50:02.7Z").unwrap().0, z.0 - 37);
        assert_eq!(Ts::parse("2020-09-07T21:50:02.737123Z"), Some(z));
        assert_eq!(z.to_rfc3339(), "2020-09-07T21:50:02.737Z");
        assert_eq!(
            z.0,
            chrono::DateTime::parse_from_rfc3339("2020-09-07T21:50:02.737Z")
                .unwrap()
                .timestamp_millis()
        );
        for bad in [
            "",
            "2020",
            "2020-13-01T00:00:00Z",
            "2020-09-07T21:50:02.Z",
            "x020-09-07T21:50:02Z",
            "2020-09-07T21:50:02+1",
        ] {
            assert_eq!(Ts::parse(bad), None, "{bad}");
        }
    }
}
