//! Identifiers, secrets and timestamps in the forms the IronWorker API uses.

use std::time::{SystemTime, UNIX_EPOCH};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Milliseconds since the Unix epoch: how every time is stored.
pub type Millis = i64;

/// The current time in milliseconds since the Unix epoch.
pub fn now_ms() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Fills `buf` with random bytes from the operating system.
///
/// Falls back to a time-and-counter mix only if the OS source fails, which on Linux it does
/// not; ids stay unique either way because the fallback includes a process-wide counter.
fn random_bytes(buf: &mut [u8]) {
    if getrandom::fill(buf).is_ok() {
        return;
    }

    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seed = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ^ (now_ms() as u64).rotate_left(17)
        ^ u64::from(std::process::id()).rotate_left(41);
    let mut x = seed | 1;
    for b in buf.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = (x & 0xff) as u8;
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;

    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A new 24-hex-character id, Mongo ObjectId style: 4 bytes of seconds, then 8 random bytes.
///
/// The time prefix keeps ids roughly sortable, as the hosted service's ids are.
pub fn new_id() -> String {
    let secs = (now_ms() / 1000) as u32;
    let mut bytes = [0u8; 12];
    bytes[..4].copy_from_slice(&secs.to_be_bytes());
    random_bytes(&mut bytes[4..]);
    hex(&bytes)
}

/// A new random token of 40 hex characters (160 bits).
pub fn new_token() -> String {
    let mut bytes = [0u8; 20];
    random_bytes(&mut bytes);
    hex(&bytes)
}

/// True for a 24-character lowercase-or-uppercase hex string, the only id form the API uses.
pub fn is_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Formats milliseconds since the epoch as RFC 3339 in UTC with milliseconds,
/// e.g. `2012-02-10T22:07:52.712Z`.
pub fn rfc3339(ms: Millis) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(nanos) else {
        return "0001-01-01T00:00:00Z".to_string();
    };
    let (y, mo, d) = (t.year(), u8::from(t.month()), t.day());
    let (h, mi, s, milli) = (t.hour(), t.minute(), t.second(), t.millisecond());
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

/// Parses a time the clients send: RFC 3339 with `Z` or an offset, optional fractional
/// seconds, a space instead of `T`, or no offset at all (taken as UTC).
pub fn parse_time(text: &str) -> Option<Millis> {
    let text = text.trim();
    let normalized = if text.len() > 10 && text.as_bytes().get(10) == Some(&b' ') {
        format!("{}T{}", &text[..10], &text[11..])
    } else {
        text.to_string()
    };

    let parsed = OffsetDateTime::parse(&normalized, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&format!("{normalized}Z"), &Rfc3339))
        .ok()?;
    i64::try_from(parsed.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_24_hex_and_distinct() {
        let a = new_id();
        let b = new_id();
        assert!(is_id(&a), "{a}");
        assert_ne!(a, b);
        assert!(!is_id("xyz"));
        assert!(!is_id("zzzzzzzzzzzzzzzzzzzzzzzz"));
    }

    #[test]
    fn times_round_trip() {
        let ms = 1_328_912_872_712;
        assert_eq!(rfc3339(ms), "2012-02-10T22:27:52.712Z");
        assert_eq!(parse_time("2012-02-10T22:27:52.712Z"), Some(ms));
        assert_eq!(parse_time("2012-02-10T23:27:52.712+01:00"), Some(ms));
        assert_eq!(parse_time("2012-02-10 22:27:52.712"), Some(ms));
        assert_eq!(parse_time("2012-02-10T22:27:52.712000"), Some(ms));
        assert_eq!(parse_time("yesterday"), None);
    }
}
