//! The binary encoding of stored records, in one place so the format can be swapped without
//! touching callers. Postcard: compact, serde-based and maintained (bincode, which the first
//! design named, was declared unmaintained upstream: RUSTSEC-2025-0141).

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Encodes a value.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising our own plain data types into a Vec cannot fail; an empty record would
    // be caught by `decode` as corrupt rather than silently accepted.
    postcard::to_stdvec(value).unwrap_or_default()
}

/// Decodes a value, or says why it cannot.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    postcard::from_bytes(bytes).map_err(|e| e.to_string())
}
