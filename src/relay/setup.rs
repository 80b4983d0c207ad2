//! Creating or checking an account's stream, KV buckets and object store with explicit
//! configs. nats-server 2.9's `$JS.API.INFO` has no `reserved_memory`, so async-nats ≥ 0.41
//! fails `create_key_value` (it parses the account info first): the `KV_*` streams are
//! created here with the KV layout and opened with `get_key_value`.

use super::names::Names;
use super::RelayError;
use async_nats::jetstream::{
    self,
    context::GetStreamErrorKind,
    kv,
    object_store::{self, ObjectStore},
    stream::{self, DiscardPolicy, RetentionPolicy, StorageType},
    ErrorCode,
};
use std::time::Duration;

/// The stream's limits (`--retain`, `--retain-bytes`) and copies (`--replicas`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamSettings {
    pub max_age: Duration,
    /// Must fit the server's `max_file_store`, or 2.9 refuses the stream; on a cluster
    /// every node holds a full copy, so it must fit each node's.
    pub max_bytes: i64,
    pub duplicate_window: Duration,
    pub max_msg_size: i32,
    /// Copies of the stream, its KV buckets and object store (1; 3 on a three-node
    /// cluster, which survives losing any one node). Created only while that many
    /// nodes are up; an existing stream is scaled to it.
    pub replicas: usize,
}

impl Default for StreamSettings {
    fn default() -> Self {
        StreamSettings {
            max_age: Duration::from_secs(7 * 24 * 3600),
            max_bytes: 10 << 30,
            duplicate_window: Duration::from_secs(300),
            max_msg_size: 1 << 20,
            replicas: 1,
        }
    }
}

/// How long a control claim (request id) is remembered.
pub const CLAIM_TTL: Duration = Duration::from_secs(3600);

/// The stream config `CALLTOP_A`: frames, audit and gateway frames; file storage,
/// limits retention, discard old, direct gets, no deletes.
pub fn stream_config(names: &Names, s: &StreamSettings) -> stream::Config {
    stream::Config {
        name: names.stream(),
        subjects: vec![names.frames(), names.audit(), names.gw("*")],
        storage: StorageType::File,
        retention: RetentionPolicy::Limits,
        discard: DiscardPolicy::Old,
        max_age: s.max_age,
        max_bytes: s.max_bytes,
        max_message_size: s.max_msg_size,
        duplicate_window: s.duplicate_window,
        allow_direct: true,
        deny_delete: true,
        num_replicas: s.replicas,
        ..Default::default()
    }
}

/// A KV bucket's backing stream, as the KV convention lays it out (history 1).
/// (async-nats' `create_key_value` fails on 2.9 whatever the replicas.)
fn kv_stream_config(bucket: &str, max_age: Duration, replicas: usize) -> stream::Config {
    stream::Config {
        name: format!("KV_{bucket}"),
        subjects: vec![format!("$KV.{bucket}.>")],
        max_messages_per_subject: 1,
        max_age,
        storage: StorageType::File,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: DiscardPolicy::New,
        num_replicas: replicas,
        ..Default::default()
    }
}

fn not_found(e: &jetstream::context::GetStreamError) -> bool {
    matches!(e.kind(), GetStreamErrorKind::JetStream(j) if j.error_code() == ErrorCode::STREAM_NOT_FOUND)
}

/// Gets stream `config.name`, creating it when absent; updates it when the settings
/// this module owns differ (another `--retain`, `--replicas`).
async fn ensure_stream(
    js: &jetstream::Context,
    config: stream::Config,
) -> Result<stream::Stream, RelayError> {
    match js.get_stream(&config.name).await {
        Ok(mut s) => {
            let have = &s.cached_info().config;
            let same = have.subjects == config.subjects
                && have.max_age == config.max_age
                && have.max_bytes == config.max_bytes
                && have.max_message_size == config.max_message_size
                && have.duplicate_window == config.duplicate_window
                && have.max_messages_per_subject == config.max_messages_per_subject
                && have.num_replicas.max(1) == config.num_replicas.max(1);
            if !same {
                tracing::info!(stream = %config.name, replicas = config.num_replicas, "updating the stream's limits");
                update(js, &mut s, &config).await?;
            }
            Ok(s)
        }
        Err(e) if not_found(&e) => js
            .create_stream(config)
            .await
            .map_err(|e| RelayError::nats("create stream", e)),
        Err(e) => Err(RelayError::nats("stream info", e)),
    }
}

/// Updates stream `s` to `config` and reads its info again.
async fn update(
    js: &jetstream::Context,
    s: &mut stream::Stream,
    config: &stream::Config,
) -> Result<(), RelayError> {
    js.update_stream(config)
        .await
        .map_err(|e| RelayError::nats("update stream", e))?;
    s.info()
        .await
        .map_err(|e| RelayError::nats("stream info", e))?;
    Ok(())
}

/// What [`ensure`] set up.
#[derive(Clone)]
pub struct Buckets {
    pub stream: stream::Stream,
    pub kv: kv::Store,
    pub kv_ctl: kv::Store,
    pub objects: ObjectStore,
}

/// Creates or checks everything an account's relay writes to (the relay's startup).
pub async fn ensure(
    js: &jetstream::Context,
    names: &Names,
    settings: &StreamSettings,
) -> Result<Buckets, RelayError> {
    let replicas = settings.replicas;
    let stream = ensure_stream(js, stream_config(names, settings)).await?;
    ensure_stream(js, kv_stream_config(&names.kv(), Duration::ZERO, replicas)).await?;
    ensure_stream(js, kv_stream_config(&names.kv_ctl(), CLAIM_TTL, replicas)).await?;
    let kv = open_kv(js, &names.kv()).await?;
    let kv_ctl = open_kv(js, &names.kv_ctl()).await?;
    let objects = match js.get_object_store(names.objects()).await {
        Ok(o) => {
            scale_objects(js, &names.objects(), replicas).await?;
            o
        }
        Err(_) => js
            .create_object_store(object_store::Config {
                bucket: names.objects(),
                storage: StorageType::File,
                num_replicas: replicas,
                ..Default::default()
            })
            .await
            .map_err(|e| RelayError::nats("create object store", e))?,
    };
    Ok(Buckets {
        stream,
        kv,
        kv_ctl,
        objects,
    })
}

/// Scales an existing object store's stream (`OBJ_<bucket>`) to `replicas`.
async fn scale_objects(
    js: &jetstream::Context,
    bucket: &str,
    replicas: usize,
) -> Result<(), RelayError> {
    let name = format!("OBJ_{bucket}");
    let mut s = js
        .get_stream(&name)
        .await
        .map_err(|e| RelayError::nats("stream info", e))?;
    let mut config = s.cached_info().config.clone();
    if config.num_replicas.max(1) != replicas.max(1) {
        tracing::info!(stream = %name, replicas, "scaling the object store");
        config.num_replicas = replicas;
        update(js, &mut s, &config).await?;
    }
    Ok(())
}

/// Opens an existing KV bucket.
pub async fn open_kv(js: &jetstream::Context, bucket: &str) -> Result<kv::Store, RelayError> {
    js.get_key_value(bucket)
        .await
        .map_err(|e| RelayError::nats("open KV bucket", e))
}

/// Opens the account's stream for reading; a missing stream is [`RelayError::NoStream`].
pub async fn open_stream(
    js: &jetstream::Context,
    names: &Names,
) -> Result<stream::Stream, RelayError> {
    js.get_stream(names.stream()).await.map_err(|e| {
        if not_found(&e) {
            RelayError::NoStream(names.stream())
        } else {
            RelayError::nats("stream info", e)
        }
    })
}
