//! Following the change log: every node keeps its in-memory state current by reading the
//! changes committed by any node or CLI process, without a rebuild.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use bridgehub_store::Change;

use crate::{AppResult, Hub};

/// Something that keeps state in memory and must see every committed change.
pub trait ChangeListener: Send + Sync {
    /// Called with each batch of changes, in commit order.
    fn apply(&self, changes: &[Change]);
}

/// Reads the change log from where it last stopped and hands new changes to listeners.
/// Poll it often (the server does every 200 ms); each poll is one indexed query.
pub struct ChangeFollower {
    hub: Hub,
    cursor: AtomicI64,
    listeners: Mutex<Vec<Arc<dyn ChangeListener>>>,
}

impl ChangeFollower {
    /// Starts following after the newest change committed so far.
    pub fn start(hub: Hub) -> AppResult<ChangeFollower> {
        let cursor = hub.last_change()?;
        Ok(ChangeFollower { hub, cursor: AtomicI64::new(cursor), listeners: Mutex::new(Vec::new()) })
    }

    /// Follows from a given position (0: the whole log).
    pub fn from_position(hub: Hub, position: i64) -> ChangeFollower {
        ChangeFollower { hub, cursor: AtomicI64::new(position), listeners: Mutex::new(Vec::new()) }
    }

    /// Adds a listener for changes after the current position.
    pub fn subscribe(&self, listener: Arc<dyn ChangeListener>) {
        if let Ok(mut listeners) = self.listeners.lock() {
            listeners.push(listener);
        }
    }

    /// The `seq` of the last change seen.
    pub fn position(&self) -> i64 {
        self.cursor.load(Ordering::Acquire)
    }

    /// Reads every change after the current position; returns how many there were.
    pub fn poll(&self) -> AppResult<usize> {
        let mut seen = 0;
        loop {
            let after = self.position();
            let batch = self.hub.changes_since(after, 5_000)?;
            let Some(last) = batch.last() else { break };
            let last_seq = last.seq;
            let listeners: Vec<Arc<dyn ChangeListener>> = self.listeners.lock().map(|l| l.clone()).unwrap_or_default();
            for listener in &listeners {
                listener.apply(&batch);
            }
            self.cursor.store(last_seq, Ordering::Release);
            seen += batch.len();
            if batch.len() < 5_000 {
                break;
            }
        }
        Ok(seen)
    }
}

impl Hub {
    /// Committed changes after `after`, oldest first.
    pub fn changes_since(&self, after: i64, limit: u32) -> AppResult<Vec<Change>> {
        Ok(self.store.changes_since(after, limit)?)
    }

    /// The newest change's `seq`.
    pub fn last_change(&self) -> AppResult<i64> {
        Ok(self.store.last_change()?)
    }
}
