//! Loading and validating the TOML map format documented in `maps/README.md`.
//!
//! Loading never stops at the first problem: syntax errors, structural errors (unknown,
//! missing or mistyped fields, reported once per table) and semantic errors (unknown or
//! duplicate ids, bad numbers, lengths shorter than the geometry, stations that cannot be
//! reached) are all collected, each with its file, line, column and field.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use nalgebra::Point2;
use serde::Deserialize;
use serde::de::IntoDeserializer;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::error::{Location, MapError, Problem};
use crate::geo::GeoReference;
use crate::model::{
    Flow, FlowStep, Lane, Node, NodeId, ServiceTime, SiteMap, Station, StationId, StationKind,
    VehicleProfile, polyline_length,
};

/// A lane may be this much shorter than its geometry (rounding in hand-written files), in metres.
const LENGTH_TOLERANCE: f64 = 0.01;
/// Longest lane, metres: beyond it a map is almost surely in the wrong unit (the cells of
/// one lane would not fit in memory long before `u32` runs out).
const MAX_LANE_LENGTH: f64 = 100_000.0;
/// Flow shares must sum to 1 within this.
const SHARE_TOLERANCE: f64 = 1e-6;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    name: Spanned<String>,
    origin_lat: Spanned<f64>,
    origin_lon: Spanned<f64>,
    #[serde(default)]
    bearing_deg: Option<Spanned<f64>>,
    #[serde(default)]
    border: Option<Spanned<Vec<[f64; 2]>>>,
    #[serde(default)]
    speed_limit: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNode {
    id: Spanned<String>,
    x: Spanned<f64>,
    y: Spanned<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLane {
    #[serde(default)]
    id: Option<Spanned<String>>,
    from: Spanned<String>,
    to: Spanned<String>,
    #[serde(default)]
    speed_limit: Option<Spanned<f64>>,
    #[serde(default)]
    length: Option<Spanned<f64>>,
    #[serde(default)]
    polyline: Option<Spanned<Vec<[f64; 2]>>>,
    #[serde(default)]
    two_way: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    dist: Spanned<String>,
    #[serde(default)]
    seconds: Option<Spanned<f64>>,
    #[serde(default)]
    min: Option<Spanned<f64>>,
    #[serde(default)]
    mode: Option<Spanned<f64>>,
    #[serde(default)]
    max: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStation {
    id: Spanned<String>,
    #[serde(default)]
    name: Option<String>,
    kind: Spanned<String>,
    nodes: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    capacity: Option<Spanned<i64>>,
    service: Spanned<RawService>,
    #[serde(default)]
    queue: Option<Spanned<String>>,
    #[serde(default)]
    drive_through: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVehicle {
    id: Spanned<String>,
    length: Spanned<f64>,
    width: Spanned<f64>,
    max_speed: Spanned<f64>,
    acceleration: Spanned<f64>,
    service_brake: Spanned<f64>,
    emergency_brake: Spanned<f64>,
    min_gap: Spanned<f64>,
    time_gap: Spanned<f64>,
    battery_kwh: Spanned<f64>,
    consumption_empty_kwh_per_km: Spanned<f64>,
    consumption_loaded_kwh_per_km: Spanned<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    stations: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    probability: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlow {
    id: Spanned<String>,
    #[serde(default)]
    name: Option<String>,
    share: Spanned<f64>,
    steps: Spanned<Vec<Spanned<RawStep>>>,
}

/// Collects problems with their locations.
struct Reporter<'a> {
    file: &'a Path,
    source: &'a str,
    problems: Vec<(usize, Problem)>,
    /// Ids of tables that did not deserialise: references to them are not reported again.
    broken_ids: HashSet<String>,
    /// Whether some table did not deserialise: whole-network checks are skipped.
    incomplete: bool,
}

impl Reporter<'_> {
    fn report(&mut self, span: Range<usize>, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push((
            span.start,
            Problem {
                location: Location::of_offset(self.file, self.source, span.start),
                field: field.into(),
                message: message.into(),
            },
        ));
    }

    fn positive(&mut self, value: &Spanned<f64>, field: impl Into<String>) -> f64 {
        let v = *value.get_ref();
        if !v.is_finite() || v <= 0.0 {
            self.report(
                value.span(),
                field,
                format!("must be a positive number, got {v}"),
            );
        }
        v
    }

    fn non_negative(&mut self, value: &Spanned<f64>, field: impl Into<String>) -> f64 {
        let v = *value.get_ref();
        if !v.is_finite() || v < 0.0 {
            self.report(
                value.span(),
                field,
                format!("must be zero or more, got {v}"),
            );
        }
        v
    }

    fn finite(&mut self, value: &Spanned<f64>, field: impl Into<String>) -> f64 {
        let v = *value.get_ref();
        if !v.is_finite() {
            self.report(
                value.span(),
                field,
                format!("must be a finite number, got {v}"),
            );
        }
        v
    }
}

/// Finds the key of `table` whose value contains byte `offset`: names the field of a
/// structural error.
fn field_at(table: &DeTable<'_>, offset: usize) -> Option<String> {
    table.iter().find_map(|(key, value)| {
        let span = value.span();
        (span.contains(&offset) || key.span().contains(&offset)).then(|| key.get_ref().to_string())
    })
}

/// Deserialises each element of the array of tables `section`, reporting a problem for
/// each one that does not fit its type.
fn elements<T: for<'de> Deserialize<'de>>(
    top: &DeTable<'_>,
    section: &str,
    rep: &mut Reporter<'_>,
) -> Vec<(usize, Range<usize>, T)> {
    let Some(value) = top
        .iter()
        .find(|(k, _)| k.get_ref() == section)
        .map(|(_, v)| v)
    else {
        return Vec::new();
    };
    let DeValue::Array(items) = value.get_ref() else {
        rep.report(
            value.span(),
            section,
            format!(
                "must be an array of tables ([[{section}]]), got a {}",
                value.get_ref().type_str()
            ),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match T::deserialize(item.clone().into_deserializer()) {
            Ok(v) => out.push((i, item.span(), v)),
            Err(e) => {
                rep.incomplete = true;
                let span = e.span().unwrap_or(item.span());
                let field = match item.get_ref() {
                    DeValue::Table(t) => {
                        if let Some(id) = t.get("id").and_then(|v| v.get_ref().as_str()) {
                            rep.broken_ids.insert(id.to_string());
                        }
                        field_at(t, span.start)
                    }
                    _ => None,
                };
                let path = match field {
                    Some(f) => format!("{section}[{i}].{f}"),
                    None => format!("{section}[{i}]"),
                };
                let message = e.message().lines().next().unwrap_or("invalid").to_string();
                rep.report(span, path, message);
            }
        }
    }
    out
}

fn has_section(top: &DeTable<'_>, section: &str) -> bool {
    top.iter().any(|(k, _)| k.get_ref() == section)
}

fn points(raw: &[[f64; 2]]) -> Vec<Point2<f64>> {
    raw.iter().map(|p| Point2::new(p[0], p[1])).collect()
}

impl SiteMap {
    /// Reads and validates the map file at `path`.
    ///
    /// # Errors
    /// [`MapError::Io`] when the file cannot be read, [`MapError::Invalid`] with every
    /// problem found when it can.
    pub fn load(path: impl AsRef<Path>) -> Result<SiteMap, MapError> {
        let path = path.as_ref();
        let source = std::fs::read_to_string(path).map_err(|source| MapError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        SiteMap::from_toml_str(&source, path)
    }

    /// Parses and validates a map held in memory; `file` names it in problems.
    ///
    /// # Errors
    /// [`MapError::Invalid`] with every problem found.
    pub fn from_toml_str(source: &str, file: impl AsRef<Path>) -> Result<SiteMap, MapError> {
        let file = file.as_ref();
        let mut rep = Reporter {
            file,
            source,
            problems: Vec::new(),
            broken_ids: HashSet::new(),
            incomplete: false,
        };
        let map = parse(source, &mut rep);
        if rep.problems.is_empty()
            && let Some(map) = map
        {
            return Ok(map);
        }
        rep.problems.sort_by_key(|(offset, _)| *offset);
        Err(MapError::Invalid {
            file: PathBuf::from(file),
            problems: rep.problems.into_iter().map(|(_, p)| p).collect(),
        })
    }
}

const SECTIONS: [&str; 6] = ["site", "node", "lane", "station", "vehicle", "flow"];

fn parse(source: &str, rep: &mut Reporter<'_>) -> Option<SiteMap> {
    let (top, syntax) = DeTable::parse_recoverable(source);
    if !syntax.is_empty() {
        for e in syntax {
            let span = e.span().unwrap_or(0..0);
            rep.report(span, "(syntax)", e.message().to_string());
        }
        return None;
    }
    let top = top.get_ref();
    for (key, _) in top.iter() {
        if !SECTIONS.contains(&key.get_ref().as_ref()) {
            rep.report(
                key.span(),
                key.get_ref().to_string(),
                format!("unknown section; expected one of {}", SECTIONS.join(", ")),
            );
        }
    }

    let site = site(top, rep);
    let default_speed = site.as_ref().and_then(|s| s.speed_limit.clone());

    // Nodes.
    let mut nodes = Vec::new();
    let mut node_index: HashMap<String, NodeId> = HashMap::new();
    for (i, span, raw) in elements::<RawNode>(top, "node", rep) {
        let x = rep.finite(&raw.x, format!("node[{i}].x"));
        let y = rep.finite(&raw.y, format!("node[{i}].y"));
        let id = raw.id.get_ref().clone();
        if id.is_empty() {
            rep.report(raw.id.span(), format!("node[{i}].id"), "must not be empty");
        }
        if node_index.contains_key(&id) {
            rep.report(
                raw.id.span(),
                format!("node[{i}].id"),
                format!("duplicate node id {id:?}"),
            );
            continue;
        }
        node_index.insert(id.clone(), NodeId(nodes.len() as u32));
        nodes.push((
            span,
            Node {
                id,
                position: Point2::new(x, y),
            },
        ));
    }
    if !has_section(top, "node") {
        rep.report(0..0, "node", "the map has no nodes; add [[node]] tables");
    }

    // Lanes.
    let mut lanes = Vec::new();
    let mut lane_ids: HashSet<String> = HashSet::new();
    let mut lane_spans: Vec<Range<usize>> = Vec::new();
    for (i, _span, raw) in elements::<RawLane>(top, "lane", rep) {
        let from = lookup(
            &node_index,
            &raw.from,
            format!("lane[{i}].from"),
            "node",
            rep,
        );
        let to = lookup(&node_index, &raw.to, format!("lane[{i}].to"), "node", rep);
        let id = raw
            .id
            .as_ref()
            .map(|s| s.get_ref().clone())
            .unwrap_or_else(|| format!("{}-{}", raw.from.get_ref(), raw.to.get_ref()));
        let id_span = raw.id.as_ref().map_or(raw.from.span(), Spanned::span);
        if !lane_ids.insert(id.clone()) {
            rep.report(
                id_span,
                format!("lane[{i}].id"),
                format!("duplicate lane id {id:?}"),
            );
        }
        let speed_limit = match (&raw.speed_limit, &default_speed) {
            (Some(s), _) => rep.positive(s, format!("lane[{i}].speed_limit")),
            (None, Some(s)) => *s.get_ref(),
            (None, None) => {
                rep.report(
                    raw.from.span(),
                    format!("lane[{i}].speed_limit"),
                    "missing: give speed_limit on the lane or a default in [site]",
                );
                1.0
            }
        };
        let (Some(from), Some(to)) = (from, to) else {
            rep.incomplete = true;
            continue;
        };
        let mut polyline = vec![nodes[from.0 as usize].1.position];
        if let Some(extra) = &raw.polyline {
            if extra.get_ref().iter().flatten().any(|v| !v.is_finite()) {
                rep.report(
                    extra.span(),
                    format!("lane[{i}].polyline"),
                    "points must be finite",
                );
            }
            polyline.extend(points(extra.get_ref()));
        }
        polyline.push(nodes[to.0 as usize].1.position);
        let geometric = polyline_length(&polyline);
        let length = match &raw.length {
            Some(l) => {
                let v = rep.positive(l, format!("lane[{i}].length"));
                if v > 0.0 && v + LENGTH_TOLERANCE < geometric {
                    rep.report(
                        l.span(),
                        format!("lane[{i}].length"),
                        format!(
                            "{v} m is shorter than the lane's geometry ({geometric:.2} m from {} to {})",
                            raw.from.get_ref(),
                            raw.to.get_ref()
                        ),
                    );
                }
                v
            }
            None => {
                if geometric <= 0.0 {
                    rep.report(
                        raw.to.span(),
                        format!("lane[{i}].length"),
                        "the lane has zero length: its ends coincide and it gives no length",
                    );
                }
                geometric
            }
        };
        if length > MAX_LANE_LENGTH {
            let span = raw.length.as_ref().map_or(raw.to.span(), Spanned::span);
            rep.report(
                span,
                format!("lane[{i}].length"),
                format!(
                    "{length} m is longer than a lane can be ({MAX_LANE_LENGTH} m): split it at nodes"
                ),
            );
        }
        if from == to && raw.polyline.is_none() {
            rep.report(
                raw.to.span(),
                format!("lane[{i}].to"),
                "a lane must join two different nodes (or give a polyline loop)",
            );
        }
        lane_spans.push(raw.from.span());
        lanes.push(Lane {
            id,
            from,
            to,
            polyline,
            length,
            speed_limit,
            two_way: raw.two_way,
        });
    }
    if !has_section(top, "lane") {
        rep.report(0..0, "lane", "the map has no lanes; add [[lane]] tables");
    }

    // Stations.
    let mut stations = Vec::new();
    let mut station_index: HashMap<String, StationId> = HashMap::new();
    let mut station_spans = Vec::new();
    for (i, _span, raw) in elements::<RawStation>(top, "station", rep) {
        let field = |f: &str| format!("station[{i}].{f}");
        let kind = StationKind::parse(raw.kind.get_ref()).unwrap_or_else(|| {
            let names: Vec<_> = StationKind::ALL.iter().map(|k| k.as_str()).collect();
            rep.report(
                raw.kind.span(),
                field("kind"),
                format!(
                    "unknown kind {:?}; expected one of {}",
                    raw.kind.get_ref(),
                    names.join(", ")
                ),
            );
            StationKind::Parking
        });
        let mut station_nodes = Vec::new();
        for n in raw.nodes.get_ref() {
            if let Some(id) = lookup(&node_index, n, field("nodes"), "node", rep) {
                station_nodes.push(id);
            }
        }
        if raw.nodes.get_ref().is_empty() {
            rep.report(
                raw.nodes.span(),
                field("nodes"),
                "must name at least one node",
            );
        }
        let capacity = match &raw.capacity {
            Some(c) if *c.get_ref() < 1 || *c.get_ref() > i64::from(u32::MAX) => {
                rep.report(
                    c.span(),
                    field("capacity"),
                    format!("must be at least 1, got {}", c.get_ref()),
                );
                1
            }
            Some(c) => *c.get_ref() as u32,
            None => 1,
        };
        let service = service(&raw.service, &field("service"), rep);
        let queue = raw
            .queue
            .as_ref()
            .and_then(|q| lookup(&node_index, q, field("queue"), "node", rep));
        let id = raw.id.get_ref().clone();
        if station_index.contains_key(&id) {
            rep.report(
                raw.id.span(),
                field("id"),
                format!("duplicate station id {id:?}"),
            );
            continue;
        }
        station_index.insert(id.clone(), StationId(stations.len() as u32));
        station_spans.push(raw.id.span());
        stations.push(Station {
            name: raw.name.unwrap_or_else(|| id.clone()),
            id,
            kind,
            nodes: station_nodes,
            capacity,
            service,
            queue,
            drive_through: raw.drive_through,
        });
    }

    // Vehicle profiles.
    let mut vehicles = Vec::new();
    let mut vehicle_ids = HashSet::new();
    for (i, _span, raw) in elements::<RawVehicle>(top, "vehicle", rep) {
        let f = |name: &str| format!("vehicle[{i}].{name}");
        if !vehicle_ids.insert(raw.id.get_ref().clone()) {
            rep.report(
                raw.id.span(),
                f("id"),
                format!("duplicate vehicle profile id {:?}", raw.id.get_ref()),
            );
        }
        let profile = VehicleProfile {
            id: raw.id.get_ref().clone(),
            length: rep.positive(&raw.length, f("length")),
            width: rep.positive(&raw.width, f("width")),
            max_speed: rep.positive(&raw.max_speed, f("max_speed")),
            acceleration: rep.positive(&raw.acceleration, f("acceleration")),
            service_brake: rep.positive(&raw.service_brake, f("service_brake")),
            emergency_brake: rep.positive(&raw.emergency_brake, f("emergency_brake")),
            min_gap: rep.non_negative(&raw.min_gap, f("min_gap")),
            time_gap: rep.non_negative(&raw.time_gap, f("time_gap")),
            battery_kwh: rep.positive(&raw.battery_kwh, f("battery_kwh")),
            consumption_empty_kwh_per_km: rep.non_negative(
                &raw.consumption_empty_kwh_per_km,
                f("consumption_empty_kwh_per_km"),
            ),
            consumption_loaded_kwh_per_km: rep.non_negative(
                &raw.consumption_loaded_kwh_per_km,
                f("consumption_loaded_kwh_per_km"),
            ),
        };
        if profile.emergency_brake < profile.service_brake {
            rep.report(
                raw.emergency_brake.span(),
                f("emergency_brake"),
                format!(
                    "{} m/s² is weaker than the service brake ({} m/s²)",
                    profile.emergency_brake, profile.service_brake
                ),
            );
        }
        vehicles.push(profile);
    }
    if !has_section(top, "vehicle") {
        rep.report(
            0..0,
            "vehicle",
            "the map has no vehicle profile; add a [[vehicle]] table",
        );
    }

    // Flows.
    let mut flows = Vec::new();
    let mut flow_ids = HashSet::new();
    let mut share_sum = 0.0;
    let mut last_share_span = 0..0;
    for (i, _span, raw) in elements::<RawFlow>(top, "flow", rep) {
        if !flow_ids.insert(raw.id.get_ref().clone()) {
            rep.report(
                raw.id.span(),
                format!("flow[{i}].id"),
                format!("duplicate flow id {:?}", raw.id.get_ref()),
            );
        }
        let share = *raw.share.get_ref();
        if !(0.0..=1.0).contains(&share) {
            rep.report(
                raw.share.span(),
                format!("flow[{i}].share"),
                format!("must be in 0..=1, got {share}"),
            );
        }
        share_sum += share;
        last_share_span = raw.share.span();
        let mut steps = Vec::new();
        for (j, step) in raw.steps.get_ref().iter().enumerate() {
            let field = format!("flow[{i}].steps[{j}]");
            let mut ids = Vec::new();
            for s in step.get_ref().stations.get_ref() {
                if let Some(id) = lookup(
                    &station_index,
                    s,
                    format!("{field}.stations"),
                    "station",
                    rep,
                ) {
                    ids.push(id);
                }
            }
            if step.get_ref().stations.get_ref().is_empty() {
                rep.report(
                    step.get_ref().stations.span(),
                    format!("{field}.stations"),
                    "must name at least one station",
                );
            }
            let probability = match &step.get_ref().probability {
                Some(p) => {
                    let v = *p.get_ref();
                    if !(v > 0.0 && v <= 1.0) {
                        rep.report(
                            p.span(),
                            format!("{field}.probability"),
                            format!("must be in (0, 1], got {v}"),
                        );
                    }
                    v
                }
                None => 1.0,
            };
            steps.push(FlowStep {
                stations: ids,
                probability,
            });
        }
        if raw.steps.get_ref().is_empty() {
            rep.report(
                raw.steps.span(),
                format!("flow[{i}].steps"),
                "a flow needs at least one step",
            );
        }
        flows.push(Flow {
            name: raw.name.unwrap_or_else(|| raw.id.get_ref().clone()),
            id: raw.id.get_ref().clone(),
            share,
            steps,
        });
    }
    if !flows.is_empty() && (share_sum - 1.0).abs() > SHARE_TOLERANCE {
        rep.report(
            last_share_span,
            "flow.share",
            format!("the shares of all flows must sum to 1, they sum to {share_sum}"),
        );
    }

    let site = site?;
    let nodes: Vec<(Range<usize>, Node)> = nodes;
    if !rep.incomplete {
        connectivity(&nodes, &lanes, &stations, &station_spans, rep);
        junctions(&nodes, &lanes, &lane_spans, &vehicles, rep);
    }

    let border = site.border.map(|b| {
        let pts = b.get_ref();
        if pts.len() != 2 {
            rep.report(
                b.span(),
                "site.border",
                format!("must be two points [[x, y], [x, y]], got {}", pts.len()),
            );
        }
        let p = |i: usize| {
            pts.get(i)
                .map_or(Point2::origin(), |p| Point2::new(p[0], p[1]))
        };
        (p(0), p(1))
    });
    if !rep.problems.is_empty() {
        return None;
    }
    Some(SiteMap {
        name: site.name.into_inner(),
        geo: GeoReference {
            origin_lat: *site.origin_lat.get_ref(),
            origin_lon: *site.origin_lon.get_ref(),
            bearing_deg: site.bearing_deg.map_or(90.0, Spanned::into_inner),
        },
        nodes: nodes.into_iter().map(|(_, n)| n).collect(),
        lanes,
        stations,
        vehicles,
        flows,
        border,
        node_index,
        station_index,
    })
}

fn site(top: &DeTable<'_>, rep: &mut Reporter<'_>) -> Option<RawSite> {
    let Some((_, value)) = top.iter().find(|(k, _)| k.get_ref() == "site") else {
        rep.report(
            0..0,
            "site",
            "missing [site] table (name, origin_lat, origin_lon)",
        );
        return None;
    };
    match RawSite::deserialize(value.clone().into_deserializer()) {
        Ok(s) => {
            let lat = *s.origin_lat.get_ref();
            if !(-90.0..=90.0).contains(&lat) {
                rep.report(
                    s.origin_lat.span(),
                    "site.origin_lat",
                    format!("must be in -90..=90 degrees, got {lat}"),
                );
            }
            let lon = *s.origin_lon.get_ref();
            if !(-180.0..=180.0).contains(&lon) {
                rep.report(
                    s.origin_lon.span(),
                    "site.origin_lon",
                    format!("must be in -180..=180 degrees, got {lon}"),
                );
            }
            if let Some(b) = &s.bearing_deg {
                rep.finite(b, "site.bearing_deg");
            }
            if let Some(v) = &s.speed_limit {
                rep.positive(v, "site.speed_limit");
            }
            Some(s)
        }
        Err(e) => {
            let span = e.span().unwrap_or(value.span());
            let field = match value.get_ref() {
                DeValue::Table(t) => field_at(t, span.start).map(|f| format!("site.{f}")),
                _ => None,
            };
            rep.report(
                span,
                field.unwrap_or_else(|| "site".into()),
                e.message().lines().next().unwrap_or("invalid"),
            );
            None
        }
    }
}

fn lookup<I: Copy>(
    index: &HashMap<String, I>,
    name: &Spanned<String>,
    field: String,
    what: &str,
    rep: &mut Reporter<'_>,
) -> Option<I> {
    let found = index.get(name.get_ref()).copied();
    if found.is_none() && !rep.broken_ids.contains(name.get_ref()) {
        rep.report(
            name.span(),
            field,
            format!("unknown {what} {:?}", name.get_ref()),
        );
    }
    found
}

fn service(raw: &Spanned<RawService>, field: &str, rep: &mut Reporter<'_>) -> ServiceTime {
    let s = raw.get_ref();
    let need = |v: &Option<Spanned<f64>>, name: &str, rep: &mut Reporter<'_>| match v {
        Some(v) => rep.non_negative(v, format!("{field}.{name}")),
        None => {
            rep.report(
                raw.span(),
                format!("{field}.{name}"),
                format!("missing for dist = {:?}", s.dist.get_ref()),
            );
            0.0
        }
    };
    let result = match s.dist.get_ref().as_str() {
        "fixed" => ServiceTime::Fixed {
            seconds: need(&s.seconds, "seconds", rep),
        },
        "uniform" => ServiceTime::Uniform {
            min: need(&s.min, "min", rep),
            max: need(&s.max, "max", rep),
        },
        "triangular" => ServiceTime::Triangular {
            min: need(&s.min, "min", rep),
            mode: need(&s.mode, "mode", rep),
            max: need(&s.max, "max", rep),
        },
        other => {
            rep.report(
                s.dist.span(),
                format!("{field}.dist"),
                format!("unknown distribution {other:?}; expected fixed, uniform or triangular"),
            );
            return ServiceTime::Fixed { seconds: 0.0 };
        }
    };
    let ordered = match result {
        ServiceTime::Fixed { .. } => true,
        ServiceTime::Uniform { min, max } => min <= max,
        ServiceTime::Triangular { min, mode, max } => min <= mode && mode <= max,
    };
    if !ordered {
        rep.report(raw.span(), field.to_string(), "needs min <= mode <= max");
    }
    result
}

/// Checks that the lane network is strongly connected, naming every station and node that
/// cannot be reached from, or cannot return to, the main part of the network.
fn connectivity(
    nodes: &[(Range<usize>, Node)],
    lanes: &[Lane],
    stations: &[Station],
    station_spans: &[Range<usize>],
    rep: &mut Reporter<'_>,
) {
    if nodes.is_empty() || lanes.is_empty() {
        return;
    }
    let mut graph = petgraph::Graph::<(), ()>::with_capacity(nodes.len(), lanes.len() * 2);
    let ix: Vec<_> = (0..nodes.len()).map(|_| graph.add_node(())).collect();
    for lane in lanes {
        graph.add_edge(ix[lane.from.0 as usize], ix[lane.to.0 as usize], ());
        if lane.two_way {
            graph.add_edge(ix[lane.to.0 as usize], ix[lane.from.0 as usize], ());
        }
    }
    let sccs = petgraph::algo::tarjan_scc(&graph);
    if sccs.len() <= 1 {
        return;
    }
    // The main part: the component with the most stations, then the most nodes.
    let mut component = vec![0usize; nodes.len()];
    for (c, scc) in sccs.iter().enumerate() {
        for n in scc {
            component[n.index()] = c;
        }
    }
    let mut station_count = vec![0usize; sccs.len()];
    for s in stations {
        if let Some(n) = s.nodes.first() {
            station_count[component[n.0 as usize]] += 1;
        }
    }
    let main = (0..sccs.len())
        .max_by_key(|&c| (station_count[c], sccs[c].len(), std::cmp::Reverse(c)))
        .unwrap_or(0);
    let root = sccs[main][0];
    let forward = reach(&graph, root, petgraph::Direction::Outgoing);
    let backward = reach(&graph, root, petgraph::Direction::Incoming);
    let why = |n: usize| match (forward[n], backward[n]) {
        (false, false) => {
            "cannot be reached from, and cannot return to, the rest of the lane network"
        }
        (false, true) => "cannot be reached from the rest of the lane network",
        (true, false) => "cannot return to the rest of the lane network (dead end)",
        (true, true) => "",
    };
    for (n, (span, node)) in nodes.iter().enumerate() {
        if component[n] != main {
            rep.report(span.clone(), format!("node {:?}", node.id), why(n));
        }
    }
    for (s, station) in stations.iter().enumerate() {
        for n in &station.nodes {
            let n = n.0 as usize;
            if component[n] != main {
                rep.report(
                    station_spans[s].clone(),
                    format!("station {:?}", station.id),
                    format!("its node {:?} {}", nodes[n].1.id, why(n)),
                );
            }
        }
    }
}

fn reach(
    graph: &petgraph::Graph<(), ()>,
    root: petgraph::graph::NodeIndex,
    dir: petgraph::Direction,
) -> Vec<bool> {
    let mut seen = vec![false; graph.node_count()];
    let mut stack = vec![root];
    seen[root.index()] = true;
    while let Some(n) = stack.pop() {
        for m in graph.neighbors_directed(n, dir) {
            if !seen[m.index()] {
                seen[m.index()] = true;
                stack.push(m);
            }
        }
    }
    seen
}

/// Refuses crossings and lanes too short for one vehicle plus their junction clearances
/// (see [`crate::junction`]).
fn junctions(
    nodes: &[(Range<usize>, Node)],
    lanes: &[Lane],
    lane_spans: &[Range<usize>],
    vehicles: &[VehicleProfile],
    rep: &mut Reporter<'_>,
) {
    for c in crate::junction::crossings(nodes.len(), lanes) {
        let (span, node) = &nodes[c.node.0 as usize];
        let name = |l: usize| lanes[l].id.as_str();
        rep.report(
            span.clone(),
            format!("node {:?}", node.id),
            format!(
                "is a crossing: vehicles could drive {} → {} and {} → {} through it at the same time; \
                 split it into a diverge node and a merge node at least one footprint apart",
                name(c.first.0),
                name(c.first.1),
                name(c.second.0),
                name(c.second.1)
            ),
        );
    }
    if vehicles.is_empty() {
        return;
    }
    let width = vehicles.iter().map(|v| v.width).fold(0.0, f64::max);
    let footprint = vehicles
        .iter()
        .map(VehicleProfile::footprint)
        .fold(0.0, f64::max);
    let clearances = crate::junction::clearances_of(nodes.len(), lanes, width);
    for (l, lane) in lanes.iter().enumerate() {
        let (c_s, c_e) = clearances[l];
        let needed = footprint + c_s + c_e;
        if lane.length > 0.0 && lane.length < needed {
            let at = |n: NodeId, c: f64| {
                if c.is_infinite() {
                    format!(
                        "{}: it overlaps another lane there",
                        nodes[n.0 as usize].1.id
                    )
                } else {
                    format!("{}: {c:.1} m", nodes[n.0 as usize].1.id)
                }
            };
            rep.report(
                lane_spans[l].clone(),
                format!("lane {:?}", lane.id),
                format!(
                    "is {:.1} m long; it needs {needed:.1} m: one vehicle footprint ({footprint:.1} m) plus the junction clearances at {} and {}",
                    lane.length,
                    at(lane.from, c_s),
                    at(lane.to, c_e)
                ),
            );
        }
    }
}
