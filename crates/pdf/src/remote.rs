//! The adapter for a remote signing service: the authority's qualified
//! electronic seal (or a qualified signature) is held by a trust service
//! provider or the municipality's signing server, not by rathaus. rathaus
//! sends the finished PDF with the reason and the signing time and gets
//! the PAdES-signed PDF back; it accepts the answer only when the original
//! bytes are unchanged (an incremental update) and every signature in it
//! is valid over the whole document. The protocol is documented in
//! docs/notices.md (one JSON POST with a bearer token).

use crate::seal::{SealError, Sealer, check};
use base64::Engine;
use std::time::Duration;

/// A remote signing service.
pub struct RemoteSeal {
    url: String,
    token: String,
    signer: String,
    qualified: bool,
    client: reqwest::Client,
}

impl std::fmt::Debug for RemoteSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteSeal")
            .field("url", &self.url)
            .field("signer", &self.signer)
            .field("qualified", &self.qualified)
            .finish_non_exhaustive()
    }
}

#[derive(serde::Serialize)]
struct Request<'a> {
    document_base64: String,
    reason: &'a str,
    signing_time: String,
}

#[derive(serde::Deserialize)]
struct Response {
    document_base64: String,
}

impl RemoteSeal {
    /// The adapter for the service at `url` (https in production), with
    /// the bearer token it issued; `signer` is the name shown on cases.
    pub fn new(
        url: &str,
        token: &str,
        signer: &str,
        qualified: bool,
    ) -> Result<RemoteSeal, SealError> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(SealError(format!(
                "signing.remote_url must be an http(s) URL, not {url:?}"
            )));
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| SealError(e.to_string()))?;
        Ok(RemoteSeal {
            url: url.to_owned(),
            token: token.to_owned(),
            signer: signer.to_owned(),
            qualified,
            client,
        })
    }

    async fn call(
        &self,
        pdf: &[u8],
        reason: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<u8>, SealError> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let body = Request {
            document_base64: b64.encode(pdf),
            reason,
            signing_time: at.to_rfc3339(),
        };
        let res = self
            .client
            .post(&self.url)
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| SealError(format!("the signing service cannot be reached: {e}")))?;
        let status = res.status();
        if !status.is_success() {
            let text = res.text().await.unwrap_or_default();
            let excerpt: String = text.chars().take(300).collect();
            return Err(SealError(format!(
                "the signing service answered {status}: {excerpt}"
            )));
        }
        let answer: Response = res.json().await.map_err(|e| {
            SealError(format!(
                "the signing service's answer is not the expected JSON: {e}"
            ))
        })?;
        b64.decode(answer.document_base64.as_bytes())
            .map_err(|_| SealError("the signing service's document is not base64".into()))
    }
}

impl Sealer for RemoteSeal {
    fn seal(
        &self,
        pdf: &[u8],
        reason: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<u8>, SealError> {
        // Called on a blocking thread of the runtime (rendering is blocking
        // work); the request runs on the runtime.
        let handle = tokio::runtime::Handle::try_current()
            .map_err(|_| SealError("no async runtime for the signing service".into()))?;
        let signed = handle.block_on(self.call(pdf, reason, at))?;
        // The service must add a signature, not change the document.
        if !signed.starts_with(pdf) || signed.len() == pdf.len() {
            return Err(SealError(
                "the signing service changed the document instead of adding a signature".into(),
            ));
        }
        let before = check(pdf).map(|s| s.len()).unwrap_or(0);
        let checked = check(&signed)?;
        if checked.len() <= before || !checked.iter().all(|(_, ok)| *ok) {
            return Err(SealError(
                "the signature the signing service added does not verify".into(),
            ));
        }
        Ok(signed)
    }

    fn signer(&self) -> String {
        self.signer.clone()
    }

    fn qualified(&self) -> bool {
        self.qualified
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::LocalSeal;
    use std::sync::Arc;

    /// A signing service on loopback that seals with a test seal; `tamper`
    /// makes it change the document instead.
    async fn service(tamper: bool, fail: bool) -> (String, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tmp");
        let seal =
            Arc::new(LocalSeal::load_or_create_test(dir.path(), "Musterstadt").expect("seal"));
        let app = axum::Router::new().route(
            "/sign",
            axum::routing::post(
                move |headers: axum::http::HeaderMap,
                      axum::Json(v): axum::Json<serde_json::Value>| {
                    let seal = seal.clone();
                    async move {
                        if headers.get("authorization").and_then(|h| h.to_str().ok())
                            != Some("Bearer geheim")
                            || fail
                        {
                            return Err(axum::http::StatusCode::UNAUTHORIZED);
                        }
                        let b64 = base64::engine::general_purpose::STANDARD;
                        let pdf = b64
                            .decode(v["document_base64"].as_str().unwrap_or("").as_bytes())
                            .map_err(|_| axum::http::StatusCode::BAD_REQUEST)?;
                        let mut signed = seal
                            .seal(&pdf, v["reason"].as_str().unwrap_or(""), chrono::Utc::now())
                            .map_err(|_| axum::http::StatusCode::INTERNAL_SERVER_ERROR)?;
                        if tamper && let Some(b) = signed.get_mut(20) {
                            *b ^= 0x01;
                        }
                        Ok(axum::Json(
                            serde_json::json!({"document_base64": b64.encode(signed)}),
                        ))
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        (format!("http://{addr}/sign"), dir)
    }

    fn pdf() -> Vec<u8> {
        crate::render(&crate::Job {
            template: "#set document(title: \"Bescheid\")\n#set text(lang: \"de\")\n= Bescheid\nText.",
            data: &serde_json::json!({}),
            ident: "remote-test",
            at: chrono::Utc::now(),
        })
        .expect("pdf")
    }

    async fn seal_with(remote: RemoteSeal, pdf: Vec<u8>) -> Result<Vec<u8>, SealError> {
        tokio::task::spawn_blocking(move || remote.seal(&pdf, "Bescheid 1", chrono::Utc::now()))
            .await
            .expect("join")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_remote_service_signs_and_rathaus_checks_what_comes_back() {
        let (url, _dir) = service(false, false).await;
        let original = pdf();
        let remote = RemoteSeal::new(&url, "geheim", "Qualifiziertes Siegel der Stadt", true)
            .expect("remote");
        assert!(remote.qualified());
        let signed = seal_with(remote, original.clone()).await.expect("signed");
        assert!(signed.starts_with(&original));
        let checked = check(&signed).expect("check");
        assert!(checked.len() == 1 && checked[0].1, "{checked:?}");

        // A wrong token: the service's refusal is the reason.
        let wrong = RemoteSeal::new(&url, "falsch", "x", true).expect("remote");
        let e = seal_with(wrong, original.clone())
            .await
            .expect_err("refused");
        assert!(e.0.contains("401"), "{e}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_answer_that_changed_the_document_is_refused() {
        let (url, _dir) = service(true, false).await;
        let remote = RemoteSeal::new(&url, "geheim", "x", true).expect("remote");
        let e = seal_with(remote, pdf()).await.expect_err("refused");
        assert!(e.0.contains("changed the document"), "{e}");
        assert!(RemoteSeal::new("ftp://x", "t", "x", true).is_err());
    }
}
