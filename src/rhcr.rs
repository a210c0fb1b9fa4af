//! RHCR's warehouse benchmarks (Li, Tinka, Kiesel, Durham, Kumar, Koenig, "Lifelong
//! Multi-Agent Path Finding in Large-Scale Warehouses", AAAI-21; code at
//! github.com/Jiaoyang-Li/RHCR): its two map formats, and the task models of its
//! fulfillment-warehouse (`KIVA`) and sorting-centre (`SORTING`) scenarios, as its code
//! implements them.
//!
//! RHCR's maps are not part of Corridor (RHCR is under a research-only licence): read them
//! from a checkout of RHCR (`maps/kiva.map`, `maps/sorting_map.grid`).
//!
//! # Formats
//! - **`.map`** (fulfillment warehouse): line 1 `rows,cols`; lines 2–4 the number of
//!   endpoints, of agents and a time limit (read as numbers, not used: RHCR ignores them
//!   too); then `rows` lines of `cols` characters: `@` an obstacle, `e` an endpoint (a task
//!   location), `r` a home (a start location), anything else a travel cell. Free cells are
//!   joined to their free 4-neighbours both ways. (A MovingAI `.map` starts with `type`
//!   instead.)
//! - **`.grid`** (sorting centre): line 1 a title, line 2 `rows,cols`, line 3 a header, then
//!   one line per cell in id order, `id,type,station,x,y,w0,w1,w2,w3,wait`. `type` is
//!   `Obstacle`, `Travel`, `Induct` (a workstation), `Eject` (a cell beside a chute;
//!   `station` names the chute), `Home` or `Endpoint`. `w0`..`w3` are the costs of the moves
//!   to cell `id + 1`, `id − cols`, `id − 1`, `id + cols` — RHCR's move order, whatever the
//!   header's direction labels say — and `inf` where there is no move; this is where the
//!   one-way aisles come from. Only unit costs are accepted (Corridor's steps are unit).
//!
//! # Task models
//! - **Fulfillment warehouse**: agent `k` starts at a home (RHCR takes the shuffled homes in
//!   order; here the shuffle follows the seed); every goal is an endpoint drawn uniformly,
//!   other than the agent's previous goal.
//! - **Sorting centre**: agents start on distinct random free cells; even agents go to a
//!   workstation first, odd ones to a chute, and then they alternate. A chute is drawn
//!   uniformly, then one of its cells; a workstation is the one minimising the distance from
//!   where the agent is plus 8 × the agents already heading to it (RHCR's `c = 8`).
//!
//! Reaching a goal finishes a task; throughput is finished tasks per timestep.

use std::fmt;
use std::path::{Path, PathBuf};

use corridor_map::{CellGraph, CellId};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// RHCR's weight on the agents already heading to a workstation (`SortingSystem::c`).
const WORKSTATION_LOAD: u32 = 8;

/// A malformed RHCR map: the file, the 1-based line, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RhcrMapError {
    /// The file as given.
    pub file: PathBuf,
    /// 1-based line (0 when the file could not be read).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RhcrMapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
        }
    }
}

impl std::error::Error for RhcrMapError {}

/// Which of RHCR's scenarios a map belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Fulfillment warehouse (`.map`): homes and endpoints.
    Fulfillment,
    /// Sorting centre (`.grid`): workstations and chutes.
    Sorting,
}

/// An RHCR map: its cell graph and task locations.
#[derive(Debug, Clone)]
pub struct RhcrMap {
    /// Which scenario its format belongs to.
    pub scenario: Scenario,
    /// One cell per free square.
    pub graph: CellGraph,
    /// Homes (start locations of the fulfillment warehouse), in file order.
    pub homes: Vec<CellId>,
    /// Endpoints (task locations of the fulfillment warehouse), in file order.
    pub endpoints: Vec<CellId>,
    /// Workstations (`Induct`), in file order.
    pub workstations: Vec<CellId>,
    /// Chutes: per `Eject` station, its cells, in order of first appearance.
    pub chutes: Vec<Vec<CellId>>,
}

/// Whether `source` looks like an RHCR fulfillment `.map` (first line `rows,cols`) rather
/// than a MovingAI one (first line `type …`).
pub fn is_rhcr_map(source: &str) -> bool {
    let first = source.lines().next().unwrap_or("").trim();
    first
        .split_once(',')
        .is_some_and(|(r, c)| r.trim().parse::<u32>().is_ok() && c.trim().parse::<u32>().is_ok())
}

/// Reads an RHCR map: `.grid` as a sorting centre, anything else as a fulfillment `.map`.
///
/// # Errors
/// [`RhcrMapError`] naming the file and line.
pub fn load(path: &Path) -> Result<RhcrMap, RhcrMapError> {
    let source = std::fs::read_to_string(path).map_err(|e| RhcrMapError {
        file: path.to_path_buf(),
        line: 0,
        message: format!("cannot read: {e}"),
    })?;
    if path.extension().is_some_and(|e| e == "grid") {
        parse_grid(&source, path)
    } else {
        parse_map(&source, path)
    }
}

fn error(file: &Path, line: usize, message: impl Into<String>) -> RhcrMapError {
    RhcrMapError {
        file: file.to_path_buf(),
        line,
        message: message.into(),
    }
}

/// Free squares of a `rows × cols` grid as cells (row-major ids, as
/// [`CellGraph::from_grid`] numbers them), joined by `edges`.
fn graph_of(
    file: &Path,
    (rows, cols): (u32, u32),
    free: &[bool],
    edges: &[(CellId, CellId)],
) -> Result<CellGraph, RhcrMapError> {
    let squares =
        CellGraph::from_grid(cols, rows, free).map_err(|e| error(file, 1, e.to_string()))?;
    CellGraph::from_edges(squares.cells().to_vec(), edges)
        .map_err(|e| error(file, 1, e.to_string()))
}

struct Lines<'a> {
    file: &'a Path,
    inner: std::iter::Enumerate<std::str::Lines<'a>>,
    last: usize,
}

impl<'a> Lines<'a> {
    fn new(source: &'a str, file: &'a Path) -> Self {
        Lines {
            file,
            inner: source.lines().enumerate(),
            last: 0,
        }
    }

    fn error(&self, line: usize, message: impl Into<String>) -> RhcrMapError {
        error(self.file, line, message)
    }

    /// The next line (CR stripped) and its 1-based number, or an error naming `what`.
    fn next(&mut self, what: &str) -> Result<(usize, &'a str), RhcrMapError> {
        match self.inner.next() {
            Some((i, line)) => {
                self.last = i + 1;
                Ok((i + 1, line.trim_end_matches('\r')))
            }
            None => Err(self.error(self.last + 1, format!("the file ends before {what}"))),
        }
    }

    /// Fails if anything but blank lines is left.
    fn finish(mut self, what: &str) -> Result<(), RhcrMapError> {
        for (i, line) in self.inner.by_ref() {
            if !line.trim().is_empty() {
                return Err(self.error(i + 1, format!("unexpected line after {what}")));
            }
        }
        Ok(())
    }
}

fn parse_size(lines: &mut Lines<'_>) -> Result<(u32, u32), RhcrMapError> {
    let (n, line) = lines.next("the `rows,cols` line")?;
    let size = line.split_once(',').and_then(|(r, c)| {
        let r: u32 = r.trim().parse().ok()?;
        let c: u32 = c.trim().parse().ok()?;
        Some((r, c))
    });
    match size {
        Some((r, c)) if r > 0 && c > 0 && u64::from(r) * u64::from(c) <= 1 << 24 => Ok((r, c)),
        Some(_) => Err(lines.error(n, format!("grid size {line:?} must be 1..=2^24 cells"))),
        None => Err(lines.error(n, format!("expected `rows,cols`, got {line:?}"))),
    }
}

/// Parses the text of an RHCR fulfillment-warehouse `.map`; `file` names it in errors.
///
/// # Errors
/// [`RhcrMapError`] naming the line that is wrong.
pub fn parse_map(source: &str, file: &Path) -> Result<RhcrMap, RhcrMapError> {
    let mut lines = Lines::new(source, file);
    let (rows, cols) = parse_size(&mut lines)?;
    for what in [
        "the number of endpoints",
        "the number of agents",
        "the time limit",
    ] {
        let (n, line) = lines.next(&format!("{what} (line 2-4)"))?;
        if line.trim().parse::<i64>().is_err() {
            return Err(lines.error(n, format!("expected {what}, a whole number, got {line:?}")));
        }
    }
    let (mut free, mut kinds) = (Vec::new(), Vec::new());
    for r in 0..rows {
        let (n, line) = lines.next(&format!("grid row {r} of {rows}"))?;
        let width = line.chars().count();
        if width != cols as usize {
            return Err(lines.error(
                n,
                format!("grid row {r} has {width} cells, the size line gives {cols} columns"),
            ));
        }
        for c in line.chars() {
            free.push(c != '@');
            kinds.push(c);
        }
    }
    lines.finish(&format!("the {rows} grid rows"))?;
    let graph =
        CellGraph::from_grid(cols, rows, &free).map_err(|e| error(file, 1, e.to_string()))?;
    let (mut homes, mut endpoints) = (Vec::new(), Vec::new());
    for (i, &k) in kinds.iter().enumerate() {
        let (row, col) = (i as u32 / cols, i as u32 % cols);
        let Some(id) = graph.grid_cell(col, row) else {
            continue;
        };
        match k {
            'r' => homes.push(id),
            'e' => endpoints.push(id),
            _ => {}
        }
    }
    if endpoints.is_empty() {
        return Err(error(file, 1, "the grid has no endpoint (`e`)"));
    }
    Ok(RhcrMap {
        scenario: Scenario::Fulfillment,
        graph,
        homes,
        endpoints,
        workstations: Vec::new(),
        chutes: Vec::new(),
    })
}

/// One cell line of a `.grid`.
struct GridLine<'a> {
    /// Its 1-based line number.
    line: usize,
    free: bool,
    kind: &'a str,
    station: &'a str,
    /// Whether each of RHCR's four moves (`id + 1`, `id − cols`, `id − 1`, `id + cols`) exists.
    moves: [bool; 4],
}

fn parse_grid_line<'a>(
    lines: &Lines<'_>,
    n: usize,
    line: &'a str,
    id: usize,
) -> Result<GridLine<'a>, RhcrMapError> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    if fields.len() != 10 {
        return Err(lines.error(
            n,
            format!(
                "expected 10 fields `id,type,station,x,y,w0,w1,w2,w3,wait`, got {}",
                fields.len()
            ),
        ));
    }
    if fields[0].parse::<usize>() != Ok(id) {
        return Err(lines.error(
            n,
            format!(
                "expected cell id {id} (cells in id order), got {:?}",
                fields[0]
            ),
        ));
    }
    let free = match fields[1] {
        "Obstacle" => false,
        "Travel" | "Induct" | "Eject" | "Home" | "Endpoint" => true,
        other => {
            return Err(lines.error(
                n,
                format!(
                    "unknown cell type {other:?} (Obstacle, Travel, Induct, Eject, Home, Endpoint)"
                ),
            ));
        }
    };
    let mut moves = [false; 4];
    for (m, w) in moves.iter_mut().zip(&fields[5..9]) {
        *m = match *w {
            "inf" => false,
            w if w.parse::<f64>() == Ok(1.0) => true,
            w => {
                return Err(lines.error(
                    n,
                    format!("move cost {w:?}: only 1 or inf is supported (unit steps)"),
                ));
            }
        };
    }
    if !free && moves.iter().any(|&m| m) {
        return Err(lines.error(n, "an obstacle cell has a move out of it"));
    }
    Ok(GridLine {
        line: n,
        free,
        kind: fields[1],
        station: fields[2],
        moves,
    })
}

/// Parses the text of an RHCR sorting-centre `.grid`; `file` names it in errors.
///
/// # Errors
/// [`RhcrMapError`] naming the line that is wrong.
pub fn parse_grid(source: &str, file: &Path) -> Result<RhcrMap, RhcrMapError> {
    let mut lines = Lines::new(source, file);
    lines.next("the title line")?;
    let (rows, cols) = parse_size(&mut lines)?;
    lines.next("the header line")?;
    let total = rows as usize * cols as usize;
    let mut parsed = Vec::new();
    for id in 0..total {
        let (n, line) = lines.next(&format!("cell {id} of {total}"))?;
        parsed.push(parse_grid_line(&lines, n, line, id)?);
    }
    lines.finish(&format!("the {total} cell lines"))?;
    let free: Vec<bool> = parsed.iter().map(|p| p.free).collect();
    let mut id_of = vec![None; total];
    let mut next = 0;
    for (i, &f) in free.iter().enumerate() {
        if f {
            id_of[i] = Some(CellId(next));
            next += 1;
        }
    }
    let mut edges = Vec::new();
    let mut workstations = Vec::new();
    let mut chutes: Vec<(&str, Vec<CellId>)> = Vec::new();
    let (mut homes, mut endpoints) = (Vec::new(), Vec::new());
    let cols = i64::from(cols);
    for (i, p) in parsed.iter().enumerate() {
        let Some(a) = id_of[i] else {
            continue;
        };
        let i = i as i64;
        for (d, step) in [1, -cols, -1, cols].into_iter().enumerate() {
            if !p.moves[d] {
                continue;
            }
            let to = i + step;
            // A move along the row must stay in the row.
            let in_row = d % 2 == 1 || to.div_euclid(cols) == i / cols;
            let target = (to >= 0 && to < total as i64 && in_row)
                .then(|| id_of[to as usize])
                .flatten();
            let Some(b) = target else {
                return Err(error(
                    file,
                    p.line,
                    format!("move {d} (w{d}) of cell {i} leads off the grid or into an obstacle"),
                ));
            };
            edges.push((a, b));
        }
        match p.kind {
            "Induct" => workstations.push(a),
            "Eject" => match chutes.iter_mut().find(|(s, _)| *s == p.station) {
                Some((_, cells)) => cells.push(a),
                None => chutes.push((p.station, vec![a])),
            },
            "Home" => homes.push(a),
            "Endpoint" => endpoints.push(a),
            _ => {}
        }
    }
    if workstations.is_empty() || chutes.is_empty() {
        return Err(error(
            file,
            3,
            "a sorting centre needs at least one Induct and one Eject cell",
        ));
    }
    Ok(RhcrMap {
        scenario: Scenario::Sorting,
        graph: graph_of(file, (rows, cols as u32), &free, &edges)?,
        homes,
        endpoints,
        workstations,
        chutes: chutes.into_iter().map(|(_, c)| c).collect(),
    })
}

/// The task model of an RHCR scenario, for a fixed number of agents.
#[derive(Debug)]
pub struct Tasks {
    scenario: Scenario,
    endpoints: Vec<CellId>,
    workstations: Vec<CellId>,
    chutes: Vec<Vec<CellId>>,
    /// Per agent, its current goal.
    goal: Vec<Option<CellId>>,
    /// Per workstation, the agents whose current goal it is.
    heading: Vec<u32>,
}

impl Tasks {
    /// The task model of `map`'s scenario for `agents` agents.
    pub fn new(map: &RhcrMap, agents: usize) -> Tasks {
        Tasks {
            scenario: map.scenario,
            endpoints: map.endpoints.clone(),
            workstations: map.workstations.clone(),
            chutes: map.chutes.clone(),
            goal: vec![None; agents],
            heading: vec![0; map.workstations.len()],
        }
    }

    /// Start cells: homes in seeded random order (fulfillment), or distinct random free
    /// cells (sorting).
    ///
    /// # Errors
    /// When there are fewer homes or free cells than agents.
    pub fn starts(&self, map: &RhcrMap, rng: &mut ChaCha8Rng) -> anyhow::Result<Vec<CellId>> {
        let agents = self.goal.len();
        let mut pool: Vec<CellId> = match self.scenario {
            Scenario::Fulfillment => map.homes.clone(),
            Scenario::Sorting => (0..map.graph.len() as u32).map(CellId).collect(),
        };
        if agents > pool.len() {
            anyhow::bail!(
                "{agents} agents, but the {} scenario has {} start cells (its limit)",
                match self.scenario {
                    Scenario::Fulfillment => "fulfillment (homes `r`)",
                    Scenario::Sorting => "sorting (free cells)",
                },
                pool.len()
            );
        }
        for i in 0..agents {
            let j = rng.random_range(i..pool.len());
            pool.swap(i, j);
        }
        pool.truncate(agents);
        Ok(pool)
    }

    /// Agent `agent`'s next goal, now that it is at `at` (its start, or its goal just
    /// reached). `distance(from, to)` is the number of moves, `None` if unreachable.
    pub fn next(
        &mut self,
        agent: usize,
        at: CellId,
        rng: &mut ChaCha8Rng,
        distance: &mut dyn FnMut(CellId, CellId) -> Option<u32>,
    ) -> CellId {
        let previous = self.goal[agent];
        let next = match self.scenario {
            Scenario::Fulfillment => loop {
                let e = self.endpoints[rng.random_range(0..self.endpoints.len())];
                if Some(e) != previous || self.endpoints.len() == 1 {
                    break e;
                }
            },
            Scenario::Sorting => {
                let to_workstation = match previous {
                    None => agent.is_multiple_of(2),
                    Some(g) => !self.workstations.contains(&g),
                };
                if let Some(w) = previous.and_then(|g| self.workstation(g)) {
                    self.heading[w] -= 1;
                }
                if to_workstation {
                    let w = self.assign_workstation(at, distance);
                    self.heading[w] += 1;
                    self.workstations[w]
                } else {
                    let chute = &self.chutes[rng.random_range(0..self.chutes.len())];
                    chute[rng.random_range(0..chute.len())]
                }
            }
        };
        self.goal[agent] = Some(next);
        next
    }

    fn workstation(&self, cell: CellId) -> Option<usize> {
        self.workstations.iter().position(|&w| w == cell)
    }

    /// The workstation with the least distance from `at` plus 8 × agents heading to it;
    /// the first in file order on ties.
    fn assign_workstation(
        &self,
        at: CellId,
        distance: &mut dyn FnMut(CellId, CellId) -> Option<u32>,
    ) -> usize {
        (0..self.workstations.len())
            .min_by_key(|&w| {
                distance(at, self.workstations[w]).map_or(u64::MAX, |d| {
                    u64::from(d) + u64::from(WORKSTATION_LOAD * self.heading[w])
                })
            })
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;

    const MAP: &str = "3,4\n2\n1\n5000\nr..e\n.@@.\ne..r\n";

    /// 2 rows × 3 columns: a one-way ring 0 → 1 → 2 → 5 → 4 → 3 → 0, an induct at 0 and a
    /// chute of two cells (2 and 3); the header labels are RHCR's.
    const GRID: &str = "Grid size (x, y)\n2,3\n\
        id,type,station,x,y,weight_to_NORTH,weight_to_WEST,weight_to_SOUTH,weight_to_EAST,weight_for_WAIT\n\
        0,Induct,1000,0,0,1,inf,inf,inf,1\n\
        1,Travel,None,0,1,1,inf,inf,inf,1\n\
        2,Eject,10000,0,2,inf,inf,inf,1,1\n\
        3,Eject,10000,1,0,inf,1,inf,inf,1\n\
        4,Travel,None,1,1,inf,inf,1,inf,1\n\
        5,Travel,None,1,2,inf,inf,1,inf,1\n";

    fn map(source: &str) -> Result<RhcrMap, RhcrMapError> {
        parse_map(source, Path::new("kiva.map"))
    }

    fn grid(source: &str) -> Result<RhcrMap, RhcrMapError> {
        parse_grid(source, Path::new("sorting.grid"))
    }

    /// The error of `source` (parsed as `.map` or `.grid`) as `file:line: message`.
    fn error(parse: fn(&str) -> Result<RhcrMap, RhcrMapError>, source: &str) -> String {
        parse(source).expect_err("must be refused").to_string()
    }

    #[test]
    fn fulfillment_map_has_homes_endpoints_and_two_way_moves() {
        let m = map(MAP).unwrap();
        assert_eq!(m.scenario, Scenario::Fulfillment);
        assert_eq!(m.graph.len(), 10);
        let at = |col, row| m.graph.grid_cell(col, row).unwrap();
        assert_eq!(m.homes, vec![at(0, 0), at(3, 2)]);
        assert_eq!(m.endpoints, vec![at(3, 0), at(0, 2)]);
        assert!(m.graph.has_edge(at(0, 0), at(0, 1)) && m.graph.has_edge(at(0, 1), at(0, 0)));
        assert!(is_rhcr_map(MAP));
        assert!(!is_rhcr_map("type octile\nheight 1\nwidth 1\nmap\n.\n"));
    }

    #[test]
    fn sorting_grid_reads_moves_in_rhcr_order() {
        let m = grid(GRID).unwrap();
        assert_eq!(m.scenario, Scenario::Sorting);
        assert_eq!(m.graph.len(), 6);
        assert_eq!(m.graph.edge_count(), 6);
        let c = |i| CellId(i);
        for (a, b) in [(0, 1), (1, 2), (2, 5), (5, 4), (4, 3), (3, 0)] {
            assert!(m.graph.has_edge(c(a), c(b)), "{a} -> {b}");
            assert!(!m.graph.has_edge(c(b), c(a)), "one-way {a} -> {b}");
        }
        assert_eq!(m.workstations, vec![c(0)]);
        assert_eq!(m.chutes, vec![vec![c(2), c(3)]]);
    }

    #[test]
    fn bad_fulfillment_maps_name_file_and_line() {
        let cases = [
            ("", "kiva.map:1: the file ends before the `rows,cols` line"),
            ("3;4\n", "kiva.map:1: expected `rows,cols`, got \"3;4\""),
            (
                "0,4\n",
                "kiva.map:1: grid size \"0,4\" must be 1..=2^24 cells",
            ),
            ("3,4\n2\nx\n", "kiva.map:3: expected the number of agents"),
            (
                "3,4\n2\n1\n5000\nr..e\n.@@.\n",
                "kiva.map:7: the file ends before grid row 2 of 3",
            ),
            (
                "3,4\n2\n1\n5000\nr..e\n.@@\ne..r\n",
                "kiva.map:6: grid row 1 has 3 cells",
            ),
            (
                "3,4\n2\n1\n5000\nr..e\n.@@.\ne..r\n@@@@\n",
                "kiva.map:8: unexpected line after",
            ),
            ("1,2\n0\n1\n1\nr.\n", "kiva.map:1: the grid has no endpoint"),
        ];
        for (source, expected) in cases {
            let e = error(map, source);
            assert!(e.starts_with(expected), "{source:?}: {e}");
        }
    }

    #[test]
    fn bad_sorting_grids_name_file_and_line() {
        let replace = |line: usize, with: &str| -> String {
            let mut lines: Vec<&str> = GRID.lines().collect();
            lines[line - 1] = with;
            lines.join("\n")
        };
        let cases = [
            (replace(2, "2 3"), "sorting.grid:2: expected `rows,cols`"),
            (
                replace(5, "1,Travel,None,0,1,1,inf,inf,1"),
                "sorting.grid:5: expected 10 fields",
            ),
            (
                replace(5, "7,Travel,None,0,1,1,inf,inf,inf,1"),
                "sorting.grid:5: expected cell id 1",
            ),
            (
                replace(6, "2,Chute,1,0,2,inf,inf,inf,1,1"),
                "sorting.grid:6: unknown cell type \"Chute\"",
            ),
            (
                replace(6, "2,Eject,1,0,2,inf,inf,inf,2.5,1"),
                "sorting.grid:6: move cost \"2.5\"",
            ),
            (
                replace(6, "2,Eject,1,0,2,1,inf,inf,inf,1"),
                "sorting.grid:6: move 0 (w0) of cell 2 leads off",
            ),
            (
                replace(4, "0,Induct,1,0,0,inf,1,inf,inf,1"),
                "sorting.grid:4: move 1 (w1) of cell 0 leads off",
            ),
            (
                replace(9, "5,Obstacle,None,1,2,inf,inf,1,inf,1"),
                "sorting.grid:9: an obstacle cell has a move",
            ),
            (
                replace(8, "4,Obstacle,None,1,1,inf,inf,inf,inf,1"),
                "sorting.grid:9: move 2 (w2) of cell 5 leads off",
            ),
            (
                GRID.lines().take(7).collect::<Vec<_>>().join("\n"),
                "sorting.grid:8: the file ends before cell 4 of 6",
            ),
            (
                format!("{GRID}6,Travel\n"),
                "sorting.grid:10: unexpected line after the 6 cell lines",
            ),
            (
                GRID.replace("Induct", "Travel"),
                "sorting.grid:3: a sorting centre needs",
            ),
        ];
        for (source, expected) in cases {
            let e = error(grid, &source);
            assert!(e.starts_with(expected), "{source:?}: {e}");
        }
    }

    #[test]
    fn a_missing_file_is_named() {
        let e = load(Path::new("/nonexistent/kiva.map"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("/nonexistent/kiva.map: cannot read"), "{e}");
    }

    #[test]
    fn fulfillment_goals_are_endpoints_other_than_the_last() {
        let m = map(MAP).unwrap();
        let mut tasks = Tasks::new(&m, 2);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let starts = tasks.starts(&m, &mut rng).unwrap();
        assert_eq!(starts.len(), 2);
        assert!(starts.iter().all(|s| m.homes.contains(s)));
        assert!(Tasks::new(&m, 3).starts(&m, &mut rng).is_err());
        let mut last = None;
        for _ in 0..50 {
            let g = tasks.next(0, starts[0], &mut rng, &mut |_, _| Some(0));
            assert!(m.endpoints.contains(&g));
            assert_ne!(Some(g), last);
            last = Some(g);
        }
    }

    #[test]
    fn sorting_agents_alternate_and_workstations_weigh_their_load() {
        let m = grid(GRID).unwrap();
        let mut tasks = Tasks::new(&m, 2);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut distance = |_: CellId, _: CellId| Some(3);
        // Even agents go to a workstation first, odd ones to a chute.
        assert_eq!(tasks.next(0, CellId(1), &mut rng, &mut distance), CellId(0));
        assert_eq!(tasks.heading, vec![1]);
        let chute = tasks.next(1, CellId(4), &mut rng, &mut distance);
        assert!(m.chutes[0].contains(&chute));
        // Then they alternate; reaching the workstation releases it.
        assert!(m.chutes[0].contains(&tasks.next(0, CellId(0), &mut rng, &mut distance)));
        assert_eq!(tasks.heading, vec![0]);
        assert_eq!(tasks.next(1, chute, &mut rng, &mut distance), CellId(0));
        assert_eq!(tasks.heading, vec![1]);
    }

    #[test]
    fn the_workstation_is_the_cheapest_by_distance_plus_load() {
        let two = GRID.replace("5,Travel,None", "5,Induct,1001");
        let m = grid(&two).unwrap();
        assert_eq!(m.workstations, vec![CellId(0), CellId(5)]);
        let mut tasks = Tasks::new(&m, 4);
        // Workstation 0 is 5 moves closer than workstation 5: it takes the first agent; with
        // one agent heading to it (+8) the next agent goes to workstation 5.
        let mut distance = |_: CellId, to: CellId| Some(if to == CellId(0) { 1 } else { 6 });
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(tasks.next(0, CellId(1), &mut rng, &mut distance), CellId(0));
        assert_eq!(tasks.next(2, CellId(1), &mut rng, &mut distance), CellId(5));
        // Agent 0 leaves workstation 0 for a chute, which releases it; back from the chute,
        // it is the cheaper one again.
        let chute = tasks.next(0, CellId(0), &mut rng, &mut distance);
        assert!(m.chutes[0].contains(&chute));
        assert_eq!(tasks.heading, vec![0, 1]);
        assert_eq!(tasks.next(0, chute, &mut rng, &mut distance), CellId(0));
    }

    /// `corridor lifelong` on the sorting fixture, written to a file: the run completes with
    /// no checker violation, with either solver; `--tasks rhcr` on a MovingAI grid and the
    /// window's options with `--solver pibt` are refused.
    #[test]
    fn the_lifelong_benchmark_runs_rhcr_maps() {
        use crate::lifelong::{LifelongArgs, Solver, TaskModel, run};
        let dir = std::env::temp_dir().join(format!("corridor-rhcr-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let args = |map: &str, tasks, solver| LifelongArgs {
            map: dir.join(map),
            agents: 2,
            tasks,
            steps: 50,
            seed: 1,
            solver,
            window: (solver == Solver::Window).then_some(4),
            iterations: (solver == Solver::Window).then_some(20),
            tick_budget_ms: (solver == Solver::Window).then_some(50.0),
            neighbourhood: (solver == Solver::Window).then_some(2),
            guidance: crate::lifelong::Guidance::Auto,
        };
        std::fs::write(dir.join("ring.grid"), GRID).unwrap();
        std::fs::write(dir.join("kiva.map"), MAP).unwrap();
        std::fs::write(
            dir.join("grid.map"),
            "type octile\nheight 1\nwidth 2\nmap\n..\n",
        )
        .unwrap();
        for map in ["ring.grid", "kiva.map"] {
            for solver in [Solver::Pibt, Solver::Window] {
                let code = run(&args(map, TaskModel::Auto, solver)).unwrap();
                assert_eq!(code, std::process::ExitCode::SUCCESS, "{map} {solver:?}");
            }
        }
        let e = run(&args("grid.map", TaskModel::Rhcr, Solver::Pibt))
            .unwrap_err()
            .to_string();
        assert!(e.contains("--tasks rhcr needs"), "{e}");
        let mut pibt_with_window = args("ring.grid", TaskModel::Auto, Solver::Pibt);
        pibt_with_window.iterations = Some(5);
        let e = run(&pibt_with_window).unwrap_err().to_string();
        assert!(
            e.contains("--iterations applies to --solver window only"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    proptest! {
        /// Any edit of a valid file either parses or is refused with a line inside the file.
        #[test]
        fn edits_never_panic_and_errors_point_into_the_file(
            which in 0..2usize,
            at in 0..400usize,
            cut in 0..4usize,
            insert in "[@er.,0-9a-z\n]{0,3}",
        ) {
            let base = if which == 0 { MAP } else { GRID };
            let at = at.min(base.len());
            let end = (at + cut).min(base.len());
            let source = format!("{}{}{}", &base[..at], insert, &base[end..]);
            let result = if which == 0 { map(&source) } else { grid(&source) };
            if let Err(e) = result {
                prop_assert!(e.line >= 1 && e.line <= source.lines().count() + 1, "{e}");
            }
        }
    }
}
