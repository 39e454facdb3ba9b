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

/// The serde shape that captures spans, through the protocol of `serde_spanned` (toml's
/// `Spanned`): asked for a struct of this name and these fields, toml's deserializer hands
/// over a value's or a key's span and the value itself. Unlike `Spanned`, this accepts what
/// toml has no span for: the tables that a dotted header creates implicitly (`grid` in
/// `[grid.gmm]` with no `[grid]` above) and their keys, which are then placed at their first
/// entry.
struct SpannedNode {
    span: Option<Range<usize>>,
    value: RawValue,
}

/// The protocol's struct name and fields.
const SPANNED: &str = "$__serde_spanned_private_Spanned";
const SPANNED_START: &str = "$__serde_spanned_private_start";
const SPANNED_END: &str = "$__serde_spanned_private_end";
const SPANNED_VALUE: &str = "$__serde_spanned_private_value";
const SPANNED_FIELDS: &[&str] = &[SPANNED_START, SPANNED_END, SPANNED_VALUE];

enum RawValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Array(Vec<SpannedNode>),
    Table(Vec<(Option<Range<usize>>, String, SpannedNode)>),
}

impl SpannedNode {
    /// Where the value starts: its own span, or that of its first entry that has one.
    fn resolved_span(&self) -> Range<usize> {
        if let Some(s) = &self.span {
            return s.clone();
        }
        match &self.value {
            RawValue::Table(t) => t
                .iter()
                .find_map(|(k, _, v)| k.clone().or_else(|| Some(v.resolved_span())))
                .unwrap_or(0..0),
            RawValue::Array(a) => a.first().map_or(0..0, SpannedNode::resolved_span),
            _ => 0..0,
        }
    }

    fn into_node(self) -> Node {
        let span = self.resolved_span();
        let value = match self.value {
            RawValue::Str(s) => NodeValue::Str(s),
            RawValue::Int(i) => NodeValue::Int(i),
            RawValue::Float(x) => NodeValue::Float(x),
            RawValue::Bool(b) => NodeValue::Bool(b),
            RawValue::Array(a) => NodeValue::Array(a.into_iter().map(Self::into_node).collect()),
            RawValue::Table(t) => NodeValue::Table(
                t.into_iter()
                    .map(|(span, name, v)| {
                        // A key without a span of its own is placed where its table is.
                        let span = span.unwrap_or_else(|| v.resolved_span());
                        (Key { span, name }, v.into_node())
                    })
                    .collect(),
            ),
        };
        Node { span, value }
    }
}

impl<'de> Deserialize<'de> for SpannedNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct(SPANNED, SPANNED_FIELDS, NodeVisitor)
    }
}

/// Reads a value with its span (the protocol's map) or without one (anything else).
struct NodeVisitor;

impl NodeVisitor {
    fn bare(value: RawValue) -> SpannedNode {
        SpannedNode { span: None, value }
    }
}

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = SpannedNode;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TOML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<SpannedNode, E> {
        Ok(Self::bare(RawValue::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<SpannedNode, E> {
        Ok(Self::bare(RawValue::Int(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<SpannedNode, E> {
        RawVisitor.visit_u64(v).map(Self::bare)
    }
    fn visit_f64<E>(self, v: f64) -> Result<SpannedNode, E> {
        Ok(Self::bare(RawValue::Float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<SpannedNode, E> {
        Ok(Self::bare(RawValue::Str(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<SpannedNode, E> {
        Ok(Self::bare(RawValue::Str(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<SpannedNode, A::Error> {
        RawVisitor.visit_seq(seq).map(Self::bare)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SpannedNode, A::Error> {
        let Some(first) = map.next_key::<SpannedKey>()? else {
            return Ok(Self::bare(RawValue::Table(Vec::new())));
        };
        if first.span.is_none() && first.name == SPANNED_START {
            // The protocol: start, end, then the value.
            let start = map.next_value::<usize>()?;
            let (mut end, mut value) = (None, None);
            while let Some(field) = map.next_key::<String>()? {
                match field.as_str() {
                    SPANNED_END => end = Some(map.next_value::<usize>()?),
                    SPANNED_VALUE => value = Some(map.next_value::<RawValue>()?),
                    other => {
                        return Err(de::Error::custom(format!(
                            "unexpected span field `{other}`"
                        )));
                    }
                }
            }
            let value = value.ok_or_else(|| de::Error::custom("a span without its value"))?;
            return Ok(SpannedNode {
                span: end.map(|e| start..e),
                value,
            });
        }
        // A table toml has no span for: its entries, the first one already read.
        let v = map.next_value::<SpannedNode>()?;
        let mut out = vec![(first.span, first.name, v)];
        RawVisitor::rest_of_table(&mut map, &mut out)?;
        Ok(Self::bare(RawValue::Table(out)))
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl RawVisitor {
    /// Reads a table's remaining entries into `out`, then puts them in file order: toml's
    /// deserializer hands tables over in key order, and file order is what the grid's
    /// documented cell order follows.
    fn rest_of_table<'de, A: MapAccess<'de>>(
        map: &mut A,
        out: &mut Vec<(Option<Range<usize>>, String, SpannedNode)>,
    ) -> Result<(), A::Error> {
        while let Some(k) = map.next_key::<SpannedKey>()? {
            let v = map.next_value::<SpannedNode>()?;
            out.push((k.span, k.name, v));
        }
        if out
            .iter()
            .any(|(_, name, _)| name.starts_with("$__toml_private"))
        {
            return Err(de::Error::custom(
                "dates and times are not used in grid files",
            ));
        }
        out.sort_by_key(|(span, _, v)| span.clone().unwrap_or_else(|| v.resolved_span()).start);
        Ok(())
    }
}

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
        Self::rest_of_table(&mut map, &mut out)?;
        Ok(RawValue::Table(out))
    }
}

/// A table's key, with its span when toml has one (read through the same protocol).
struct SpannedKey {
    span: Option<Range<usize>>,
    name: String,
}

impl<'de> Deserialize<'de> for SpannedKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct(SPANNED, SPANNED_FIELDS, KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = SpannedKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table key")
    }

    fn visit_str<E>(self, v: &str) -> Result<SpannedKey, E> {
        Ok(SpannedKey {
            span: None,
            name: v.to_owned(),
        })
    }

    fn visit_string<E>(self, v: String) -> Result<SpannedKey, E> {
        Ok(SpannedKey {
            span: None,
            name: v,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SpannedKey, A::Error> {
        let (mut start, mut end, mut name) = (None, None, None);
        while let Some(field) = map.next_key::<String>()? {
            match field.as_str() {
                SPANNED_START => start = Some(map.next_value::<usize>()?),
                SPANNED_END => end = Some(map.next_value::<usize>()?),
                SPANNED_VALUE => name = Some(map.next_value::<String>()?),
                other => {
                    return Err(de::Error::custom(format!("unexpected key field `{other}`")));
                }
            }
        }
        Ok(SpannedKey {
            span: start.zip(end).map(|(s, e)| s..e),
            name: name.ok_or_else(|| de::Error::custom("a key without its name"))?,
        })
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
    fn a_table_made_by_a_dotted_header_alone_is_read() {
        // No [grid] above [grid.gmm]: toml creates `grid` implicitly, with no span of its key.
        let text = "[data]\nkind = \"blobs\"\n\n[grid.gmm]\nk = [1, 2]\n";
        let src = Source::new("g.toml", text);
        let root = Node::parse(text).unwrap();
        let (grid_key, grid) = get(root.as_table().unwrap(), "grid").unwrap();
        let (gmm_key, gmm) = get(grid.as_table().unwrap(), "gmm").unwrap();
        let (k, _) = get(gmm.as_table().unwrap(), "k").unwrap();
        assert_eq!(src.position(k.span.start), (5, 1));
        assert_eq!(src.position(gmm_key.span.start).0, 4);
        // The implicit key is placed where its table is written.
        assert_eq!(src.position(grid_key.span.start).0, 4);
    }

    #[test]
    fn position_counts_characters() {
        let src = Source::new("g", "a = \"é\"\nb = 1\n");
        assert_eq!(src.position(0), (1, 1));
        assert_eq!(src.position(9), (2, 1));
        assert_eq!(src.position(10), (2, 2));
    }
}
