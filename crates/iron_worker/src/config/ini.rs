//! A small INI reader for `config.ini` / `iron.ini`.
//!
//! The dialect is the common ground of PHP's `parse_ini_file` and Python's `configparser`:
//! `[section]` headers, `key = value` (or `key: value`) lines, whole-line comments starting with
//! `;` or `#`, inline comments after whitespace in unquoted values, and values optionally wrapped
//! in single or double quotes. Section and key names are case-insensitive (lower-cased here).
//! Keys before the first section belong to the section named `""`.

/// One `key = value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IniEntry {
    /// Lower-cased section name (`""` before any section).
    pub section: String,
    /// Lower-cased key.
    pub key: String,
    /// The value with quotes and inline comments removed.
    pub value: String,
    /// 1-based line number, for error messages.
    pub line: usize,
}

/// A syntax error, with the 1-based line it is on.
///
/// The message never quotes the line itself: it may hold a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IniError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses INI text into its entries, in file order.
pub(crate) fn parse(text: &str) -> Result<Vec<IniEntry>, IniError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut section = String::new();
    let mut entries = Vec::new();

    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }

        if let Some(rest) = line.strip_prefix('[') {
            section = parse_section(rest).map_err(|message| IniError {
                line: line_no,
                message,
            })?;
            continue;
        }

        let (key, value) = split_key_value(line).ok_or_else(|| IniError {
            line: line_no,
            message: "expected `key = value`, `[section]` or a comment".to_string(),
        })?;
        let key = key.trim();
        if key.is_empty() {
            return Err(IniError {
                line: line_no,
                message: "missing key name before `=`".to_string(),
            });
        }

        let value = parse_value(value).map_err(|message| IniError {
            line: line_no,
            message: format!("value of `{key}`: {message}"),
        })?;
        entries.push(IniEntry {
            section: section.clone(),
            key: key.to_ascii_lowercase(),
            value,
            line: line_no,
        });
    }

    Ok(entries)
}

/// Reads the name of a `[section]` header (the text after `[`).
fn parse_section(rest: &str) -> Result<String, String> {
    let Some(end) = rest.find(']') else {
        return Err("section header has no closing `]`".to_string());
    };

    let trailing = rest[end + 1..].trim();
    if !(trailing.is_empty() || trailing.starts_with(';') || trailing.starts_with('#')) {
        return Err("unexpected text after the section header".to_string());
    }

    let name = rest[..end].trim();
    if name.is_empty() {
        return Err("empty section name".to_string());
    }
    Ok(name.to_ascii_lowercase())
}

/// Splits at the first `=` or `:`, whichever comes first.
fn split_key_value(line: &str) -> Option<(&str, &str)> {
    let at = line.find(['=', ':'])?;
    Some((&line[..at], &line[at + 1..]))
}

/// Strips quotes and inline comments from a raw value.
fn parse_value(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let Some(quote) = raw.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        return Ok(strip_inline_comment(raw).to_string());
    };

    let body = &raw[1..];
    let Some(end) = body.find(quote) else {
        return Err(format!("missing closing {quote}"));
    };

    let trailing = body[end + 1..].trim();
    if !(trailing.is_empty() || trailing.starts_with(';') || trailing.starts_with('#')) {
        return Err(format!("unexpected text after the closing {quote}"));
    }
    Ok(body[..end].to_string())
}

/// Cuts an unquoted value at a `;` or `#` that follows whitespace.
fn strip_inline_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if (*b == b';' || *b == b'#') && i > 0 && bytes[i - 1].is_ascii_whitespace() {
            return value[..i].trim_end();
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str) -> Vec<(String, String, String)> {
        parse(text)
            .unwrap()
            .into_iter()
            .map(|e| (e.section, e.key, e.value))
            .collect()
    }

    fn e(s: &str, k: &str, v: &str) -> (String, String, String) {
        (s.to_string(), k.to_string(), v.to_string())
    }

    #[test]
    fn reads_sections_keys_and_comments() {
        let text = "\u{feff}; top comment\nhost = a.example\n\n[Iron_Worker]\n# c\n\
                    TOKEN = \"abc def\" ; note\nport: 8080\nproject_id='p1'\n";
        assert_eq!(
            entries(text),
            vec![
                e("", "host", "a.example"),
                e("iron_worker", "token", "abc def"),
                e("iron_worker", "port", "8080"),
                e("iron_worker", "project_id", "p1"),
            ]
        );
    }

    #[test]
    fn inline_comments_need_whitespace_before_them() {
        assert_eq!(
            entries("a = x#y\nb = x #y\nc = x;y ; z"),
            vec![e("", "a", "x#y"), e("", "b", "x"), e("", "c", "x;y"),]
        );
    }

    #[test]
    fn equals_before_colon_splits_at_equals() {
        assert_eq!(
            entries("host = http://x:1\nurl: a=b"),
            vec![e("", "host", "http://x:1"), e("", "url", "a=b"),]
        );
    }

    #[test]
    fn empty_value_is_kept_empty() {
        assert_eq!(entries("token =\n"), vec![e("", "token", "")]);
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = parse("[iron]\ntoken = x\nthis is not ini\n").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(!err.message.contains("this is not ini"));

        assert_eq!(parse("[iron\n").unwrap_err().line, 1);
        assert_eq!(parse("a=1\n[]\n").unwrap_err().line, 2);
        assert_eq!(parse("= 1\n").unwrap_err().line, 1);
        assert_eq!(parse("a = \"x\n").unwrap_err().line, 1);
        assert_eq!(parse("a = \"x\" y\n").unwrap_err().line, 1);
        assert_eq!(parse("[a] b\n").unwrap_err().line, 1);
    }
}
