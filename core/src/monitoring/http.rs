//! The endpoint's HTTP/1.1 subset: parsing a request head and writing a response
//! (`Connection: close`, no keep-alive, no request bodies).

/// A parsed request line (headers are validated, then ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestHead {
    pub(crate) method: String,
    /// Path without the query string.
    pub(crate) path: String,
}

/// Why a request head was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeadError {
    /// Malformed request line or header.
    BadRequest,
    /// Not HTTP/1.0 or HTTP/1.1.
    BadVersion,
}

/// Position just past the blank line ending the head (`\r\n\r\n`, or a bare `\n\n`).
pub(crate) fn head_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < buf.len() {
        if buf[i] == b'\n' {
            if buf.get(i + 1) == Some(&b'\n') {
                return Some(i + 2);
            }
            if buf.get(i + 1) == Some(&b'\r') && buf.get(i + 2) == Some(&b'\n') {
                return Some(i + 3);
            }
        }
        i += 1;
    }
    None
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Parses a complete head (request line + header lines, blank line optional).
pub(crate) fn parse_head(head: &[u8]) -> Result<RequestHead, HeadError> {
    let text = std::str::from_utf8(head).map_err(|_| HeadError::BadRequest)?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let line = lines.next().ok_or(HeadError::BadRequest)?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::BadRequest);
    };
    if !is_token(method) {
        return Err(HeadError::BadRequest);
    }
    if !target.starts_with('/') || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(HeadError::BadRequest);
    }
    match version {
        "HTTP/1.1" | "HTTP/1.0" => {}
        v if v.starts_with("HTTP/") => return Err(HeadError::BadVersion),
        _ => return Err(HeadError::BadRequest),
    }
    for l in lines {
        if l.is_empty() {
            break;
        }
        let Some((name, _value)) = l.split_once(':') else {
            return Err(HeadError::BadRequest);
        };
        if !is_token(name) {
            return Err(HeadError::BadRequest);
        }
    }
    let path = target.split(['?', '#']).next().unwrap_or("/").to_string();
    Ok(RequestHead {
        method: method.to_string(),
        path,
    })
}

/// A response to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
    pub(crate) allow: Option<&'static str>,
}

impl Response {
    pub(crate) fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            content_type,
            body: body.into(),
            allow: None,
        }
    }

    /// A short plain-text response (`<reason>\n`).
    pub(crate) fn text(status: u16) -> Self {
        Self::new(
            status,
            "text/plain; charset=utf-8",
            format!("{}\n", reason(status)),
        )
    }

    /// Serializes status line, headers and (unless `head_only`) the body.
    pub(crate) fn to_bytes(&self, head_only: bool) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: {}\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        );
        if let Some(allow) = self.allow {
            out.push_str("allow: ");
            out.push_str(allow);
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        if !head_only {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_request_lines_and_strips_queries() {
        let h = parse_head(b"GET /metrics?name[]=x HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n")
            .unwrap();
        assert_eq!((h.method.as_str(), h.path.as_str()), ("GET", "/metrics"));
        let h = parse_head(b"HEAD /health HTTP/1.0\n\n").unwrap();
        assert_eq!((h.method.as_str(), h.path.as_str()), ("HEAD", "/health"));
    }

    #[test]
    fn rejects_malformed_heads() {
        for bad in [
            &b"GET /metrics\r\n\r\n"[..],
            b"GET  /metrics HTTP/1.1\r\n\r\n",
            b"GET metrics HTTP/1.1\r\n\r\n",
            b"G(T /metrics HTTP/1.1\r\n\r\n",
            b"GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n",
            b"GET /metrics HTTP/1.1\r\nbad name: x\r\n\r\n",
            b"GET /\xff HTTP/1.1\r\n\r\n",
            b"GET /metrics FTP/1.1\r\n\r\n",
        ] {
            assert_eq!(
                parse_head(bad),
                Err(HeadError::BadRequest),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(
            parse_head(b"GET / HTTP/2.0\r\n\r\n"),
            Err(HeadError::BadVersion)
        );
    }

    #[test]
    fn finds_the_end_of_the_head() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\nbody"), Some(18));
        assert_eq!(head_end(b"GET / HTTP/1.1\n\nbody"), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
    }

    #[test]
    fn responses_carry_length_and_close() {
        let r = Response::new(200, "text/plain", "hello");
        let full = String::from_utf8(r.to_bytes(false)).unwrap();
        assert!(full.starts_with("HTTP/1.1 200 OK\r\n"), "{full}");
        assert!(full.contains("content-length: 5\r\n"));
        assert!(full.contains("connection: close\r\n"));
        assert!(full.ends_with("\r\n\r\nhello"));
        let head = String::from_utf8(r.to_bytes(true)).unwrap();
        assert!(head.ends_with(
            "content-length: 5\r\ncache-control: no-store\r\nconnection: close\r\n\r\n"
        ));
        let mut m = Response::text(405);
        m.allow = Some("GET, HEAD");
        assert!(String::from_utf8(m.to_bytes(false))
            .unwrap()
            .contains("allow: GET, HEAD\r\n"));
    }
}
