//! What decoding alone costs `calltop report FILE`: the file read and decoded into views
//! as the report reads it (`chunks::visit_path_views`, on this thread), nothing applied.
//! Prints how many values it decoded and how many it could not.
//!
//! `cargo build --release --example decode_only && target/release/examples/decode_only FILE`

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: decode_only FILE"))?;
    let (mut good, mut bad) = (0u64, 0u64);
    calltop::source::chunks::visit_path_views(std::path::Path::new(&path), 0, |_, v, _| match v {
        Ok(_) => good += 1,
        Err(_) => bad += 1,
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{good} values decoded, {bad} not");
    Ok(())
}
