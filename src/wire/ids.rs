//! Ids the platform writes as JSON numbers in some payloads (extension ids in lists,
//! presence and devices; message ids): kept as strings in Rust, decoded from a number
//! or a string, written back as a number when they are numeric.

use serde::Serializer;
use std::hash::BuildHasher;

/// A fixed-key hash of an id (foldhash, fast): the same on every run, so a collision is
/// reproducible. What sessions, parties, agents and queues are found by without reading
/// their ids; with at most tens of thousands of ids the chance of any collision is ~1e-10.
pub fn fingerprint(id: &str) -> u64 {
    foldhash::fast::FixedState::default().hash_one(id)
}

/// Writes a numeric id as a JSON number, anything else as a string (`serialize_with` of a
/// required `String` field).
pub fn num<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    match v.parse::<u64>() {
        Ok(n) if !v.starts_with('0') || v == "0" => s.serialize_u64(n),
        _ => s.serialize_str(v),
    }
}

/// [`num`] for an optional field (`None` is skipped by `skip_serializing_none`).
pub fn ser_opt_num<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => num(v, s),
        None => s.serialize_none(),
    }
}

/// [`num`] for a list of ids.
pub fn ser_opt_nums<S: Serializer>(v: &Option<Vec<String>>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    match v {
        Some(v) => {
            let mut seq = s.serialize_seq(Some(v.len()))?;
            for id in v {
                seq.serialize_element(&Num(id))?;
            }
            seq.end()
        }
        None => s.serialize_none(),
    }
}

struct Num<'a>(&'a str);

impl serde::Serialize for Num<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        num(self.0, s)
    }
}

/// Decodes an optional list of ids given as numbers or strings.
pub fn opt_ids<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Id(#[serde(deserialize_with = "super::lenient::id")] String);
    let v: Option<Vec<Id>> = serde::Deserialize::deserialize(d)?;
    Ok(v.map(|v| v.into_iter().map(|i| i.0).collect()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn numeric_ids_become_numbers() {
        #[derive(serde::Serialize)]
        struct T {
            #[serde(serialize_with = "super::num")]
            a: String,
            #[serde(serialize_with = "super::num")]
            b: String,
            #[serde(serialize_with = "super::ser_opt_nums")]
            c: Option<Vec<String>>,
        }
        let t = T {
            a: "62242400016".into(),
            b: "s-1".into(),
            c: Some(vec!["7".into(), "007".into()]),
        };
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"a":62242400016,"b":"s-1","c":[7,"007"]}"#
        );
    }
}
