//! Errors of the site model: every problem names the file, line, column and field.

use std::fmt;
use std::path::PathBuf;

/// Where in a map file a problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as it was handed to the loader (`<memory>` for strings).
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` in `source`, read from `file`.
    pub fn of_offset(file: &std::path::Path, source: &str, offset: usize) -> Self {
        let offset = offset.min(source.len());
        let before = source.get(..offset).unwrap_or(source);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Location {
            file: file.to_path_buf(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// One problem found in a map: what is wrong, where, and in which field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where it is.
    pub location: Location,
    /// The field, as a path: `lane[3].speed_limit`, `station[VY-crane-1].nodes`.
    pub field: String,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.location, self.field, self.message)
    }
}

/// The error type of `corridor-map`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MapError {
    /// The file could not be read.
    #[error("cannot read map {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The map was read and has problems; all of them are listed.
    #[error("{} has {} problem(s):\n{}", file.display(), problems.len(), ProblemList(problems))]
    Invalid {
        /// The file.
        file: PathBuf,
        /// Every problem found, in file order.
        problems: Vec<Problem>,
    },
    /// A MovingAI `.map` or `.scen` file is malformed.
    #[error("{location}: {message}")]
    MovingAi {
        /// Where.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// A lane is too short to hold one cell and its junction clearances.
    #[error(
        "lane {lane} is {length:.1} m long, shorter than one cell ({cell_length:.1} m: vehicle length + standstill gap) plus {clearance:.1} m of junction clearance"
    )]
    LaneShorterThanCell {
        /// Lane id.
        lane: String,
        /// Its length in metres.
        length: f64,
        /// The minimum cell length in metres.
        cell_length: f64,
        /// The clearances at its two nodes, metres (infinite where it overlaps another lane).
        clearance: f64,
    },
    /// An argument to a query or a builder was out of its domain.
    #[error("invalid argument {name}: {reason}")]
    InvalidArgument {
        /// The argument.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
}

impl MapError {
    /// The problems of an invalid map (empty for other errors).
    pub fn problems(&self) -> &[Problem] {
        match self {
            MapError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  {p}")?;
        }
        Ok(())
    }
}
