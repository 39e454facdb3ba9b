//! The grid file as text and as a tree of values that remember where they were written.
//!
//! Every value and key of the file keeps its byte span, so that any later problem (an unknown
//! key, a bad value, a `k` larger than the data) can be reported at its line and column, and
//! all problems of a file can be gathered before anything runs.

use std::{
    fmt,
    ops::Range,
    path::{Path, PathBuf},
};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

/// The text of a grid file, with what is needed to turn byte offsets into lines and columns.
#[derive(Debug, Clone)]
pub struct Source {
    path: PathBuf,
    text: String,
    line_starts: Vec<usize>,
}

impl Source {
    /// Wraps the text read from `path`.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Source {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// The file's path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line, column)
    }

    /// A problem at `span`, about `key`.
    pub fn problem(
        &self,
        span: &Range<usize>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Problem {
        let (line, column) = self.position(span.start);
        Problem {
            line,
            column,
            key: key.into(),
            message: message.into(),
        }
    }
}

/// One thing wrong with a grid file, at a place a person can find.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The key concerned, as a dotted path (`model.gmm.covariance_type`, `grid.k`); empty when
    /// the problem is about the file as a whole.
    pub key: String,
    /// What is wrong, and what is allowed.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: ", self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "`{}`: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

/// A key with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key's name.
    pub name: String,
    /// Where the key was written.
    pub span: Range<usize>,
}

/// A value of the file with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value was written (for a table, its header or braces).
    pub span: Range<usize>,
    /// The value.
    pub value: NodeValue,
}

/// The kinds of TOML values a grid uses (dates are refused when read).
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// An array.
    Array(Vec<Node>),
    /// A table, in file order.
    Table(Vec<(Key, Node)>),
}

impl NodeValue {
    /// What a person calls this kind of value.
    pub fn type_name(&self) -> &'static str {
        match self {
            NodeValue::Str(_) => "a string",
            NodeValue::Int(_) => "an integer",
            NodeValue::Float(_) => "a float",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Array(_) => "an array",
            NodeValue::Table(_) => "a table",
        }
    }
}

impl Node {
    /// Parses a whole file into its root table.
    pub fn parse(text: &str) -> Result<Node, toml::de::Error> {
        let root: SpannedNode = toml::from_str(text)?;
        let mut node = root.into_node();
        // The root's span would be the whole file; point at its start instead.
        node.span = 0..0;
        Ok(node)
    }

    /// The entries, when this is a table.
    pub fn as_table(&self) -> Option<&[(Key, Node)]> {
        match &self.value {
            NodeValue::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The string, when this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a plain [`toml::Value`] (spans dropped).
    pub fn to_toml(&self) -> toml::Value {
        match &self.value {
            NodeValue::Str(s) => toml::Value::String(s.clone()),
            NodeValue::Int(i) => toml::Value::Integer(*i),
            NodeValue::Float(x) => toml::Value::Float(*x),
            NodeValue::Bool(b) => toml::Value::Boolean(*b),
            NodeValue::Array(a) => toml::Value::Array(a.iter().map(Node::to_toml).collect()),
            NodeValue::Table(t) => toml::Value::Table(
                t.iter()
                    .map(|(k, v)| (k.name.clone(), v.to_toml()))
                    .collect(),
            ),
        }
    }
}

/// Looks a key up in table entries.
pub fn get<'a>(table: &'a [(Key, Node)], name: &str) -> Option<&'a (Key, Node)> {
    table.iter().find(|(k, _)| k.name == name)
}

/// The serde shape that captures spans: toml's deserializer fills [`Spanned`] at any depth.
struct SpannedNode(Spanned<RawValue>);

enum RawValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Array(Vec<SpannedNode>),
    Table(Vec<(Spanned<String>, SpannedNode)>),
}

impl SpannedNode {
    fn into_node(self) -> Node {
        let span = self.0.span();
        let value = match self.0.into_inner() {
            RawValue::Str(s) => NodeValue::Str(s),
            RawValue::Int(i) => NodeValue::Int(i),
            RawValue::Float(x) => NodeValue::Float(x),
            RawValue::Bool(b) => NodeValue::Bool(b),
            RawValue::Array(a) => NodeValue::Array(a.into_iter().map(Self::into_node).collect()),
            RawValue::Table(t) => NodeValue::Table(
                t.into_iter()
                    .map(|(k, v)| {
                        let key = Key {
                            span: k.span(),
                            name: k.into_inner(),
                        };
                        (key, v.into_node())
                    })
                    .collect(),
            ),
        };
        Node { span, value }
    }
}

impl<'de> Deserialize<'de> for SpannedNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Spanned::<RawValue>::deserialize(d).map(SpannedNode)
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TOML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawValue, E> {
        i64::try_from(v)
            .map(RawValue::Int)
            .map_err(|_| E::custom(format!("integer {v} is too large")))
    }
    fn visit_f64<E>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<SpannedNode>()? {
            out.push(v);
        }
        Ok(RawValue::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<Spanned<String>>()? {
            if k.get_ref().starts_with("$__toml_private") {
                return Err(de::Error::custom(
                    "dates and times are not used in grid files",
                ));
            }
            let v = map.next_value::<SpannedNode>()?;
            out.push((k, v));
        }
        // toml's deserializer hands tables over in key order, not file order; file order is
        // what the grid's documented cell order follows, so restore it from the spans.
        out.sort_by_key(|(k, _)| k.span().start);
        Ok(RawValue::Table(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_keys_and_values() {
        let text = "[data]\nkind = \"blobs\"\n\n[[model]]\nkind = \"gmm\"\nn_init = 3\n";
        let src = Source::new("g.toml", text);
        let root = Node::parse(text).unwrap();
        let t = root.as_table().unwrap();
        let (_, models) = get(t, "model").unwrap();
        let NodeValue::Array(models) = &models.value else {
            panic!()
        };
        let m = models[0].as_table().unwrap();
        let (k, v) = get(m, "n_init").unwrap();
        assert_eq!(src.position(k.span.start), (6, 1));
        assert_eq!(src.position(v.span.start), (6, 10));
        assert_eq!(v.value, NodeValue::Int(3));
    }

    #[test]
    fn tables_keep_file_order() {
        let text = "[grid]\nzeta = [1]\nalpha = [2]\nk = [3]\n";
        let root = Node::parse(text).unwrap();
        let (_, grid) = get(root.as_table().unwrap(), "grid").unwrap();
        let names: Vec<_> = grid
            .as_table()
            .unwrap()
            .iter()
            .map(|(k, _)| k.name.as_str())
            .collect();
        assert_eq!(names, ["zeta", "alpha", "k"]);
    }

    #[test]
    fn position_counts_characters() {
        let src = Source::new("g", "a = \"é\"\nb = 1\n");
        assert_eq!(src.position(0), (1, 1));
        assert_eq!(src.position(9), (2, 1));
        assert_eq!(src.position(10), (2, 2));
    }
}
