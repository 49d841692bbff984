//! Content-addressed blob store. A blob's key is the SHA-256 of its bytes,
//! so the same upload is stored once and a key proves the content. Blobs are
//! written (and, on a local directory, fsynced) before the database row that
//! points at them commits: an orphaned blob is harmless and can be swept, a
//! row without its blob cannot happen.

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Errors of the blob store.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The object store failed.
    #[error(transparent)]
    Store(#[from] object_store::Error),
    /// Local file system error while syncing.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The key is not a SHA-256 hex string.
    #[error("invalid blob key")]
    InvalidKey,
    /// The stored bytes do not match their key.
    #[error("blob {0} is corrupt")]
    Corrupt(String),
}

/// Content-addressed storage over any `object_store` backend.
#[derive(Debug, Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    /// Root directory when the store is local, for fsync.
    local_root: Option<PathBuf>,
}

impl BlobStore {
    /// A store in a local directory (created when missing).
    pub fn local(dir: &Path) -> Result<BlobStore, BlobError> {
        std::fs::create_dir_all(dir)?;
        let store = LocalFileSystem::new_with_prefix(dir)?;
        Ok(BlobStore {
            store: Arc::new(store),
            local_root: Some(dir.to_path_buf()),
        })
    }

    /// The SHA-256 key of some bytes, as lowercase hex.
    pub fn key_of(data: &[u8]) -> String {
        hex::encode(Sha256::digest(data))
    }

    fn path_of(key: &str) -> Result<StorePath, BlobError> {
        if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(BlobError::InvalidKey);
        }
        let (a, b) = (key.get(0..2).unwrap_or(""), key.get(2..4).unwrap_or(""));
        Ok(StorePath::from(format!("sha256/{a}/{b}/{key}")))
    }

    /// Stores `data` and returns its key once it is durable.
    pub async fn put(&self, data: Bytes) -> Result<String, BlobError> {
        let key = Self::key_of(&data);
        let path = Self::path_of(&key)?;
        if self.store.head(&path).await.is_ok() {
            return Ok(key);
        }
        self.store.put(&path, PutPayload::from(data)).await?;
        if let Some(root) = &self.local_root {
            // object_store renames a temp file into place but does not
            // fsync; do it here so an acknowledged blob survives power loss.
            let file = root.join(path.as_ref());
            tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                std::fs::File::open(&file)?.sync_all()?;
                if let Some(dir) = file.parent() {
                    std::fs::File::open(dir)?.sync_all()?;
                }
                Ok(())
            })
            .await
            .map_err(std::io::Error::other)??;
        }
        Ok(key)
    }

    /// Stores many blobs without syncing each (bulk loads such as the data
    /// generator); nothing is durable until [`BlobStore::sync`] returns.
    pub async fn put_unsynced(&self, items: Vec<Bytes>) -> Result<Vec<String>, BlobError> {
        let mut keys = Vec::with_capacity(items.len());
        for data in items {
            let key = Self::key_of(&data);
            let path = Self::path_of(&key)?;
            if self.store.head(&path).await.is_err() {
                self.store.put(&path, PutPayload::from(data)).await?;
            }
            keys.push(key);
        }
        Ok(keys)
    }

    /// Makes everything written before durable: one `syncfs` of the file
    /// system that holds a local store (other stores are durable on put).
    pub async fn sync(&self) -> Result<(), BlobError> {
        if let Some(root) = &self.local_root {
            let root = root.clone();
            tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                let dir = std::fs::File::open(&root)?;
                nix::unistd::syncfs(&dir).map_err(std::io::Error::from)
            })
            .await
            .map_err(std::io::Error::other)??;
        }
        Ok(())
    }

    /// Reads a blob and checks it against its key.
    pub async fn get(&self, key: &str) -> Result<Bytes, BlobError> {
        let path = Self::path_of(key)?;
        let data = self.store.get(&path).await?.bytes().await?;
        if Self::key_of(&data) != key {
            return Err(BlobError::Corrupt(key.to_owned()));
        }
        Ok(data)
    }

    /// Deletes a blob (disposal, once nothing references it); deleting one
    /// that is gone already is no error.
    pub async fn delete(&self, key: &str) -> Result<(), BlobError> {
        let path = Self::path_of(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// True when the blob exists.
    pub async fn exists(&self, key: &str) -> Result<bool, BlobError> {
        let path = Self::path_of(key)?;
        match self.store.head(&path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// The media type of content by its magic bytes (crate `infer`), never by
/// a name or a client's claim; `None` when the content has no known
/// signature.
pub fn media_type_of(bytes: &[u8]) -> Option<&'static str> {
    infer::get(bytes).map(|t| t.mime_type())
}

/// A client's file name made safe to keep and show: the last path part,
/// no control characters, at most 200 characters; `fallback` when nothing
/// is left.
pub fn clean_file_name(name: &str, fallback: &str) -> String {
    let name: String = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    if name.trim().is_empty() {
        fallback.to_owned()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_come_from_content_and_names_lose_their_path() {
        assert_eq!(
            media_type_of(b"%PDF-1.7\n%\xe2\xe3"),
            Some("application/pdf")
        );
        assert_eq!(
            media_type_of(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some("image/png")
        );
        assert_eq!(media_type_of(b"just text pretending to be a pdf"), None);
        assert_eq!(
            clean_file_name("C:\\Users\\x\\antrag.pdf", "Datei"),
            "antrag.pdf"
        );
        assert_eq!(clean_file_name("../../etc/passwd", "Datei"), "passwd");
        assert_eq!(clean_file_name("\u{7}", "Datei"), "Datei");
    }

    #[tokio::test]
    async fn same_content_gets_same_key_and_reads_back() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = BlobStore::local(dir.path())?;
        let k1 = store.put(Bytes::from_static(b"Bescheid")).await?;
        let k2 = store.put(Bytes::from_static(b"Bescheid")).await?;
        assert_eq!(k1, k2);
        assert_eq!(store.get(&k1).await?, Bytes::from_static(b"Bescheid"));
        assert!(store.exists(&k1).await?);
        Ok(())
    }

    #[tokio::test]
    async fn a_changed_byte_on_disk_is_detected() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = BlobStore::local(dir.path())?;
        let key = store.put(Bytes::from_static(b"original")).await?;
        let file = dir
            .path()
            .join(format!("sha256/{}/{}/{key}", &key[0..2], &key[2..4]));
        std::fs::write(&file, b"origina1")?;
        assert!(matches!(store.get(&key).await, Err(BlobError::Corrupt(_))));
        Ok(())
    }

    #[tokio::test]
    async fn keys_that_are_not_sha256_are_refused() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = BlobStore::local(dir.path())?;
        assert!(matches!(
            store.get("../../etc/passwd").await,
            Err(BlobError::InvalidKey)
        ));
        Ok(())
    }
}
