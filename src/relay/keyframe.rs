//! Keyframes: a serialized store (opaque bytes, encoded by the caller) with the stream
//! sequence it folds up to, so a board loads it and follows the stream from `seq + 1`.
//! The bytes go to the object store (KV refuses values past `max_payload`, 1 MiB), each
//! write under its own name; then the KV key `keyframe` = `{v,seq,digest,object,…}` is
//! moved to it by compare-and-set. A relay that loses the race (or is behind) skips; a
//! reader checks the version and the digest and never trusts a keyframe that fails them.

use super::names::{sha256_hex, Names};
use super::setup::open_kv;
use super::RelayError;
use crate::wire::Ts;
use async_nats::jetstream::{self, kv, object_store::ObjectStore};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

/// The KV key of the pointer.
pub const KEY: &str = "keyframe";

/// The KV pointer to the current keyframe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pointer {
    /// The encoding version of the bytes.
    pub v: u32,
    /// The stream sequence the keyframe folds up to (inclusive).
    pub seq: u64,
    /// Lower-case hex SHA-256 of the bytes.
    pub digest: String,
    /// The object's name.
    pub object: String,
    pub relay: String,
    pub at: Ts,
}

/// A keyframe that passed its checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keyframe {
    pub version: u32,
    pub seq: u64,
    pub bytes: Vec<u8>,
    pub relay: String,
    pub written_at: Ts,
}

/// Why no usable keyframe was loaded: the board then folds the stream from seq 1.
#[derive(Debug, thiserror::Error)]
pub enum KeyframeError {
    #[error("no keyframe yet")]
    Missing,
    #[error("keyframe has encoding version {found}, this calltop reads {expected}")]
    OtherVersion { found: u32, expected: u32 },
    #[error("keyframe is corrupt: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Nats(#[from] RelayError),
}

/// What [`Keyframes::put`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyframeWrite {
    Written(Pointer),
    /// The current keyframe (same version) is at this sequence or newer: nothing written.
    Behind {
        current: u64,
    },
    /// Another relay moved the pointer meanwhile: ours was discarded.
    Lost,
}

/// An account's keyframes.
#[derive(Clone)]
pub struct Keyframes {
    kv: kv::Store,
    objects: ObjectStore,
}

impl Keyframes {
    /// Opens the account's KV bucket and object store (a reader's permissions suffice).
    pub async fn open(js: &jetstream::Context, names: &Names) -> Result<Keyframes, RelayError> {
        let kv = open_kv(js, &names.kv()).await?;
        let objects = js
            .get_object_store(names.objects())
            .await
            .map_err(|e| RelayError::nats("open object store", e))?;
        Ok(Keyframes { kv, objects })
    }

    /// The pointer as stored (`None`: none yet), with its KV revision.
    pub async fn pointer(&self) -> Result<Option<(Result<Pointer, String>, u64)>, RelayError> {
        let entry = self
            .kv
            .entry(KEY)
            .await
            .map_err(|e| RelayError::nats("read keyframe pointer", e))?;
        Ok(entry
            .filter(|e| e.operation == kv::Operation::Put)
            .map(|e| {
                let p = serde_json::from_slice::<Pointer>(&e.value).map_err(|e| e.to_string());
                (p, e.revision)
            }))
    }

    /// Writes `bytes` (encoding `version`, folded up to `seq`) as relay `relay`.
    pub async fn put(
        &self,
        relay: &str,
        version: u32,
        seq: u64,
        bytes: &[u8],
    ) -> Result<KeyframeWrite, RelayError> {
        let current = self.pointer().await?;
        if let Some((Ok(p), _)) = &current {
            if p.v == version && p.seq >= seq {
                return Ok(KeyframeWrite::Behind { current: p.seq });
            }
        }
        let pointer = Pointer {
            v: version,
            seq,
            digest: sha256_hex(bytes),
            object: format!("keyframe.{relay}.{seq}"),
            relay: relay.to_string(),
            at: Ts::now(),
        };
        let mut reader = bytes;
        self.objects
            .put(pointer.object.as_str(), &mut reader)
            .await
            .map_err(|e| RelayError::nats("write keyframe object", e))?;
        let value = serde_json::to_vec(&pointer)
            .expect("a pointer serializes")
            .into();
        // Only a lost compare-and-set discards the object: after any other failure the
        // pointer may have moved to it.
        let moved = match &current {
            Some((_, revision)) => match self.kv.update(KEY, value, *revision).await {
                Ok(_) => true,
                Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => false,
                Err(e) => return Err(RelayError::nats("move keyframe pointer", e)),
            },
            None => match self.kv.create(KEY, value).await {
                Ok(_) => true,
                Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => false,
                Err(e) => return Err(RelayError::nats("create keyframe pointer", e)),
            },
        };
        if !moved {
            self.discard(&pointer.object).await;
            return Ok(KeyframeWrite::Lost);
        }
        if let Some((Ok(old), _)) = current {
            if old.object != pointer.object {
                self.discard(&old.object).await;
            }
        }
        Ok(KeyframeWrite::Written(pointer))
    }

    async fn discard(&self, object: &str) {
        if let Err(e) = self.objects.delete(object).await {
            tracing::debug!(object, error = %e, "old keyframe not deleted");
        }
    }

    /// The current keyframe, if it has encoding `version` and its bytes match the digest.
    pub async fn get(&self, version: u32) -> Result<Keyframe, KeyframeError> {
        // A pointer that moved between reading it and reading its object: read again.
        let mut tries = 2;
        loop {
            tries -= 1;
            let (pointer, _) = self.pointer().await?.ok_or(KeyframeError::Missing)?;
            let p = pointer.map_err(|e| KeyframeError::Corrupt(format!("pointer: {e}")))?;
            if p.v != version {
                return Err(KeyframeError::OtherVersion {
                    found: p.v,
                    expected: version,
                });
            }
            let mut object = match self.objects.get(&p.object).await {
                Ok(o) => o,
                Err(e) if tries > 0 => {
                    tracing::debug!(error = %e, "keyframe object gone; reading the pointer again");
                    continue;
                }
                Err(e) => return Err(KeyframeError::Corrupt(format!("object {}: {e}", p.object))),
            };
            let mut bytes = Vec::new();
            if let Err(e) = object.read_to_end(&mut bytes).await {
                return Err(KeyframeError::Corrupt(format!("object {}: {e}", p.object)));
            }
            if sha256_hex(&bytes) != p.digest {
                return Err(KeyframeError::Corrupt(format!(
                    "object {} does not match its digest",
                    p.object
                )));
            }
            return Ok(Keyframe {
                version: p.v,
                seq: p.seq,
                bytes,
                relay: p.relay,
                written_at: p.at,
            });
        }
    }
}

/// The store's keyframe codec, the one place it is named: the encoding version boards
/// accept, and the store ↔ bytes pair (`core::keyframe`, the same keyframes replay's
/// index keeps).
pub mod codec {
    use crate::core::SessionStore;

    /// The encoding version written and accepted.
    pub const VERSION: Option<u32> = Some(crate::core::keyframe::VERSION);

    /// The store as keyframe bytes.
    pub fn encode(store: &SessionStore) -> Option<Vec<u8>> {
        Some(crate::core::keyframe::encode(store))
    }

    /// A store from keyframe bytes of [`VERSION`], checked.
    pub fn decode(bytes: &[u8]) -> Result<SessionStore, String> {
        crate::core::keyframe::decode(bytes).map_err(|e| e.to_string())
    }
}
