//! A JSON serializer that writes the model by the IR's local rules as it goes: a struct's
//! fields that are null, false or empty are left out; a text of one literal run (and no
//! translations) is its string; a list of one wording for all the audiences of the struct
//! holding it is that wording's text. A struct is written straight into the output, a field
//! taken back if it turns out to be a default and the folds made in place at its end (a
//! mapping's entries go through small buffers), so nothing is built but bytes.

use std::cell::RefCell;

use quire_core::model::Condition;
use serde::Serialize;
use serde::ser::{self, Impossible};

use crate::conditions::Conditions;

#[derive(Debug)]
pub(crate) struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// `value` as compact JSON by the IR's rules, every [`Condition`] in it written as its number
/// in `conditions`.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T, conditions: &RefCell<Conditions>) -> String {
    let mut out = Vec::with_capacity(256);
    if value
        .serialize(Compact {
            out: &mut out,
            conditions,
        })
        .is_err()
    {
        out.clear();
        out.extend_from_slice(b"null");
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Null, false, an empty list or an empty mapping: what a reader assumes when a field is absent.
pub(crate) fn is_default(json: &[u8]) -> bool {
    matches!(json, b"null" | b"false" | b"[]" | b"{}")
}

struct Compact<'a> {
    out: &'a mut Vec<u8>,
    conditions: &'a RefCell<Conditions>,
}

fn primitive<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) -> Result<(), Error> {
    serde_json::to_writer(out, v).map_err(|e| Error(e.to_string()))
}

macro_rules! primitives {
    ($($f:ident: $t:ty),*) => {
        $(fn $f(self, v: $t) -> Result<(), Error> {
            primitive(self.out, &v)
        })*
    };
}

impl<'a> ser::Serializer for Compact<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Seq<'a>;
    type SerializeMap = MapWriter<'a>;
    type SerializeStruct = StructWriter<'a>;
    type SerializeStructVariant = StructWriter<'a>;

    primitives!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_f32: f32, serialize_f64: f64, serialize_char: char);

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        primitive(self.out, v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        primitive(self.out, v)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), Error> {
        primitive(self.out, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, v: &T) -> Result<(), Error> {
        if name != Condition::SERDE_NAME {
            return v.serialize(self);
        }
        // A condition: written once in the table, here by its number.
        let mut json = Vec::with_capacity(128);
        v.serialize(Compact {
            out: &mut json,
            conditions: self.conditions,
        })?;
        let json = String::from_utf8(json).map_err(|e| Error(e.to_string()))?;
        let n = self.conditions.borrow_mut().number(json);
        primitive(self.out, &n)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.out.push(b'{');
        primitive(self.out, variant)?;
        self.out.push(b':');
        v.serialize(Compact {
            out: self.out,
            conditions: self.conditions,
        })?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Seq<'a>, Error> {
        self.out.push(b'[');
        Ok(Seq {
            out: self.out,
            conditions: self.conditions,
            first: true,
            close: b"]",
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Seq<'a>, Error> {
        self.out.push(b'{');
        primitive(self.out, variant)?;
        self.out.extend_from_slice(b":[");
        Ok(Seq {
            out: self.out,
            conditions: self.conditions,
            first: true,
            close: b"]}",
        })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<MapWriter<'a>, Error> {
        Ok(MapWriter {
            out: self.out,
            conditions: self.conditions,
            fields: Vec::new(),
            key: None,
        })
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<StructWriter<'a>, Error> {
        StructWriter::open(self.out, self.conditions, name, None)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<StructWriter<'a>, Error> {
        StructWriter::open(self.out, self.conditions, name, Some(variant))
    }
}

pub(crate) struct Seq<'a> {
    out: &'a mut Vec<u8>,
    conditions: &'a RefCell<Conditions>,
    first: bool,
    close: &'static [u8],
}

impl Seq<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        v.serialize(Compact {
            out: self.out,
            conditions: self.conditions,
        })
    }
    fn close(self) -> Result<(), Error> {
        self.out.extend_from_slice(self.close);
        Ok(())
    }
}

/// The four ways serde writes a list (sequence, tuple, tuple struct, tuple variant) are one
/// list here.
macro_rules! seq_impl {
    ($($trait:ident::$method:ident),*) => {
        $(impl ser::$trait for Seq<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
                self.element(v)
            }
            fn end(self) -> Result<(), Error> {
                self.close()
            }
        })*
    };
}

seq_impl!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// A struct, written straight into the output: each field is dropped again if it turns out
/// to be a default, and the folds are made in place at the end.
pub(crate) struct StructWriter<'a> {
    out: &'a mut Vec<u8>,
    conditions: &'a RefCell<Conditions>,
    name: &'static str,
    variant: Option<&'static str>,
    /// Where the struct's `{` is.
    start: usize,
    /// Each field kept: where its key starts, where its value starts.
    fields: Vec<(usize, usize)>,
}

impl<'a> StructWriter<'a> {
    fn open(
        out: &'a mut Vec<u8>,
        conditions: &'a RefCell<Conditions>,
        name: &'static str,
        variant: Option<&'static str>,
    ) -> Result<Self, Error> {
        if let Some(variant) = variant {
            out.push(b'{');
            primitive(out, variant)?;
            out.push(b':');
        }
        let start = out.len();
        out.push(b'{');
        Ok(StructWriter {
            out,
            conditions,
            name,
            variant,
            start,
            fields: Vec::new(),
        })
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &[u8], v: &T) -> Result<(), Error> {
        let key_at = self.out.len();
        if !self.fields.is_empty() {
            self.out.push(b',');
        }
        self.out.extend_from_slice(key);
        self.out.push(b':');
        let value_at = self.out.len();
        v.serialize(Compact {
            out: self.out,
            conditions: self.conditions,
        })?;
        if is_default(&self.out[value_at..]) {
            self.out.truncate(key_at);
        } else {
            self.fields.push((key_at, value_at));
        }
        Ok(())
    }

    /// A field by its name, quoted without allocating where the name is plain.
    fn named_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<(), Error> {
        let mut k = [0u8; 64];
        match quote_into(key, &mut k) {
            Some(n) => self.field(&k[..n], v),
            None => self.field(&quoted(key), v),
        }
    }

    /// The value of field `i`, as a range of the output.
    fn value(&self, i: usize) -> std::ops::Range<usize> {
        let end = self.fields.get(i + 1).map(|f| f.0).unwrap_or(self.out.len());
        self.fields[i].1..end
    }

    fn key(&self, i: usize) -> &[u8] {
        let (k, v) = self.fields[i];
        let k = if i > 0 { k + 1 } else { k };
        &self.out[k..v - 1]
    }

    fn finish(self) -> Result<(), Error> {
        if self.name == "Text"
            && self.fields.len() == 1
            && self.key(0) == b"\"segments\""
            && let Some(text) = one_literal(&self.out[self.value(0)])
        {
            let text = text.to_vec();
            self.out.truncate(self.start);
            self.out.extend_from_slice(&text);
            return Ok(());
        }
        if let Some(a) = (0..self.fields.len()).find(|&i| self.key(i) == b"\"audiences\"") {
            let audiences = self.out[self.value(a)].to_vec();
            // From the last field back, so that the earlier fields' places hold.
            for i in (0..self.fields.len()).rev() {
                if i == a {
                    continue;
                }
                let range = self.value(i);
                if let Some(text) = one_wording(&self.out[range.clone()], &audiences) {
                    let text = text.to_vec();
                    self.out.splice(range, text);
                }
            }
        }
        self.out.push(b'}');
        if self.variant.is_some() {
            self.out.push(b'}');
        }
        Ok(())
    }
}

fn field<T: Serialize + ?Sized>(
    fields: &mut Vec<(Vec<u8>, Vec<u8>)>,
    conditions: &RefCell<Conditions>,
    key: Vec<u8>,
    v: &T,
) -> Result<(), Error> {
    let mut buf = Vec::new();
    v.serialize(Compact {
        out: &mut buf,
        conditions,
    })?;
    if !is_default(&buf) {
        fields.push((key, buf));
    }
    Ok(())
}

/// A plain field name, quoted, without allocating.
fn quote_into(key: &str, buf: &mut [u8; 64]) -> Option<usize> {
    let n = key.len() + 2;
    if n > buf.len() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    buf[0] = b'"';
    buf[1..n - 1].copy_from_slice(key.as_bytes());
    buf[n - 1] = b'"';
    Some(n)
}

fn quoted(key: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(key.len() + 2);
    let _ = primitive(&mut k, key);
    k
}

fn join(out: &mut Vec<u8>, fields: &[(Vec<u8>, Vec<u8>)]) {
    out.push(b'{');
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(k);
        out.push(b':');
        out.extend_from_slice(v);
    }
    out.push(b'}');
}

/// `[{"kind":"literal","text":"…"}]`: the string.
fn one_literal(segments: &[u8]) -> Option<&[u8]> {
    let text = segments
        .strip_prefix(br#"[{"kind":"literal","text":"#)?
        .strip_suffix(b"}]")?;
    serde_json::from_slice::<&serde_json::value::RawValue>(text)
        .ok()
        .filter(|r| r.get().starts_with('"'))
        .map(|_| text)
}

/// `[{"audiences":A,"text":T}]` for the holder's own audiences `A`: `T`.
fn one_wording<'v>(v: &'v [u8], audiences: &[u8]) -> Option<&'v [u8]> {
    let rest = v.strip_prefix(br#"[{"audiences":"#)?.strip_prefix(audiences)?;
    let text = rest.strip_prefix(br#","text":"#)?.strip_suffix(b"}]")?;
    // One wording, not several: what is left must be a single JSON value.
    serde_json::from_slice::<&serde_json::value::RawValue>(text)
        .ok()
        .map(|_| text)
}

/// A struct and a struct variant are written alike.
macro_rules! struct_impl {
    ($($trait:ident),*) => {
        $(impl ser::$trait for StructWriter<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<(), Error> {
                self.named_field(key, v)
            }
            fn end(self) -> Result<(), Error> {
                self.finish()
            }
        })*
    };
}

struct_impl!(SerializeStruct, SerializeStructVariant);

/// A mapping (or a struct with a flattened part): its entries, defaults left out.
pub(crate) struct MapWriter<'a> {
    out: &'a mut Vec<u8>,
    conditions: &'a RefCell<Conditions>,
    fields: Vec<(Vec<u8>, Vec<u8>)>,
    key: Option<Vec<u8>>,
}

impl ser::SerializeMap for MapWriter<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let mut k = Vec::new();
        key.serialize(KeyWriter { out: &mut k })?;
        self.key = Some(k);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        let key = self.key.take().ok_or_else(|| Error("a value without a key".into()))?;
        field(&mut self.fields, self.conditions, key, v)
    }
    fn end(self) -> Result<(), Error> {
        join(self.out, &self.fields);
        Ok(())
    }
}

/// Mapping keys are strings (the model's are: ids, audience and language tags).
struct KeyWriter<'a> {
    out: &'a mut Vec<u8>,
}

fn not_a_key<T>() -> Result<T, Error> {
    Err(Error("a mapping key that is not text".into()))
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        primitive(self.out, v)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, v: &'static str) -> Result<(), Error> {
        primitive(self.out, v)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        primitive(self.out, &v.to_string())
    }
    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        primitive(self.out, &v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        primitive(self.out, &v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        primitive(self.out, &v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_f32(self, _: f32) -> Result<(), Error> {
        not_a_key()
    }
    fn serialize_f64(self, _: f64) -> Result<(), Error> {
        not_a_key()
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        not_a_key()
    }
    fn serialize_none(self) -> Result<(), Error> {
        not_a_key()
    }
    fn serialize_unit(self) -> Result<(), Error> {
        not_a_key()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        not_a_key()
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        not_a_key()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        not_a_key()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        not_a_key()
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Error> {
        not_a_key()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        not_a_key()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        not_a_key()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        not_a_key()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        not_a_key()
    }
}
