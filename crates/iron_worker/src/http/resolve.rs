//! Host name resolution for the agent: no lookup for an IP address, a short cache for names.
//!
//! `ureq` resolves the host of every request, pooled connection or not, and with a time limit
//! set it starts a thread per lookup so the lookup can be abandoned. For a client that sends
//! thousands of small calls to one host, that thread costs more than the call itself. This
//! resolver answers IP literals at once and remembers names for [`NAME_TTL`]; a name it does
//! not know goes to `ureq`'s own resolver, time limit and all.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::uri::Scheme;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;
use ureq::Error;

/// How long a resolved name is used without asking again.
///
/// A minute keeps lookups out of the per-call cost while still following a DNS change (a
/// moved endpoint, a failover) soon enough; connections already pooled are unaffected.
pub(super) const NAME_TTL: Duration = Duration::from_secs(60);

/// Most names remembered; a client talks to one host, so this is only a bound.
const MAX_NAMES: usize = 32;

/// Addresses of one name and when they stop being used.
struct Entry {
    addrs: ResolvedSocketAddrs,
    until: Instant,
}

/// A resolver that skips the lookup of IP literals and caches names for [`NAME_TTL`].
///
/// Belongs to one agent, so a forked child (which builds a new agent) never shares its lock.
pub(super) struct CachingResolver {
    lookup: DefaultResolver,
    names: Mutex<HashMap<String, Entry>>,
}

impl CachingResolver {
    /// An empty cache in front of `ureq`'s resolver.
    pub(super) fn new() -> CachingResolver {
        CachingResolver {
            lookup: DefaultResolver::default(),
            names: Mutex::new(HashMap::new()),
        }
    }

    /// The cached addresses of `key` (`host:port`), if still fresh.
    fn cached(&self, key: &str, now: Instant) -> Option<ResolvedSocketAddrs> {
        let names = match self.names.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        names
            .get(key)
            .filter(|entry| entry.until > now)
            .map(|entry| entry.addrs.clone())
    }

    /// Remembers the addresses of `key` until `NAME_TTL` from `now`.
    fn remember(&self, key: String, addrs: &ResolvedSocketAddrs, now: Instant) {
        let mut names = match self.names.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };

        if names.len() >= MAX_NAMES && !names.contains_key(&key) {
            names.retain(|_, entry| entry.until > now);
            if names.len() >= MAX_NAMES {
                names.clear();
            }
        }

        let entry = Entry {
            addrs: addrs.clone(),
            until: now + NAME_TTL,
        };
        names.insert(key, entry);
    }
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, Error> {
        // Anything unusual (no host, another scheme) gets ureq's own checks and errors.
        let Some((host, port)) = host_and_port(uri) else {
            return self.lookup.resolve(uri, config, timeout);
        };

        if let Some(ip) = ip_literal(host) {
            let family = config.ip_family();
            let mut addrs = self.empty();
            for addr in family.keep_wanted(std::iter::once(SocketAddr::new(ip, port))) {
                addrs.push(addr);
            }
            if addrs.is_empty() {
                return Err(Error::HostNotFound);
            }
            return Ok(addrs);
        }

        let key = format!("{}:{port}", host.to_ascii_lowercase());
        let now = Instant::now();
        if let Some(addrs) = self.cached(&key, now) {
            return Ok(addrs);
        }

        // Failures are not remembered: the next call asks again.
        let addrs = self.lookup.resolve(uri, config, timeout)?;
        self.remember(key, &addrs, now);
        Ok(addrs)
    }
}

impl fmt::Debug for CachingResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachingResolver").finish_non_exhaustive()
    }
}

/// The host and port of an `http` or `https` URI (the scheme's port when none is given).
fn host_and_port(uri: &Uri) -> Option<(&str, u16)> {
    let scheme = uri.scheme()?;
    let default_port = if *scheme == Scheme::HTTP {
        80
    } else if *scheme == Scheme::HTTPS {
        443
    } else {
        return None;
    };

    let authority = uri.authority()?;
    Some((
        authority.host(),
        authority.port_u16().unwrap_or(default_port),
    ))
}

/// The address a host names literally: `127.0.0.1`, `::1` or `[::1]`.
fn ip_literal(host: &str) -> Option<IpAddr> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::unversioned::transport::time::Duration as UreqDuration;

    fn no_limit() -> NextTimeout {
        NextTimeout {
            after: UreqDuration::NotHappening,
            reason: ureq::Timeout::Global,
            ..NextTimeout::default()
        }
    }

    fn resolve(resolver: &CachingResolver, uri: &str) -> Result<Vec<SocketAddr>, Error> {
        let uri: Uri = uri.parse().unwrap();
        let addrs = resolver.resolve(&uri, &Config::default(), no_limit())?;
        Ok(addrs.to_vec())
    }

    #[test]
    fn ip_literals_are_answered_without_a_lookup() {
        let resolver = CachingResolver::new();

        let v4 = resolve(&resolver, "http://127.0.0.1:8080/2/projects").unwrap();
        assert_eq!(v4, vec!["127.0.0.1:8080".parse().unwrap()]);

        let v6 = resolve(&resolver, "https://[::1]/x").unwrap();
        assert_eq!(v6, vec!["[::1]:443".parse().unwrap()]);

        // Literals never enter the cache.
        assert!(resolver.names.lock().unwrap().is_empty());
    }

    #[test]
    fn names_are_cached_and_expire() {
        let resolver = CachingResolver::new();

        let first = resolve(&resolver, "http://localhost:9/").unwrap();
        assert!(!first.is_empty());
        assert!(first.iter().all(|a| a.port() == 9));
        assert!(resolver.cached("localhost:9", Instant::now()).is_some());

        let later = Instant::now() + NAME_TTL + Duration::from_secs(1);
        assert!(resolver.cached("localhost:9", later).is_none());
    }

    #[test]
    fn an_unknown_name_is_an_error_and_not_cached() {
        let resolver = CachingResolver::new();

        let error = resolve(&resolver, "http://no-such-host.invalid:80/").unwrap_err();
        assert!(
            matches!(error, Error::HostNotFound | Error::Io(_)),
            "unexpected error: {error:?}"
        );
        assert!(resolver.names.lock().unwrap().is_empty());
    }

    #[test]
    fn the_cache_stays_bounded() {
        let resolver = CachingResolver::new();
        let addrs = resolver.empty();
        let now = Instant::now();

        for i in 0..(MAX_NAMES * 2) {
            resolver.remember(format!("host{i}:80"), &addrs, now);
        }
        assert!(resolver.names.lock().unwrap().len() <= MAX_NAMES);
    }
}
