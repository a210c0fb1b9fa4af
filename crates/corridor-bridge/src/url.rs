//! Broker addresses: `mqtt://[user[:password]@]host[:port]` and, with the `tls` feature,
//! `mqtts://…`.

use std::fmt;
use std::str::FromStr;

use crate::error::BridgeError;

/// How the client talks to the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `mqtt://`: plain TCP, default port 1883.
    Mqtt,
    /// `mqtts://`: TLS, default port 8883. Parsing it needs the `tls` feature.
    Mqtts,
}

impl Scheme {
    /// `"mqtt"` or `"mqtts"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Mqtt => "mqtt",
            Scheme::Mqtts => "mqtts",
        }
    }

    /// 1883 or 8883.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Mqtt => 1883,
            Scheme::Mqtts => 8883,
        }
    }
}

/// A broker's address and, optionally, the username and password to log in with.
///
/// Guarantees: the host is a non-empty name, IPv4 address or bracketed IPv6 address; the
/// port is 1-65535; a username is non-empty. `Display` and `Debug` never show the
/// password (it is replaced by `***`), so a `BrokerUrl` can be logged as it is.
/// Percent-escapes (`%40` for `@`, `%3A` for `:`) are decoded in the username and password.
///
/// ```
/// use corridor_bridge::BrokerUrl;
///
/// let url: BrokerUrl = "mqtt://fleet:s%40fe@127.0.0.1:18830".parse()?;
/// assert_eq!((url.host(), url.port()), ("127.0.0.1", 18830));
/// assert_eq!((url.username(), url.password()), (Some("fleet"), Some("s@fe")));
/// assert_eq!(url.to_string(), "mqtt://fleet:***@127.0.0.1:18830");
///
/// let bad = "mqtt://127.0.0.1:99999".parse::<BrokerUrl>().unwrap_err();
/// assert!(bad.to_string().contains("port"));
/// # Ok::<(), corridor_bridge::BridgeError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BrokerUrl {
    scheme: Scheme,
    host: String,
    port: u16,
    username: Option<String>,
    password: Option<String>,
}

impl BrokerUrl {
    /// A plain `mqtt://host:port` URL without credentials.
    ///
    /// # Errors
    /// [`BridgeError::InvalidBrokerUrl`] when the host is empty or has characters a host
    /// name cannot have, or the port is 0.
    pub fn mqtt(host: &str, port: u16) -> Result<BrokerUrl, BridgeError> {
        let shown = format!("mqtt://{host}:{port}");
        check_host(&shown, host)?;
        check_port(&shown, port)?;
        Ok(BrokerUrl {
            scheme: Scheme::Mqtt,
            host: host.to_owned(),
            port,
            username: None,
            password: None,
        })
    }

    /// Parses `mqtt://[user[:password]@]host[:port]` (or `mqtts://` with the `tls`
    /// feature). The port defaults to 1883 (8883 for `mqtts`).
    ///
    /// # Errors
    /// [`BridgeError::InvalidBrokerUrl`] naming the part that is wrong: `scheme`, `user`,
    /// `password`, `host`, `port` or `path`.
    pub fn parse(text: &str) -> Result<BrokerUrl, BridgeError> {
        let text = text.trim();
        let shown = redact(text);
        let bad = |part: &'static str, problem: String| BridgeError::InvalidBrokerUrl {
            url: shown.clone(),
            part,
            problem,
        };
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(bad(
                "scheme",
                "missing; write mqtt://host:port (or mqtts:// for TLS)".into(),
            ));
        };
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "mqtt" | "tcp" => Scheme::Mqtt,
            "mqtts" | "ssl" if cfg!(feature = "tls") => Scheme::Mqtts,
            "mqtts" | "ssl" => {
                return Err(bad(
                    "scheme",
                    format!(
                        "`{scheme}://` needs TLS, which this build leaves out (cargo feature \
                         `tls` of corridor-bridge)"
                    ),
                ));
            }
            other => {
                return Err(bad(
                    "scheme",
                    format!("`{other}` is not an MQTT scheme; expected mqtt or mqtts"),
                ));
            }
        };
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if !path.is_empty() && path != "/" {
            return Err(bad(
                "path",
                format!("`{path}`: a broker URL has no path, query or fragment"),
            ));
        }
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(info) => {
                let (user, pass) = match info.split_once(':') {
                    Some((u, p)) => (u, Some(p)),
                    None => (info, None),
                };
                let user = percent_decode(user).map_err(|p| bad("user", p))?;
                if user.is_empty() {
                    return Err(bad("user", "is empty before `@`".into()));
                }
                let pass = pass
                    .map(percent_decode)
                    .transpose()
                    .map_err(|p| bad("password", p))?;
                (Some(user), pass)
            }
        };
        let (host, port) = if let Some(after) = hostport.strip_prefix('[') {
            let Some((v6, tail)) = after.split_once(']') else {
                return Err(bad("host", "`[` of an IPv6 address is not closed".into()));
            };
            if v6.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(bad("host", format!("`[{v6}]` is not an IPv6 address")));
            }
            let port = match tail {
                "" => None,
                t => Some(
                    t.strip_prefix(':')
                        .ok_or_else(|| bad("port", format!("`{t}` after the IPv6 address")))?,
                ),
            };
            (v6, port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        let port = match port {
            None => scheme.default_port(),
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| bad("port", format!("`{p}` is not a port number (1-65535)")))?,
        };
        check_host(&shown, host)?;
        check_port(&shown, port)?;
        Ok(BrokerUrl {
            scheme,
            host: host.to_owned(),
            port,
            username,
            password,
        })
    }

    /// The same broker, logging in as `username` with `password`.
    pub fn with_credentials(
        mut self,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> BrokerUrl {
        self.username = Some(username.into());
        self.password = Some(password.into());
        self
    }

    /// The same broker without credentials.
    pub fn without_credentials(mut self) -> BrokerUrl {
        self.username = None;
        self.password = None;
        self
    }

    /// `mqtt` or `mqtts`.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host name or address (an IPv6 address without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The username to log in with.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// The password to log in with.
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }
}

impl fmt::Display for BrokerUrl {
    /// The URL with the password shown as `***`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme.as_str())?;
        if let Some(user) = &self.username {
            write!(f, "{user}")?;
            if self.password.is_some() {
                write!(f, ":***")?;
            }
            write!(f, "@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Debug for BrokerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BrokerUrl({self})")
    }
}

impl FromStr for BrokerUrl {
    type Err = BridgeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BrokerUrl::parse(s)
    }
}

/// The URL as given, with whatever stands between the first `:` of the userinfo and the
/// `@` replaced by `***`.
fn redact(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((info, host)) => match info.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => text.to_owned(),
        },
        None => text.to_owned(),
    }
}

fn check_host(shown: &str, host: &str) -> Result<(), BridgeError> {
    let problem = if host.is_empty() {
        Some("is empty".to_owned())
    } else if host.parse::<std::net::Ipv6Addr>().is_ok() {
        None
    } else {
        host.chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
            .map(|c| format!("`{host}` contains `{}`", c.escape_default()))
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(BridgeError::InvalidBrokerUrl {
            url: shown.to_owned(),
            part: "host",
            problem,
        }),
    }
}

fn check_port(shown: &str, port: u16) -> Result<(), BridgeError> {
    if port == 0 {
        Err(BridgeError::InvalidBrokerUrl {
            url: shown.to_owned(),
            part: "port",
            problem: "0 is not a port a broker can listen on (1-65535)".into(),
        })
    } else {
        Ok(())
    }
}

/// Decodes `%XX` escapes; the result must be UTF-8.
fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("`%` at byte {i} is not followed by two hex digits"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "percent-escapes do not decode to UTF-8".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part_of(text: &str) -> &'static str {
        match BrokerUrl::parse(text) {
            Err(BridgeError::InvalidBrokerUrl { part, url, .. }) => {
                assert!(!url.contains("hunter2"), "password leaked in {url}");
                part
            }
            other => panic!("{text}: expected an error, got {other:?}"),
        }
    }

    #[test]
    fn parses_every_form() {
        let u = BrokerUrl::parse("mqtt://127.0.0.1:1883").unwrap();
        assert_eq!(
            (u.scheme(), u.host(), u.port()),
            (Scheme::Mqtt, "127.0.0.1", 1883)
        );
        assert_eq!(u.username(), None);
        let u = BrokerUrl::parse("mqtt://broker.example").unwrap();
        assert_eq!(u.port(), 1883);
        let u = BrokerUrl::parse(" mqtt://ops@localhost:2000/ ").unwrap();
        assert_eq!((u.username(), u.password()), (Some("ops"), None));
        assert_eq!(u.to_string(), "mqtt://ops@localhost:2000");
        let u = BrokerUrl::parse("mqtt://a:b%3Ac%40d@[::1]:1884").unwrap();
        assert_eq!((u.host(), u.port()), ("::1", 1884));
        assert_eq!(u.password(), Some("b:c@d"));
        assert_eq!(u.to_string(), "mqtt://a:***@[::1]:1884");
        assert_eq!(format!("{u:?}"), "BrokerUrl(mqtt://a:***@[::1]:1884)");
        assert_eq!(
            BrokerUrl::parse(&u.to_string().replace("***", "x"))
                .unwrap()
                .port(),
            1884
        );
    }

    #[test]
    fn names_the_bad_part() {
        assert_eq!(part_of("127.0.0.1:1883"), "scheme");
        assert_eq!(part_of("http://127.0.0.1:1883"), "scheme");
        assert_eq!(part_of("mqtt://:hunter2@host:1"), "user");
        assert_eq!(part_of("mqtt://u:hunter2%zz@host:1"), "password");
        assert_eq!(part_of("mqtt://u:hunter2@:1883"), "host");
        assert_eq!(part_of("mqtt://bad host:1883"), "host");
        assert_eq!(part_of("mqtt://[::1:1883"), "host");
        assert_eq!(part_of("mqtt://[nothex]:1883"), "host");
        assert_eq!(part_of("mqtt://host:0"), "port");
        assert_eq!(part_of("mqtt://u:hunter2@host:65536"), "port");
        assert_eq!(part_of("mqtt://host:x"), "port");
        assert_eq!(part_of("mqtt://[::1]x"), "port");
        assert_eq!(part_of("mqtt://host:1883/topic"), "path");
        assert_eq!(part_of("mqtt://host:1883?q=1"), "path");
        if cfg!(feature = "tls") {
            assert_eq!(BrokerUrl::parse("mqtts://h").unwrap().port(), 8883);
        } else {
            assert_eq!(part_of("mqtts://u:hunter2@h:8883"), "scheme");
        }
    }
}
