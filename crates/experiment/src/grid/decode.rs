//! Typed values from parts of the grid file, with errors placed at their key.
//!
//! The algorithm and data crates define their parameters as serde structs
//! (`deny_unknown_fields`, scikit-learn's names). The planner assembles each cell's parameters
//! from several places of the file (a model's table, a `[grid]` axis, a `[grid.NAME]` axis)
//! into one [`toml::Table`] of typed values ([`table`]), which the parameter struct reads
//! directly. Each [`Entry`] remembers where its key and value were written, so that an error
//! about a parameter ([`problem`]) is reported at its line and column in the original file.

use std::ops::Range;

use super::source::{Problem, Source};
use crate::text::with_suggestion;

/// One key of an assembled table: its value and where it was written in the grid file.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The parameter's name, as the algorithm crate spells it.
    pub name: String,
    /// The value.
    pub value: toml::Value,
    /// The dotted path used in messages (`grid.gmm.covariance_type`).
    pub path: String,
    /// Where the key was written.
    pub key_span: Range<usize>,
    /// Where the value was written.
    pub value_span: Range<usize>,
}

/// Where the assembled table as a whole lives (for "missing field" errors).
#[derive(Debug, Clone)]
pub struct Whole<'a> {
    /// Dotted path of the table (`model.gmm`).
    pub path: &'a str,
    /// Its span in the file.
    pub span: &'a Range<usize>,
}

/// The entries as one table of typed values (a later entry of a name replaces an earlier one).
pub fn table(entries: &[Entry]) -> toml::Table {
    entries
        .iter()
        .map(|e| (e.name.clone(), e.value.clone()))
        .collect()
}

/// A problem about the parameter `key` of the entries (`""`: the table as a whole), placed at
/// the entry's key for an unknown key, at its value otherwise, and at the table when no entry
/// has that name.
pub fn problem(
    entries: &[Entry],
    src: &Source,
    whole: &Whole<'_>,
    key: &str,
    message: &str,
) -> Problem {
    let message = with_suggestion(message);
    match entries
        .iter()
        .rev()
        .find(|e| !key.is_empty() && e.name == key)
    {
        Some(e) if message.starts_with("unknown field") => {
            src.problem(&e.key_span, &e.path, message)
        }
        Some(e) => src.problem(&e.value_span, &e.path, message),
        None => src.problem(whole.span, whole.path, message),
    }
}

/// Writes a key, quoting it unless it is a bare key.
pub fn push_key(out: &mut String, key: &str) {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        out.push_str(key);
    } else {
        push_value(out, &toml::Value::String(key.to_owned()));
    }
}

/// Writes a value in TOML syntax, inline.
pub fn push_value(out: &mut String, v: &toml::Value) {
    use std::fmt::Write;
    match v {
        toml::Value::Table(t) => {
            out.push_str("{ ");
            for (i, (k, v)) in t.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_key(out, k);
                out.push_str(" = ");
                push_value(out, v);
            }
            out.push_str(" }");
        }
        toml::Value::Array(a) => {
            out.push('[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_value(out, v);
            }
            out.push(']');
        }
        // Floats in shortest round-trip form, always with a point or exponent so that TOML
        // reads them back as floats.
        toml::Value::Float(x) if x.is_finite() => {
            let _ = write!(out, "{x:?}");
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct P {
        n_init: usize,
        tol: Option<f64>,
    }

    fn entry(name: &str, value: toml::Value, at: usize) -> Entry {
        Entry {
            name: name.into(),
            value,
            path: format!("model.{name}"),
            key_span: at..at + name.len(),
            value_span: at + 8..at + 9,
        }
    }

    fn read(entries: &[Entry], src: &Source) -> Problem {
        let whole = Whole {
            path: "model",
            span: &(0..0),
        };
        match crate::registry::deserialize_tracked::<P>(toml::Value::Table(table(entries))) {
            Err(crate::registry::BuildError::Parse { key, error }) => {
                problem(entries, src, &whole, &key, error.message())
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_key_is_placed_at_the_key_with_a_suggestion() {
        let src = Source::new("g.toml", "n_init = 1\n0123456789n_int = 3\n");
        let entries = [
            entry("n_init", toml::Value::Integer(1), 0),
            entry("n_int", toml::Value::Integer(3), 21),
        ];
        let p = read(&entries, &src);
        assert_eq!((p.line, p.column), (2, 11));
        assert_eq!(p.key, "model.n_int");
        assert!(
            p.message.contains("did you mean `n_init`?"),
            "{}",
            p.message
        );
    }

    #[test]
    fn wrong_type_is_placed_at_the_value() {
        let src = Source::new("g.toml", "0123456789\n0123456789n_init = \"x\"\n");
        let entries = [entry("n_init", toml::Value::String("x".into()), 11)];
        let p = read(&entries, &src);
        assert_eq!(p.key, "model.n_init");
        assert_eq!((p.line, p.column), (2, 9));
        assert!(p.message.contains("invalid type"), "{}", p.message);
    }

    #[test]
    fn a_missing_field_is_about_the_table() {
        let src = Source::new("g.toml", "tol = 1.0\n");
        let entries = [entry("tol", toml::Value::Float(1.0), 0)];
        let p = read(&entries, &src);
        assert_eq!(p.key, "model");
        assert!(
            p.message.contains("missing field `n_init`"),
            "{}",
            p.message
        );
    }

    #[test]
    fn floats_render_as_floats() {
        let mut s = String::new();
        push_value(&mut s, &toml::Value::Float(1.0));
        assert_eq!(s, "1.0");
        s.clear();
        push_value(&mut s, &toml::Value::Float(1e-300));
        assert_eq!(s, "1e-300");
    }
}
