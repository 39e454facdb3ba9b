//! The grid-file table of the blob-like kinds (`blobs`, `varied`, `anisotropic`, `uneven`).
//!
//! They share one parameter set, [`BlobsParams`], but not one set of keys: `anisotropic` has no
//! `n_features` (its transformation sets it), `uneven` no `centers` (its sizes set them), and
//! each has its own defaults. Serde's derive cannot say that without a struct per kind, and
//! `#[serde(flatten)]` ignores `deny_unknown_fields`; so each kind names the keys it accepts
//! ([`BlobsTable::KEYS`]), and this one reader fills the shared ones. A key outside the list
//! is refused with serde's own unknown-field message, from the key itself (so TOML points at
//! it), exactly as the derive does.

use std::{fmt, marker::PhantomData};

use serde::{
    Deserializer, Serializer,
    de::{self, DeserializeSeed, MapAccess, Visitor},
    ser::SerializeStruct,
};

use crate::BlobsParams;

/// A blob-like kind's table: its keys, its defaults, and the keys it reads itself.
pub(crate) trait BlobsTable: Sized {
    /// The name serde's messages give the table.
    const NAME: &'static str;
    /// Every key the kind accepts, in the order serde's unknown-field message lists them.
    const KEYS: &'static [&'static str];

    /// The kind's defaults (every key is optional).
    fn preset() -> Self;

    /// The shared parameters.
    fn blobs(&self) -> &BlobsParams;

    /// The shared parameters, to fill.
    fn blobs_mut(&mut self) -> &mut BlobsParams;

    /// Reads `key` if the kind reads it itself; `Ok(false)` leaves it to the shared reader.
    fn read_own<'de, A: MapAccess<'de>>(
        &mut self,
        _key: &str,
        _map: &mut A,
    ) -> Result<bool, A::Error> {
        Ok(false)
    }

    /// Writes `key` if it is the kind's own; `Ok(false)` leaves it to the shared writer.
    fn write_own<S: SerializeStruct>(
        &self,
        _key: &'static str,
        _out: &mut S,
    ) -> Result<bool, S::Error> {
        Ok(false)
    }
}

/// Reads a kind's table: its preset, then every key given.
pub(crate) fn read<'de, T: BlobsTable, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_struct(T::NAME, T::KEYS, TableVisitor::<T>(PhantomData))
}

/// Writes a kind's table: every key it accepts.
pub(crate) fn write<T: BlobsTable, S: Serializer>(table: &T, s: S) -> Result<S::Ok, S::Error> {
    let mut out = s.serialize_struct(T::NAME, T::KEYS.len())?;
    for &key in T::KEYS {
        if !table.write_own(key, &mut out)? {
            write_shared(table.blobs(), key, &mut out)?;
        }
    }
    out.end()
}

fn read_shared<'de, A: MapAccess<'de>>(
    p: &mut BlobsParams,
    key: &'static str,
    keys: &'static [&'static str],
    map: &mut A,
) -> Result<(), A::Error> {
    match key {
        "n_samples" => p.n_samples = map.next_value()?,
        "n_features" => p.n_features = map.next_value()?,
        "centers" => p.centers = map.next_value()?,
        "cluster_std" => p.cluster_std = map.next_value()?,
        "center_box" => p.center_box = map.next_value()?,
        "shuffle" => p.shuffle = map.next_value()?,
        "seed" => p.seed = map.next_value()?,
        "rng" => p.rng = map.next_value()?,
        // A kind listing a key that neither it nor the shared reader knows.
        other => return Err(de::Error::unknown_field(other, keys)),
    }
    Ok(())
}

fn write_shared<S: SerializeStruct>(
    p: &BlobsParams,
    key: &'static str,
    out: &mut S,
) -> Result<(), S::Error> {
    match key {
        "n_samples" => out.serialize_field(key, &p.n_samples),
        "n_features" => out.serialize_field(key, &p.n_features),
        "centers" => out.serialize_field(key, &p.centers),
        "cluster_std" => out.serialize_field(key, &p.cluster_std),
        "center_box" => out.serialize_field(key, &p.center_box),
        "shuffle" => out.serialize_field(key, &p.shuffle),
        "seed" => out.serialize_field(key, &p.seed),
        "rng" => out.serialize_field(key, &p.rng),
        _ => Err(serde::ser::Error::custom(format!(
            "no shared parameter is named `{key}`"
        ))),
    }
}

struct TableVisitor<T>(PhantomData<T>);

impl<'de, T: BlobsTable> Visitor<'de> for TableVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut table = T::preset();
        let mut seen = vec![false; T::KEYS.len()];
        while let Some(i) = map.next_key_seed(Key(T::KEYS))? {
            let key = T::KEYS[i];
            if std::mem::replace(&mut seen[i], true) {
                return Err(de::Error::duplicate_field(key));
            }
            if !table.read_own(key, &mut map)? {
                read_shared(table.blobs_mut(), key, T::KEYS, &mut map)?;
            }
        }
        Ok(table)
    }
}

/// A key, as its index in the kind's list; any other is refused while the key is read, as
/// serde's derive does (so the deserializer can point at the key).
#[derive(Clone, Copy)]
struct Key(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for Key {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl Visitor<'_> for Key {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|k| *k == v)
            .ok_or_else(|| E::unknown_field(v, self.0))
    }
}

/// `Serialize` and `Deserialize` of blob-like tables through [`read`] and [`write`].
macro_rules! blobs_table_serde {
    ($($t:ty),+) => {$(
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::table::read(d)
            }
        }
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $crate::table::write(self, s)
            }
        }
    )+};
}
pub(crate) use blobs_table_serde;
