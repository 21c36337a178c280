//! Log lines in (one JSON object each), standard error out, on a thread of their own. A
//! request never waits for its log line and never fails because of it: when standard error
//! cannot keep up or cannot be written (a full log disk), lines are dropped and counted, and
//! the count is written as soon as writing works again.

use std::io::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Lines waiting to be written at most; more are dropped (and counted).
const QUEUE: usize = 10_000;

static SENDER: OnceLock<Mutex<SyncSender<String>>> = OnceLock::new();
static DROPPED: AtomicU64 = AtomicU64::new(0);
static PENDING: AtomicUsize = AtomicUsize::new(0);

fn sender() -> &'static Mutex<SyncSender<String>> {
    SENDER.get_or_init(|| {
        let (tx, rx) = sync_channel::<String>(QUEUE);
        std::thread::Builder::new()
            .name("quire-log".into())
            .spawn(move || {
                let mut err = std::io::stderr();
                for line in rx {
                    let dropped = DROPPED.swap(0, Ordering::Relaxed);
                    if dropped > 0 {
                        let note = serde_json::json!({
                            "ts": crate::store::now(), "level": "warn", "event": "log lines dropped", "count": dropped
                        });
                        if writeln!(err, "{note}").is_err() {
                            DROPPED.fetch_add(dropped, Ordering::Relaxed);
                        }
                    }
                    if writeln!(err, "{line}").and_then(|_| err.flush()).is_err() {
                        DROPPED.fetch_add(1, Ordering::Relaxed);
                    }
                    PENDING.fetch_sub(1, Ordering::Relaxed);
                }
            })
            .ok();
        Mutex::new(tx)
    })
}

/// Queues one log line; never blocks.
pub fn log(v: &serde_json::Value) {
    let line = v.to_string();
    PENDING.fetch_add(1, Ordering::Relaxed);
    let sent = sender().lock().map(|tx| tx.try_send(line).is_ok()).unwrap_or(false);
    if !sent {
        PENDING.fetch_sub(1, Ordering::Relaxed);
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Waits (at most `limit`) for the queued lines to be written: before the process exits.
pub fn flush(limit: Duration) {
    let until = Instant::now() + limit;
    while PENDING.load(Ordering::Relaxed) > 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
    }
}
