//! Credential redaction for URLs and text that end up in errors, logs and reports — the one
//! implementation used by the transports, the RPC client, the connection pool and health.
//!
//! Any URL shown to a user goes through [`redact_url`] (userinfo and secret-looking query or
//! fragment parameters become `***`), and any free text that may quote URLs or
//! authorization headers through [`redact_text`].

/// Replacement for a redacted secret.
pub const REDACTED: &str = "***";

/// Query/fragment parameter names (lowercase, `-`/`_`/`.` removed) that contain one of these
/// fragments are redacted.
const SENSITIVE_FRAGMENTS: &[&str] = &[
    "key",
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "auth",
    "credential",
    "signature",
    "session",
];

/// Parameter names redacted only on an exact match (too short for substring matching).
const SENSITIVE_EXACT: &[&str] = &["sig", "pass", "jwt"];

fn is_sensitive_param(name: &str) -> bool {
    let norm: String = name
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect();
    SENSITIVE_EXACT.contains(&norm.as_str()) || SENSITIVE_FRAGMENTS.iter().any(|f| norm.contains(f))
}

/// `(name, value)` of a `name=value` parameter whose value is a secret.
fn secret_param(pair: &str) -> Option<(&str, &str)> {
    pair.split_once('=')
        .filter(|(name, value)| !value.is_empty() && is_sensitive_param(name))
}

fn redact_params(params: &str, out: &mut String) {
    for (i, pair) in params.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match secret_param(pair) {
            Some((name, _)) => {
                out.push_str(name);
                out.push('=');
                out.push_str(REDACTED);
            }
            None => out.push_str(pair),
        }
    }
}

/// A URL cut into its parts (borrowed, nothing decoded).
struct UrlParts<'a> {
    /// `scheme://`, or empty for a URL without a scheme.
    scheme: &'a str,
    /// `user:pass` before the last `@` of the authority, if any.
    userinfo: Option<&'a str>,
    /// Host and port.
    host: &'a str,
    /// Path (from the first `/` after the authority).
    path: &'a str,
    /// Query without the `?`.
    query: Option<&'a str>,
    /// Fragment without the `#`.
    fragment: Option<&'a str>,
}

impl<'a> UrlParts<'a> {
    fn split(url: &'a str) -> Self {
        let (before_fragment, fragment) = match url.split_once('#') {
            Some((b, f)) => (b, Some(f)),
            None => (url, None),
        };
        let (base, query) = match before_fragment.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (before_fragment, None),
        };
        let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
        let authority_end = base[authority_start..]
            .find('/')
            .map(|i| authority_start + i)
            .unwrap_or(base.len());
        let authority = &base[authority_start..authority_end];
        let (userinfo, host) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        Self {
            scheme: &base[..authority_start],
            userinfo,
            host,
            path: &base[authority_end..],
            query,
            fragment,
        }
    }

    /// The fragment when it holds `name=value` parameters (OAuth implicit flow), not an
    /// anchor.
    fn fragment_params(&self) -> Option<&'a str> {
        self.fragment.filter(|f| f.contains('='))
    }
}

/// Removes credentials from a URL: userinfo (`user:pass@host` → `***@host`) and the values of
/// query or fragment parameters whose names look secret (`key`, `apikey`, `api_key`,
/// `token`, `access_token`, `secret`, `password`, `auth`, `authorization`, `signature`, ...).
/// Works on URLs without a scheme (`user:pw@host:26657`) and leaves everything else intact.
/// Secrets embedded in path segments (e.g. `/v3/<project-key>`) cannot be recognised and are
/// kept.
pub fn redact_url(url: &str) -> String {
    let parts = UrlParts::split(url);
    let mut out = String::with_capacity(url.len());
    out.push_str(parts.scheme);
    if parts.userinfo.is_some() {
        out.push_str(REDACTED);
        out.push('@');
    }
    out.push_str(parts.host);
    out.push_str(parts.path);
    if let Some(q) = parts.query {
        out.push('?');
        redact_params(q, &mut out);
    }
    if let Some(f) = parts.fragment {
        out.push('#');
        if parts.fragment_params().is_some() {
            redact_params(f, &mut out);
        } else {
            out.push_str(f);
        }
    }
    out
}

/// Shortest secret [`redact_known_secrets`] replaces: shorter ones would mangle unrelated text.
const MIN_SECRET_LEN: usize = 3;

/// The secrets `url` carries: its userinfo and the values of its secret-looking query and
/// fragment parameters (those [`redact_url`] hides).
pub(crate) fn url_secrets(url: &str) -> Vec<String> {
    let parts = UrlParts::split(url);
    let mut secrets: Vec<String> = parts
        .userinfo
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .into_iter()
        .collect();
    for params in [parts.query, parts.fragment_params()].into_iter().flatten() {
        secrets.extend(
            params
                .split('&')
                .filter_map(secret_param)
                .map(|(_, value)| value.to_string()),
        );
    }
    // Longest first, so a secret containing another is replaced whole.
    crate::sort::sort_by_key(&mut secrets, |s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    secrets
}

/// [`redact_text`], after replacing every occurrence of the given `secrets` (from
/// [`url_secrets`]) of at least three characters with `***`, wherever they stand: for
/// messages that may quote a known URL's credentials outside a URL (e.g. a host transport's
/// error text).
pub(crate) fn redact_known_secrets(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= MIN_SECRET_LEN) {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), REDACTED);
        }
    }
    redact_text(&out)
}

fn is_url_terminator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | ')' | ']' | '}' | ',')
}

/// Redacts free text such as an error message: every `scheme://...` URL in it goes through
/// [`redact_url`], and `Bearer <token>` / `Authorization: <scheme> <token>` become `***`.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        // Walk back over the scheme characters.
        let scheme_start = rest[..pos]
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            .last()
            .map(|(i, _)| i)
            .unwrap_or(pos);
        let mut end = rest[pos + 3..]
            .find(is_url_terminator)
            .map(|i| pos + 3 + i)
            .unwrap_or(rest.len());
        // Sentence punctuation right after a URL is not part of it.
        while end > pos + 3 && rest[..end].ends_with(['.', ':', ';', '!', '?']) {
            end -= 1;
        }
        out.push_str(&rest[..scheme_start]);
        out.push_str(&redact_url(&rest[scheme_start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    redact_auth_schemes(&out)
}

/// `Bearer abc.def` → `Bearer ***`; `Authorization: Basic dXNlcjpwdw==` →
/// `Authorization: Basic ***` (case-insensitive, whole words only).
fn redact_auth_schemes(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    loop {
        let hit = ["bearer ", "authorization:", "authorization="]
            .iter()
            .filter_map(|p| lower[i..].find(p).map(|at| (i + at, p.len())))
            .min();
        let Some((at, plen)) = hit else { break };
        let whole_word = !text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        let mut token_start = at + plen;
        if whole_word && !lower[at..].starts_with("bearer ") {
            // Skip spaces, then an optional scheme word ("Basic ", "Bearer ", "Token ").
            token_start += text[token_start..].len() - text[token_start..].trim_start().len();
            let word_len = text[token_start..]
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(0);
            if word_len > 0 && text[token_start + word_len..].starts_with(' ') {
                token_start += word_len + 1;
            }
        }
        let token_end = text[token_start..]
            .find(is_url_terminator)
            .map(|e| token_start + e)
            .unwrap_or(text.len());
        out.push_str(&text[i..token_start]);
        if whole_word && token_end > token_start {
            out.push_str(REDACTED);
            i = token_end;
        } else {
            i = token_start;
        }
    }
    out.push_str(&text[i..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_redacted() {
        assert_eq!(
            redact_url("https://alice:s3cret@rpc.example.com:443/path"),
            "https://***@rpc.example.com:443/path"
        );
        assert_eq!(
            redact_url("https://APIKEY123@rpc.example.com"),
            "https://***@rpc.example.com"
        );
        // No scheme.
        assert_eq!(redact_url("u:p@host:26657"), "***@host:26657");
        // An '@' in the path is not userinfo.
        assert_eq!(
            redact_url("http://host/users/@bob"),
            "http://host/users/@bob"
        );
    }

    #[test]
    fn sensitive_query_params_are_redacted_others_kept() {
        assert_eq!(
            redact_url("https://h/x?apikey=abc&height=5&api_key=def&Access-Token=t&auth=z"),
            "https://h/x?apikey=***&height=5&api_key=***&Access-Token=***&auth=***"
        );
        assert_eq!(
            redact_url("https://h/?secret=1&password=2&X-Api-Key=3&sig=4&flag"),
            "https://h/?secret=***&password=***&X-Api-Key=***&sig=***&flag"
        );
        assert_eq!(redact_url("https://h/?token="), "https://h/?token=");
        assert_eq!(
            redact_url("https://h/cb#access_token=abc&state=9"),
            "https://h/cb#access_token=***&state=9"
        );
        assert_eq!(
            redact_url("https://h/page#section"),
            "https://h/page#section"
        );
    }

    #[test]
    fn clean_urls_are_unchanged() {
        for u in [
            "http://localhost:26657",
            "https://rpc.mantrachain.io/status?height=10",
            "",
            "not a url",
        ] {
            assert_eq!(redact_url(u), u);
        }
    }

    #[test]
    fn text_with_urls_and_bearer_tokens_is_redacted() {
        let msg =
            "error sending request for url (https://bob:pw@rpc.io/?token=abc): connection refused";
        assert_eq!(
            redact_text(msg),
            "error sending request for url (https://***@rpc.io/?token=***): connection refused"
        );
        assert_eq!(
            redact_text("401 with header Authorization: Bearer eyJhbGci.x.y"),
            "401 with header Authorization: Bearer ***"
        );
        assert_eq!(
            redact_text("two: http://a:b@x and ws://h/?key=k done"),
            "two: http://***@x and ws://h/?key=*** done"
        );
        assert_eq!(redact_text("plain message"), "plain message");
        assert_eq!(
            redact_text("failed: http://h/?key=abc. Retrying"),
            "failed: http://h/?key=***. Retrying"
        );
        assert_eq!(
            redact_text("header authorization: Basic dXNlcjpwdw== rejected"),
            "header authorization: Basic *** rejected"
        );
        assert_eq!(redact_text("authorization=abc"), "authorization=***");
        assert_eq!(redact_text("basic arithmetic"), "basic arithmetic");
        assert_eq!(redact_text("subearer x"), "subearer x");
    }

    #[test]
    fn userinfo_is_redacted_up_to_the_last_at_of_the_authority() {
        assert_eq!(redact_url("http://a@b@host/x@y"), "http://***@host/x@y");
        assert_eq!(
            redact_url("https://alice:s3cret@rpc.example:443/a@b"),
            "https://***@rpc.example:443/a@b"
        );
        assert_eq!(redact_url("http://host:1/x"), "http://host:1/x");
        assert_eq!(
            redact_url("https://user:key@rpc.example.com:443/v1/?apikey=x#f"),
            "https://***@rpc.example.com:443/v1/?apikey=***#f"
        );
        assert_eq!(redact_url("host/p?x"), "host/p?x");
    }

    #[test]
    fn url_secrets_lists_userinfo_and_secret_params_longest_first() {
        assert_eq!(
            url_secrets("https://alice:s3cret@h/?height=5&apikey=K123#access_token=tok"),
            vec!["alice:s3cret", "K123", "tok"]
        );
        assert_eq!(
            url_secrets("https://h/path?height=5#section"),
            Vec::<String>::new()
        );
        assert_eq!(url_secrets("https://@h/"), Vec::<String>::new());
    }

    #[test]
    fn known_secrets_are_removed_wherever_they_stand() {
        let secrets = url_secrets("https://alice:s3cret@rpc.example/x?token=T0K3N");
        assert_eq!(
            redact_known_secrets("refused: https://alice:s3cret@rpc.example/x", &secrets),
            "refused: https://***@rpc.example/x"
        );
        // Quoted outside a URL (e.g. a host transport's own message).
        assert_eq!(
            redact_known_secrets("auth alice:s3cret rejected, token T0K3N expired", &secrets),
            "auth *** rejected, token *** expired"
        );
        // Too short to replace without mangling the text; URLs are still redacted.
        let short = url_secrets("https://u@h/?key=ab");
        assert_eq!(
            redact_known_secrets("user u: http://u@h/?key=ab", &short),
            "user u: http://***@h/?key=***"
        );
    }
}
