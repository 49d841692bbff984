//! Live delivery inside one process: every stored message (and every edit
//! or deletion) is announced on a broadcast channel after its transaction
//! committed; each open browser of a room's members listens through a
//! server-sent-events stream. A listener that falls behind (a full
//! channel) is told to reload, and a reconnecting browser sends the last
//! sequence number it saw and gets what it missed from the database —
//! so nothing is lost and nothing comes twice.
//!
//! Several instances would relay the same events through PostgreSQL
//! LISTEN/NOTIFY (the scale-out path); one process needs none.

use crate::store::MessageRow;
use tokio::sync::broadcast;

/// What happened in a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new message.
    Posted,
    /// A message's text changed.
    Edited,
    /// A message was deleted.
    Deleted,
}

/// An announcement.
#[derive(Debug, Clone)]
pub struct RoomEvent {
    /// What happened.
    pub change: Change,
    /// The message as stored after the change.
    pub message: MessageRow,
    /// The message as JSON, made once for every listener of the API (a
    /// thousand streams share one serialisation).
    pub json: std::sync::Arc<str>,
}

impl RoomEvent {
    /// The event of `change` to `message`.
    pub fn new(change: Change, message: MessageRow) -> RoomEvent {
        let json = serde_json::to_string(&message).unwrap_or_default().into();
        RoomEvent {
            change,
            message,
            json,
        }
    }
}

/// The broadcast channel of all rooms (listeners filter by room).
#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<RoomEvent>,
    // Set when the server shuts down: open streams end, so a graceful
    // shutdown does not wait for browsers that never hang up.
    closed: std::sync::Arc<tokio::sync::watch::Sender<bool>>,
}

impl Hub {
    /// A hub keeping up to `capacity` events for slow listeners.
    pub fn new(capacity: usize) -> Hub {
        let (tx, _) = broadcast::channel(capacity.max(16));
        let (closed, _) = tokio::sync::watch::channel(false);
        Hub {
            tx,
            closed: std::sync::Arc::new(closed),
        }
    }

    /// Announces an event (after the commit).
    pub fn announce(&self, event: RoomEvent) {
        // No listener is no error: nobody has the room open.
        let _ = self.tx.send(event);
    }

    /// A new listener, receiving what is announced from now on.
    pub fn listen(&self) -> broadcast::Receiver<RoomEvent> {
        self.tx.subscribe()
    }

    /// Ends every open stream (the server shuts down).
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    /// Resolves when the hub is closed.
    pub fn closed(&self) -> impl std::future::Future<Output = ()> + Send + 'static + use<> {
        let mut rx = self.closed.subscribe();
        async move {
            let _ = rx.wait_for(|c| *c).await;
        }
    }

    /// Number of open listeners.
    pub fn listeners(&self) -> usize {
        self.tx.receiver_count()
    }
}
