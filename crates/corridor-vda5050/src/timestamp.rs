//! ISO 8601 UTC timestamps as VDA 5050 writes them (`YYYY-MM-DDTHH:mm:ss.fffZ`), kept as
//! Unix milliseconds.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Vda5050Error;

/// 0000-01-01T00:00:00.000Z in Unix milliseconds.
const MIN_MILLIS: i64 = -62_167_219_200_000;
/// 9999-12-31T23:59:59.999Z in Unix milliseconds.
const MAX_MILLIS: i64 = 253_402_300_799_999;
const MILLIS_PER_DAY: i64 = 86_400_000;

/// A point in time with millisecond resolution, written as ISO 8601 UTC.
///
/// Guarantees: every value lies in the years 0000 to 9999, so it always formats as
/// `YYYY-MM-DDTHH:mm:ss.fffZ` (exactly 24 characters), and formatting then parsing gives
/// the same value back. Parsing accepts what vehicles send in practice: any number of
/// fraction digits (or none; digits after the third are truncated), `Z` or a numeric offset
/// `±HH:MM` (converted to UTC), and lower-case `t`/`z` as RFC 3339 allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    unix_millis: i64,
}

impl Timestamp {
    /// The Unix epoch, 1970-01-01T00:00:00.000Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp { unix_millis: 0 };

    /// The timestamp `unix_millis` milliseconds after the Unix epoch (negative: before).
    ///
    /// Fails outside the years 0000 to 9999, which ISO 8601's four-digit year cannot show.
    pub fn from_unix_millis(unix_millis: i64) -> Result<Timestamp, Vda5050Error> {
        if (MIN_MILLIS..=MAX_MILLIS).contains(&unix_millis) {
            Ok(Timestamp { unix_millis })
        } else {
            Err(Vda5050Error::InvalidTimestamp {
                input: format!("{unix_millis} ms since the Unix epoch"),
                problem: "outside the years 0000 to 9999".to_owned(),
            })
        }
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(self) -> i64 {
        self.unix_millis
    }

    /// Converts a [`SystemTime`], truncated to whole milliseconds.
    pub fn from_system_time(time: SystemTime) -> Result<Timestamp, Vda5050Error> {
        let millis = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
            // Before the epoch: round towards the past so truncation stays monotonic.
            Err(before) => {
                let d = before.duration();
                let whole = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
                let partial = i64::from(d.subsec_nanos() % 1_000_000 != 0);
                -whole.saturating_add(partial)
            }
        };
        Timestamp::from_unix_millis(millis)
    }

    /// The same instant as a [`SystemTime`].
    pub fn to_system_time(self) -> SystemTime {
        let magnitude = Duration::from_millis(self.unix_millis.unsigned_abs());
        if self.unix_millis >= 0 {
            UNIX_EPOCH + magnitude
        } else {
            UNIX_EPOCH - magnitude
        }
    }

    /// This timestamp moved by `millis` (negative: earlier); `None` outside years 0000-9999.
    pub fn add_millis(self, millis: i64) -> Option<Timestamp> {
        self.unix_millis
            .checked_add(millis)
            .and_then(|m| Timestamp::from_unix_millis(m).ok())
    }

    /// Parses `YYYY-MM-DDTHH:mm:ss[.f...](Z|±HH:MM)`.
    pub fn parse(text: &str) -> Result<Timestamp, Vda5050Error> {
        parse(text).map_err(|problem| Vda5050Error::InvalidTimestamp {
            input: text.to_owned(),
            problem,
        })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.unix_millis.div_euclid(MILLIS_PER_DAY);
        let in_day = self.unix_millis.rem_euclid(MILLIS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let millis = in_day % 1000;
        let seconds = in_day / 1000;
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        )
    }
}

impl FromStr for Timestamp {
    type Err = Vda5050Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(text)
    }
}

impl TryFrom<SystemTime> for Timestamp {
    type Error = Vda5050Error;

    fn try_from(time: SystemTime) -> Result<Self, Self::Error> {
        Timestamp::from_system_time(time)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ISO 8601 UTC timestamp such as 2017-04-15T11:40:03.123Z")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
                parse(text)
                    .map_err(|problem| E::custom(format_args!("timestamp `{text}`: {problem}")))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`]: (year, month 1-12, day 1-31).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Reads exactly `n` ASCII digits at `pos`.
fn digits(bytes: &[u8], pos: usize, n: usize, what: &str) -> Result<i64, String> {
    let chunk = bytes
        .get(pos..pos + n)
        .ok_or_else(|| format!("ends before the {what}"))?;
    if !chunk.iter().all(u8::is_ascii_digit) {
        return Err(format!("{what} must be {n} digits"));
    }
    Ok(chunk
        .iter()
        .fold(0, |acc, d| acc * 10 + i64::from(d - b'0')))
}

fn expect(bytes: &[u8], pos: usize, wanted: &[u8], what: &str) -> Result<(), String> {
    match bytes.get(pos) {
        Some(b) if wanted.contains(b) => Ok(()),
        Some(_) => Err(format!("expected {what} at position {}", pos + 1)),
        None => Err(format!("ends where {what} was expected")),
    }
}

fn parse(text: &str) -> Result<Timestamp, String> {
    let b = text.as_bytes();
    let year = digits(b, 0, 4, "year")?;
    expect(b, 4, b"-", "`-`")?;
    let month = digits(b, 5, 2, "month")?;
    expect(b, 7, b"-", "`-`")?;
    let day = digits(b, 8, 2, "day")?;
    expect(b, 10, b"Tt", "`T`")?;
    let hour = digits(b, 11, 2, "hour")?;
    expect(b, 13, b":", "`:`")?;
    let minute = digits(b, 14, 2, "minute")?;
    expect(b, 16, b":", "`:`")?;
    let second = digits(b, 17, 2, "second")?;
    let mut pos = 19;
    let mut millis = 0;
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let start = pos;
        while b.get(pos).is_some_and(u8::is_ascii_digit) {
            if pos - start < 3 {
                millis = millis * 10 + i64::from(b[pos] - b'0');
            }
            pos += 1;
        }
        match pos - start {
            0 => return Err("`.` must be followed by fraction digits".to_owned()),
            1 => millis *= 100,
            2 => millis *= 10,
            _ => {}
        }
    }
    let offset_minutes = match b.get(pos) {
        Some(b'Z' | b'z') => {
            pos += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            let sign = if *sign == b'+' { 1 } else { -1 };
            let oh = digits(b, pos + 1, 2, "offset hours")?;
            expect(b, pos + 3, b":", "`:` in the offset")?;
            let om = digits(b, pos + 4, 2, "offset minutes")?;
            if oh > 23 || om > 59 {
                return Err("offset out of range".to_owned());
            }
            pos += 6;
            sign * (oh * 60 + om)
        }
        Some(_) => return Err(format!("expected `Z` or an offset at position {}", pos + 1)),
        None => return Err("missing time zone: UTC timestamps end in `Z`".to_owned()),
    };
    if pos != b.len() {
        return Err(format!("unexpected text after position {pos}"));
    }
    if !(1..=12).contains(&month) {
        return Err(format!("month {month} is not 01-12"));
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(format!("day {day} does not exist in {year:04}-{month:02}"));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(format!(
            "time {hour:02}:{minute:02}:{second:02} is out of range"
        ));
    }
    let days = days_from_civil(year, month, day);
    let local = days * MILLIS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
    let utc = local - offset_minutes * 60_000;
    if (MIN_MILLIS..=MAX_MILLIS).contains(&utc) {
        Ok(Timestamp { unix_millis: utc })
    } else {
        Err("outside the years 0000 to 9999 once converted to UTC".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(text: &str) -> i64 {
        Timestamp::parse(text).unwrap().unix_millis()
    }

    #[test]
    fn known_instants() {
        // Values cross-checked with GNU `date -u -d ... +%s%3N`.
        assert_eq!(ts("1970-01-01T00:00:00.000Z"), 0);
        assert_eq!(ts("2017-04-15T11:40:03.123Z"), 1_492_256_403_123);
        assert_eq!(ts("1991-03-11T11:40:03.12Z"), 668_691_603_120);
        assert_eq!(ts("2000-02-29T23:59:59.999Z"), 951_868_799_999);
        assert_eq!(ts("1969-12-31T23:59:59.999Z"), -1);
        assert_eq!(ts("0000-01-01T00:00:00.000Z"), MIN_MILLIS);
        assert_eq!(ts("9999-12-31T23:59:59.999Z"), MAX_MILLIS);
        assert_eq!(
            Timestamp::from_unix_millis(1_492_256_403_123)
                .unwrap()
                .to_string(),
            "2017-04-15T11:40:03.123Z"
        );
        assert_eq!(
            Timestamp::from_unix_millis(-1).unwrap().to_string(),
            "1969-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn lenient_forms() {
        assert_eq!(ts("2017-04-15T11:40:03Z"), 1_492_256_403_000);
        assert_eq!(ts("2017-04-15T11:40:03.1Z"), 1_492_256_403_100);
        assert_eq!(ts("2017-04-15T11:40:03.123456789Z"), 1_492_256_403_123);
        assert_eq!(ts("2017-04-15t11:40:03.123z"), 1_492_256_403_123);
        assert_eq!(ts("2017-04-15T13:40:03.123+02:00"), 1_492_256_403_123);
        assert_eq!(ts("2017-04-15T04:10:03.123-07:30"), 1_492_256_403_123);
    }

    #[test]
    fn rejects_with_reason() {
        for (text, needle) in [
            ("2017-04-15 11:40:03.123Z", "`T`"),
            ("2017-04-15T11:40:03.123", "time zone"),
            ("2017-02-29T11:40:03.123Z", "does not exist"),
            ("2016-13-01T11:40:03.123Z", "month 13"),
            ("2017-04-15T24:00:00.000Z", "out of range"),
            ("2017-04-15T11:40:60.000Z", "out of range"),
            ("2017-04-15T11:40:03.Z", "fraction digits"),
            ("2017-04-15T11:40:03.123Zjunk", "unexpected text"),
            ("17-04-15T11:40:03.123Z", "year"),
            ("", "ends before the year"),
            ("0000-01-01T00:00:00.000+00:01", "outside the years"),
        ] {
            let err = Timestamp::parse(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text:?}: {err}");
            assert!(err.contains(text), "{err}");
        }
        assert!(Timestamp::from_unix_millis(MAX_MILLIS + 1).is_err());
        assert!(Timestamp::from_unix_millis(MIN_MILLIS - 1).is_err());
    }

    #[test]
    fn system_time_round_trip() {
        let t = Timestamp::from_unix_millis(-1_500).unwrap();
        assert_eq!(Timestamp::from_system_time(t.to_system_time()).unwrap(), t);
        let before = UNIX_EPOCH - Duration::from_micros(1_500);
        assert_eq!(
            Timestamp::from_system_time(before).unwrap().unix_millis(),
            -2
        );
    }

    proptest! {
        #[test]
        fn format_then_parse_is_identity(ms in MIN_MILLIS..=MAX_MILLIS) {
            let t = Timestamp::from_unix_millis(ms).unwrap();
            let text = t.to_string();
            prop_assert_eq!(text.len(), 24);
            prop_assert_eq!(Timestamp::parse(&text).unwrap(), t);
        }

        #[test]
        fn civil_days_round_trip(days in -800_000i64..3_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
            prop_assert_eq!(days_from_civil(y, m, d), days);
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,40}") {
            let _ = Timestamp::parse(&text);
        }

        #[test]
        fn parse_never_panics_near_valid(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,12})?([Zz]|[+-][0-9]{2}:[0-9]{2})?") {
            if let Ok(t) = Timestamp::parse(&text) {
                prop_assert!((MIN_MILLIS..=MAX_MILLIS).contains(&t.unix_millis()));
            }
        }
    }
}
