//! The time zone that decides "today" (`--tz`): where midnight falls, so when the day's
//! queue and agent figures start again, and the clock times a supervisor reads. Pure:
//! the zone's rules are data (the IANA database compiled in, or the system's own zone).

use crate::wire::Ts;
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A time zone: the system's, or one of the IANA database by name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Zone {
    /// The machine's own zone (`TZ`, else /etc/localtime).
    #[default]
    Local,
    Named(chrono_tz::Tz),
}

impl Zone {
    /// `local`, `UTC`, or an IANA name such as `Europe/Paris`.
    pub fn parse(s: &str) -> Result<Zone, String> {
        match s.trim() {
            "local" => Ok(Zone::Local),
            "utc" | "Z" => Ok(Zone::Named(chrono_tz::UTC)),
            name => name.parse::<chrono_tz::Tz>().map(Zone::Named).map_err(|_| {
                format!(
                    "{name:?} is not a time zone: use local, UTC or an IANA name like Europe/Paris"
                )
            }),
        }
    }

    /// The start of the local day `t` falls in.
    pub fn midnight_before(self, t: Ts) -> Ts {
        self.midnight_of(self.date_of(t))
    }

    /// The first local midnight after `t`'s day: when "today" ends.
    pub fn midnight_after(self, t: Ts) -> Ts {
        let date = self.date_of(t);
        self.midnight_of(date.checked_add_days(Days::new(1)).unwrap_or(date))
    }

    /// `HH:MM:SS` in this zone.
    pub fn hms(self, t: Ts) -> String {
        self.format(t, "%H:%M:%S")
    }

    /// `HH:MM` in this zone.
    pub fn hm(self, t: Ts) -> String {
        self.format(t, "%H:%M")
    }

    /// `YYYY-MM-DD` in this zone.
    pub fn date(self, t: Ts) -> String {
        self.format(t, "%Y-%m-%d")
    }

    /// The zone's short name at `t` (`CET`, `EDT`, `UTC`), or its offset when it has
    /// none (`+0530`).
    pub fn abbreviation(self, t: Ts) -> String {
        match self {
            Zone::Local => chrono::Local
                .from_utc_datetime(&t.to_datetime().naive_utc())
                .format("%:z")
                .to_string()
                .replace("+00:00", "UTC"),
            Zone::Named(tz) => {
                let s = tz
                    .from_utc_datetime(&t.to_datetime().naive_utc())
                    .format("%Z")
                    .to_string();
                match s.starts_with(['+', '-']) {
                    true => tz
                        .offset_from_utc_datetime(&t.to_datetime().naive_utc())
                        .fix()
                        .to_string(),
                    false => s,
                }
            }
        }
    }

    /// How far this zone's clock is ahead of UTC at `t`, in milliseconds.
    pub fn offset_ms(self, t: Ts) -> i64 {
        let utc = t.to_datetime().naive_utc();
        let secs = match self {
            Zone::Local => chrono::Local
                .offset_from_utc_datetime(&utc)
                .fix()
                .local_minus_utc(),
            Zone::Named(tz) => tz.offset_from_utc_datetime(&utc).fix().local_minus_utc(),
        };
        i64::from(secs) * 1000
    }

    fn format(self, t: Ts, f: &str) -> String {
        let utc = t.to_datetime().naive_utc();
        match self {
            Zone::Local => chrono::Local.from_utc_datetime(&utc).format(f).to_string(),
            Zone::Named(tz) => tz.from_utc_datetime(&utc).format(f).to_string(),
        }
    }

    fn date_of(self, t: Ts) -> NaiveDate {
        let utc = t.to_datetime().naive_utc();
        match self {
            Zone::Local => chrono::Local.from_utc_datetime(&utc).date_naive(),
            Zone::Named(tz) => tz.from_utc_datetime(&utc).date_naive(),
        }
    }

    /// The first instant of `date` here (a day whose midnight a clock change skips
    /// starts at the first time that exists).
    fn midnight_of(self, date: NaiveDate) -> Ts {
        fn first<Z: TimeZone>(z: &Z, date: NaiveDate) -> Option<DateTime<Utc>> {
            (0..=24 * 4).find_map(|quarter| {
                let time = NaiveTime::MIN + chrono::Duration::minutes(quarter * 15);
                z.from_local_datetime(&date.and_time(time))
                    .earliest()
                    .map(|d| d.with_timezone(&Utc))
            })
        }
        let d = match self {
            Zone::Local => first(&chrono::Local, date),
            Zone::Named(tz) => first(&tz, date),
        };
        d.map_or(Ts(0), |d| Ts(d.timestamp_millis()))
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Local => f.write_str("local"),
            Zone::Named(tz) => f.write_str(tz.name()),
        }
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Zone, D::Error> {
        let s = String::deserialize(d)?;
        Zone::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Ts {
        Ts::parse(s).unwrap()
    }

    #[test]
    fn midnights_follow_the_zone_and_its_clock_changes() {
        let paris = Zone::parse("Europe/Paris").unwrap();
        // 2026-03-29: Paris moves from +01:00 to +02:00 at 02:00; the day is 23 hours.
        let t = at("2026-03-29T12:00:00Z");
        assert_eq!(paris.midnight_before(t), at("2026-03-28T23:00:00Z"));
        assert_eq!(paris.midnight_after(t), at("2026-03-29T22:00:00Z"));
        assert_eq!(paris.hms(t), "14:00:00");
        assert_eq!(paris.abbreviation(t), "CEST");
        let utc = Zone::parse("UTC").unwrap();
        assert_eq!(utc.midnight_before(t), at("2026-03-29T00:00:00Z"));
        assert_eq!(utc.abbreviation(t), "UTC");
        // A zone whose names are offsets says the offset.
        let kolkata = Zone::parse("Asia/Kolkata").unwrap();
        assert_eq!(kolkata.midnight_before(t), at("2026-03-28T18:30:00Z"));
        assert_eq!(kolkata.abbreviation(t), "IST");
    }

    #[test]
    fn a_bad_zone_is_one_clear_line() {
        let e = Zone::parse("Mars/Olympus").unwrap_err();
        assert!(e.contains("IANA") && !e.contains('\n'), "{e}");
        assert_eq!(Zone::parse("local"), Ok(Zone::Local));
        let back: Zone = serde_json::from_str(r#""America/New_York""#).unwrap();
        assert_eq!(back.to_string(), "America/New_York");
    }
}
