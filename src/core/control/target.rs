//! Where a transfer or forward goes ([`Target`]) and a call-flip number ([`FlipNumber`]),
//! parsed from what the user typed.

/// Where a transfer or forward goes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum Target {
    /// E.164 number (`+1555…`), or `main*ext`.
    PhoneNumber(String),
    /// A short extension number (`101`).
    ExtensionNumber(String),
    /// The voicemail of an extension id (`vm:ID`).
    Voicemail(String),
    /// A park location id (`park:ORBIT`; transfer only).
    ParkOrbit(String),
}

impl Target {
    /// Parses what the user typed: `+1555…` / long digits → phone number, short
    /// digits → extension number, `vm:ID`, `park:ORBIT`, `ext:N`, `tel:N`.
    pub fn parse(input: &str) -> Result<Target, String> {
        let s = input.trim();
        let (prefix, rest) = match s.split_once(':') {
            Some((p, r)) => (Some(p.trim().to_ascii_lowercase()), r.trim()),
            None => (None, s),
        };
        if rest.is_empty() {
            return Err("empty target".into());
        }
        let t = match prefix.as_deref() {
            Some("vm" | "voicemail") => Target::Voicemail(rest.into()),
            Some("park" | "orbit") => Target::ParkOrbit(rest.into()),
            Some("ext" | "x") => Target::ExtensionNumber(rest.into()),
            Some("tel" | "phone") => Target::PhoneNumber(rest.into()),
            Some(p) => {
                return Err(format!(
                    "unknown target kind {p:?} (use vm:, park:, ext: or a number)"
                ))
            }
            None => {
                let digits = rest.trim_start_matches('+');
                let ok = !digits.is_empty()
                    && digits
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '*' || c == '#');
                if !ok {
                    return Err(format!(
                        "{rest:?} is not a number, ext:N, vm:ID or park:ORBIT"
                    ));
                }
                if rest.starts_with('+') || digits.len() > 5 {
                    Target::PhoneNumber(rest.into())
                } else {
                    Target::ExtensionNumber(rest.into())
                }
            }
        };
        Ok(t)
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::PhoneNumber(v) => write!(f, "{v}"),
            Target::ExtensionNumber(v) => write!(f, "ext {v}"),
            Target::Voicemail(v) => write!(f, "voicemail {v}"),
            Target::ParkOrbit(v) => write!(f, "park {v}"),
        }
    }
}

/// A call-flip number (`1`–`8`): the user's call-flip list entry the call moves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FlipNumber(u8);

impl FlipNumber {
    /// Parses `1`…`8` (also `*1`…`*8`, as dialled).
    pub fn parse(input: &str) -> Result<FlipNumber, String> {
        let t = input.trim().trim_start_matches('*');
        match t.parse::<u8>() {
            Ok(n @ 1..=8) => Ok(FlipNumber(n)),
            _ => Err(format!(
                "flip number must be 1 to 8, not {:?}",
                input.trim()
            )),
        }
    }

    /// The number.
    pub fn get(self) -> u8 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        let ok = |s: &str| Target::parse(s).unwrap();
        assert_eq!(
            ok("+15551234567"),
            Target::PhoneNumber("+15551234567".into())
        );
        assert_eq!(ok(" 101 "), Target::ExtensionNumber("101".into()));
        assert_eq!(ok("6505551234"), Target::PhoneNumber("6505551234".into()));
        assert_eq!(
            ok("vm:62242421016"),
            Target::Voicemail("62242421016".into())
        );
        assert_eq!(ok("park:*813"), Target::ParkOrbit("*813".into()));
        assert_eq!(ok("ext:1234567"), Target::ExtensionNumber("1234567".into()));
        for bad in ["", "vm:", "bob", "foo:1"] {
            assert!(Target::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn flip_numbers_are_one_to_eight() {
        assert_eq!(FlipNumber::parse("3").unwrap().get(), 3);
        assert_eq!(FlipNumber::parse(" *8 ").unwrap().get(), 8);
        for bad in ["0", "9", "", "x", "-1", "300"] {
            assert!(FlipNumber::parse(bad).is_err(), "{bad:?}");
        }
    }
}
