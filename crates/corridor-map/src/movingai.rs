//! MovingAI grid benchmarks: `.map` files (4-connected grids) and `.scen` scenario files,
//! imported into the same [`CellGraph`] type the lane maps produce.
//!
//! `.`, `G` and `S` are free squares; every other character (`@`, `O`, `T`, `W`) is blocked.
//! CRLF line endings are accepted. In a scenario the first `k` lines are the `k` agents.

use std::path::Path;

use crate::cells::{CellGraph, CellId};
use crate::error::{Location, MapError};

/// A MovingAI grid map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridMap {
    width: u32,
    height: u32,
    free: Vec<bool>,
}

fn read(path: &Path) -> Result<String, MapError> {
    std::fs::read_to_string(path).map_err(|source| MapError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn error(file: &Path, line: usize, message: String) -> MapError {
    MapError::MovingAi {
        location: Location {
            file: file.to_path_buf(),
            line,
            column: 1,
        },
        message,
    }
}

impl GridMap {
    /// Reads a `.map` file.
    ///
    /// # Errors
    /// [`MapError::Io`] or [`MapError::MovingAi`] naming the line that is wrong.
    pub fn load(path: impl AsRef<Path>) -> Result<GridMap, MapError> {
        let path = path.as_ref();
        GridMap::parse(&read(path)?, path)
    }

    /// Parses the text of a `.map` file; `file` names it in errors.
    ///
    /// # Errors
    /// [`MapError::MovingAi`] naming the line that is wrong.
    pub fn parse(source: &str, file: impl AsRef<Path>) -> Result<GridMap, MapError> {
        let file = file.as_ref();
        let mut lines = source.lines().map(|l| l.trim_end_matches('\r')).enumerate();
        let mut width = None;
        let mut height = None;
        loop {
            let Some((i, line)) = lines.next() else {
                return Err(error(
                    file,
                    1,
                    "missing the `map` line that starts the grid".into(),
                ));
            };
            let mut words = line.split_whitespace();
            match (words.next(), words.next()) {
                (Some("type"), _) | (None, _) => {}
                (Some("map"), None) => break,
                (Some(key @ ("height" | "width")), Some(v)) => {
                    let v: u32 = v.parse().map_err(|_| {
                        error(
                            file,
                            i + 1,
                            format!("{key} must be a whole number, got {v:?}"),
                        )
                    })?;
                    if key == "height" {
                        height = Some(v)
                    } else {
                        width = Some(v)
                    }
                }
                _ => {
                    return Err(error(
                        file,
                        i + 1,
                        format!("unexpected header line {line:?}"),
                    ));
                }
            }
        }
        let (Some(width), Some(height)) = (width, height) else {
            return Err(error(
                file,
                1,
                "the header must give both width and height".into(),
            ));
        };
        let mut free = Vec::with_capacity(width as usize * height as usize);
        let mut rows = 0;
        for (i, line) in lines {
            if rows == height {
                if line.trim().is_empty() {
                    continue;
                }
                return Err(error(
                    file,
                    i + 1,
                    format!("more than the {height} rows the header gives"),
                ));
            }
            if line.chars().count() != width as usize {
                return Err(error(
                    file,
                    i + 1,
                    format!(
                        "row {rows} has {} squares, the header gives width {width}",
                        line.chars().count()
                    ),
                ));
            }
            free.extend(line.chars().map(|c| matches!(c, '.' | 'G' | 'S')));
            rows += 1;
        }
        if rows != height {
            return Err(error(
                file,
                source.lines().count(),
                format!("{rows} rows, the header gives height {height}"),
            ));
        }
        Ok(GridMap {
            width,
            height,
            free,
        })
    }

    /// Width in squares.
    pub fn width(&self) -> u32 {
        self.width
    }
    /// Height in squares.
    pub fn height(&self) -> u32 {
        self.height
    }
    /// Whether square (`col`, `row`) is free (false outside the grid).
    pub fn is_free(&self, col: u32, row: u32) -> bool {
        col < self.width && row < self.height && self.free[(row * self.width + col) as usize]
    }
    /// Number of free squares.
    pub fn free_count(&self) -> usize {
        self.free.iter().filter(|&&f| f).count()
    }
    /// The cell graph: one cell per free square, 4-connected both ways.
    ///
    /// # Errors
    /// Never for a parsed map; the signature follows [`CellGraph::from_grid`].
    pub fn to_cell_graph(&self) -> Result<CellGraph, MapError> {
        CellGraph::from_grid(self.width, self.height, &self.free)
    }
}

/// One line of a scenario: an agent's start and goal.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    /// The bucket column (groups agents by difficulty).
    pub bucket: u32,
    /// The map file the scenario names.
    pub map: String,
    /// Start square (col, row).
    pub start: (u32, u32),
    /// Goal square (col, row).
    pub goal: (u32, u32),
    /// Length of an optimal single-agent path, as the file gives it (octile distance).
    pub optimal_length: f64,
}

/// A MovingAI scenario: agents in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The agents, in file order.
    pub agents: Vec<Agent>,
}

impl Scenario {
    /// Reads a `.scen` file.
    ///
    /// # Errors
    /// [`MapError::Io`] or [`MapError::MovingAi`] naming the line that is wrong.
    pub fn load(path: impl AsRef<Path>) -> Result<Scenario, MapError> {
        let path = path.as_ref();
        Scenario::parse(&read(path)?, path)
    }

    /// Parses the text of a `.scen` file; `file` names it in errors.
    ///
    /// # Errors
    /// [`MapError::MovingAi`] naming the line that is wrong.
    pub fn parse(source: &str, file: impl AsRef<Path>) -> Result<Scenario, MapError> {
        let file = file.as_ref();
        let mut agents = Vec::new();
        for (i, line) in source.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || (i == 0 && line.starts_with("version")) {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let cols = if cols.len() == 9 {
                cols
            } else {
                line.split_whitespace().collect()
            };
            if cols.len() != 9 {
                return Err(error(
                    file,
                    i + 1,
                    format!("expected 9 columns, got {}", cols.len()),
                ));
            }
            let num = |k: usize, name: &str| -> Result<u32, MapError> {
                cols[k].parse().map_err(|_| {
                    error(
                        file,
                        i + 1,
                        format!("{name} must be a whole number, got {:?}", cols[k]),
                    )
                })
            };
            let optimal_length = cols[8].parse().map_err(|_| {
                error(
                    file,
                    i + 1,
                    format!("optimal length must be a number, got {:?}", cols[8]),
                )
            })?;
            agents.push(Agent {
                bucket: num(0, "bucket")?,
                map: cols[1].to_string(),
                start: (num(4, "start x")?, num(5, "start y")?),
                goal: (num(6, "goal x")?, num(7, "goal y")?),
                optimal_length,
            });
        }
        Ok(Scenario { agents })
    }

    /// The starts and goals of the first `k` agents as cells of `graph` (built from the map).
    ///
    /// # Errors
    /// [`MapError::InvalidArgument`] when the scenario has fewer than `k` agents or an
    /// agent's start or goal is not a free square of the grid.
    pub fn cells(&self, graph: &CellGraph, k: usize) -> Result<Vec<(CellId, CellId)>, MapError> {
        if k > self.agents.len() {
            return Err(MapError::InvalidArgument {
                name: "agents",
                reason: format!(
                    "{k} agents asked for, the scenario has {}",
                    self.agents.len()
                ),
            });
        }
        self.agents[..k]
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let cell = |(c, r): (u32, u32), what: &str| {
                    graph
                        .grid_cell(c, r)
                        .ok_or_else(|| MapError::InvalidArgument {
                            name: "agents",
                            reason: format!(
                                "agent {i}: {what} ({c},{r}) is not a free square of the map"
                            ),
                        })
                };
                Ok((cell(a.start, "start")?, cell(a.goal, "goal")?))
            })
            .collect()
    }
}
