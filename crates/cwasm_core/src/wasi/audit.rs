//! Records of what the sandbox refused, kept per store until the host
//! takes them.

use std::collections::VecDeque;
use std::time::{SystemTime, UNIX_EPOCH};

/// One refused WASI call, or one filesystem access the preopen rules refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// Milliseconds since the Unix epoch when it happened.
    pub time_ms: u64,
    /// The WASI function, e.g. `path_open`.
    pub function: &'static str,
    /// Its capability group, e.g. `fs-write`.
    pub capability: &'static str,
    /// The descriptor it acted on, if any.
    pub fd: Option<u32>,
    /// The path it named, if any (lossily decoded, at most 4 KiB).
    pub path: Option<String>,
    /// The errno the guest got.
    pub errno: i32,
    /// Why, in words.
    pub reason: String,
}

/// A bounded list of records: the oldest go first when it is full, and
/// are counted.
#[derive(Debug)]
pub(crate) struct AuditBuffer {
    records: VecDeque<AuditRecord>,
    capacity: usize,
    dropped: u64,
}

impl AuditBuffer {
    pub(crate) fn new(capacity: usize) -> AuditBuffer {
        AuditBuffer { records: VecDeque::new(), capacity: capacity.max(1), dropped: 0 }
    }

    pub(crate) fn push(&mut self, record: AuditRecord) {
        if self.records.len() == self.capacity {
            self.records.pop_front();
            self.dropped += 1;
        }
        self.records.push_back(record);
    }

    /// Takes every record kept so far and how many were dropped since the last take.
    pub(crate) fn take(&mut self) -> (Vec<AuditRecord>, u64) {
        let dropped = std::mem::take(&mut self.dropped);
        (self.records.drain(..).collect(), dropped)
    }
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(n: i32) -> AuditRecord {
        AuditRecord { time_ms: 0, function: "fd_write", capability: "fs-write", fd: None, path: None, errno: n, reason: String::new() }
    }

    #[test]
    fn a_full_buffer_drops_the_oldest_and_counts_them() {
        let mut b = AuditBuffer::new(2);
        for n in 0..5 {
            b.push(rec(n));
        }
        let (records, dropped) = b.take();
        assert_eq!(records.iter().map(|r| r.errno).collect::<Vec<_>>(), vec![3, 4]);
        assert_eq!(dropped, 3);
        assert_eq!(b.take(), (vec![], 0));
    }
}
