//! The official JSON schemas in `shared/vda5050/`, compiled once per file.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use corridor_vda5050::{ProtocolVersion, TopicKind};
use serde_json::Value;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vda5050");

fn file(version: ProtocolVersion, kind: TopicKind) -> String {
    let dir = match version {
        ProtocolVersion::V2 => "v2.1.0",
        ProtocolVersion::V3 => "v3.0.0",
    };
    format!("{ROOT}/{dir}/{}.schema", kind.name())
}

type Validators = HashMap<(ProtocolVersion, TopicKind), &'static jsonschema::Validator>;

fn validator(version: ProtocolVersion, kind: TopicKind) -> &'static jsonschema::Validator {
    static CACHE: OnceLock<Mutex<Validators>> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
    cache.entry((version, kind)).or_insert_with(|| {
        let path = file(version, kind);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{path}: {e} (shared/ must sit beside the repository)"));
        let schema: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        Box::leak(Box::new(validator))
    })
}

/// The schema violations of `json` (empty when it validates), as readable lines.
pub fn violations(version: ProtocolVersion, kind: TopicKind, json: &[u8]) -> Vec<String> {
    let instance: Value = serde_json::from_slice(json).expect("encoder wrote invalid JSON");
    validator(version, kind)
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Panics with the violations and the document when `json` does not validate.
pub fn assert_valid(version: ProtocolVersion, kind: TopicKind, json: &[u8]) {
    let found = violations(version, kind, json);
    assert!(
        found.is_empty(),
        "{version} {kind} does not validate against {}:\n{}\n{}",
        file(version, kind),
        found.join("\n"),
        String::from_utf8_lossy(json)
    );
}

#[test]
fn every_schema_file_compiles() {
    for version in ProtocolVersion::ALL {
        for kind in TopicKind::ALL {
            if kind.exists_in(version) {
                validator(version, kind);
            }
        }
    }
}
