//! The floor for `calltop report FILE`: the same file read whole and validated as a
//! sequence of JSON values by serde_json (`IgnoredAny`: every value parsed, nothing
//! built). Prints how many values it read; exits 1 on the first invalid one.
//!
//! `cargo build --release --example json_floor && target/release/examples/json_floor FILE`

use serde::de::IgnoredAny;

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: json_floor FILE"))?;
    let bytes = std::fs::read(&path).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
    let text = std::str::from_utf8(&bytes)?;
    let mut values = 0u64;
    for v in serde_json::Deserializer::from_str(text).into_iter::<IgnoredAny>() {
        v.map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
        values += 1;
    }
    println!("{values} JSON values");
    Ok(())
}
