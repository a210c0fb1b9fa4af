//! The job store on disk: every accepted job and every change of its state is committed to
//! an embedded database (redb) before the call returns, so a controller killed at any
//! moment and started again finds every job it had accepted, in the state it last recorded.
//! The operators' standing decisions — closed lanes, vehicles paused or out of service —
//! are kept the same way.

use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use crate::codec;
use crate::error::FleetError;
use crate::job::{Job, JobId};

const JOBS: TableDefinition<u64, &[u8]> = TableDefinition::new("jobs");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const NEXT_ID: &str = "next_job_id";
/// Operator decisions: `lane/{id}` → `closed`, `vehicle/{id}` → `paused` or `out_of_service`.
const OPERATOR: TableDefinition<&str, &str> = TableDefinition::new("operator");

/// A durable store of jobs, keyed by id.
#[derive(Debug)]
pub struct JobStore {
    db: Database,
    path: PathBuf,
}

impl JobStore {
    /// Opens the store at `path`, creating it if it does not exist.
    ///
    /// # Errors
    /// [`FleetError::Store`] if the file cannot be opened or created.
    pub fn open(path: impl AsRef<Path>) -> Result<JobStore, FleetError> {
        let path = path.as_ref().to_path_buf();
        let db = Database::create(&path).map_err(|e| store_error(&path, e))?;
        let store = JobStore { db, path };
        // Make sure both tables exist so reads of an empty store succeed.
        let tx = store.db.begin_write().map_err(|e| store.error(e))?;
        {
            tx.open_table(JOBS).map_err(|e| store.error(e))?;
            tx.open_table(META).map_err(|e| store.error(e))?;
            tx.open_table(OPERATOR).map_err(|e| store.error(e))?;
        }
        tx.commit().map_err(|e| store.error(e))?;
        Ok(store)
    }

    fn error(&self, e: impl Into<redb::Error>) -> FleetError {
        store_error(&self.path, e)
    }

    /// The file the store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reserves the next job id, durably: an id is never handed out twice, even across
    /// restarts.
    ///
    /// # Errors
    /// [`FleetError::Store`] if the commit fails.
    pub fn next_id(&self) -> Result<JobId, FleetError> {
        let tx = self.db.begin_write().map_err(|e| self.error(e))?;
        let id = {
            let mut meta = tx.open_table(META).map_err(|e| self.error(e))?;
            let id = meta
                .get(NEXT_ID)
                .map_err(|e| self.error(e))?
                .map_or(1, |v| v.value());
            meta.insert(NEXT_ID, id + 1).map_err(|e| self.error(e))?;
            id
        };
        tx.commit().map_err(|e| self.error(e))?;
        Ok(JobId(id))
    }

    /// Writes `job` (insert or replace) and commits.
    ///
    /// # Errors
    /// [`FleetError::Store`] if the commit fails; then nothing was written.
    pub fn put(&self, job: &Job) -> Result<(), FleetError> {
        self.put_all(std::slice::from_ref(job))
    }

    /// Writes several jobs in one transaction: all or none.
    ///
    /// # Errors
    /// [`FleetError::Store`] if the commit fails; then nothing was written.
    pub fn put_all(&self, jobs: &[Job]) -> Result<(), FleetError> {
        let tx = self.db.begin_write().map_err(|e| self.error(e))?;
        {
            let mut table = tx.open_table(JOBS).map_err(|e| self.error(e))?;
            for job in jobs {
                let bytes = codec::encode(job);
                table
                    .insert(job.id.0, bytes.as_slice())
                    .map_err(|e| self.error(e))?;
            }
        }
        tx.commit().map_err(|e| self.error(e))
    }

    /// The job with `id`, if stored.
    ///
    /// # Errors
    /// [`FleetError::Store`] or [`FleetError::Corrupt`].
    pub fn get(&self, id: JobId) -> Result<Option<Job>, FleetError> {
        let tx = self.db.begin_read().map_err(|e| self.error(e))?;
        let table = tx.open_table(JOBS).map_err(|e| self.error(e))?;
        let Some(guard) = table.get(id.0).map_err(|e| self.error(e))? else {
            return Ok(None);
        };
        self.decode(id.0, guard.value()).map(Some)
    }

    /// Every stored job, by id.
    ///
    /// # Errors
    /// [`FleetError::Store`] or [`FleetError::Corrupt`].
    pub fn all(&self) -> Result<Vec<Job>, FleetError> {
        let tx = self.db.begin_read().map_err(|e| self.error(e))?;
        let table = tx.open_table(JOBS).map_err(|e| self.error(e))?;
        let mut jobs = Vec::new();
        for entry in table.iter().map_err(|e| self.error(e))? {
            let (key, value) = entry.map_err(|e| self.error(e))?;
            jobs.push(self.decode(key.value(), value.value())?);
        }
        Ok(jobs)
    }

    /// Records that lane `lane` (its map id) is closed, or open again, and commits.
    ///
    /// # Errors
    /// [`FleetError::Store`] if the commit fails; then nothing was written.
    pub fn set_lane_closed(&self, lane: &str, closed: bool) -> Result<(), FleetError> {
        self.set_operator(&format!("lane/{lane}"), closed.then_some("closed"))
    }

    /// The lanes recorded closed, by map id.
    ///
    /// # Errors
    /// [`FleetError::Store`].
    pub fn closed_lanes(&self) -> Result<Vec<String>, FleetError> {
        Ok(self
            .operator_entries("lane/")?
            .into_iter()
            .map(|(lane, _)| lane)
            .collect())
    }

    /// Records vehicle `vehicle`'s mode as an operator set it — `paused` or
    /// `out_of_service`; `None`: in service again — and commits.
    ///
    /// # Errors
    /// [`FleetError::Store`] if the commit fails; then nothing was written.
    pub fn set_vehicle_mode(&self, vehicle: &str, mode: Option<&str>) -> Result<(), FleetError> {
        self.set_operator(&format!("vehicle/{vehicle}"), mode)
    }

    /// The vehicles an operator paused or took out of service: (vehicle, mode).
    ///
    /// # Errors
    /// [`FleetError::Store`].
    pub fn vehicle_modes(&self) -> Result<Vec<(String, String)>, FleetError> {
        self.operator_entries("vehicle/")
    }

    fn set_operator(&self, key: &str, value: Option<&str>) -> Result<(), FleetError> {
        let tx = self.db.begin_write().map_err(|e| self.error(e))?;
        {
            let mut table = tx.open_table(OPERATOR).map_err(|e| self.error(e))?;
            match value {
                Some(v) => {
                    table.insert(key, v).map_err(|e| self.error(e))?;
                }
                None => {
                    table.remove(key).map_err(|e| self.error(e))?;
                }
            }
        }
        tx.commit().map_err(|e| self.error(e))
    }

    fn operator_entries(&self, prefix: &str) -> Result<Vec<(String, String)>, FleetError> {
        let tx = self.db.begin_read().map_err(|e| self.error(e))?;
        let table = tx.open_table(OPERATOR).map_err(|e| self.error(e))?;
        let mut out = Vec::new();
        for entry in table.iter().map_err(|e| self.error(e))? {
            let (key, value) = entry.map_err(|e| self.error(e))?;
            if let Some(name) = key.value().strip_prefix(prefix) {
                out.push((name.to_string(), value.value().to_string()));
            }
        }
        Ok(out)
    }

    fn decode(&self, key: u64, bytes: &[u8]) -> Result<Job, FleetError> {
        codec::decode(bytes).map_err(|reason| FleetError::Corrupt {
            path: self.path.clone(),
            key,
            reason,
        })
    }
}

fn store_error(path: &Path, e: impl Into<redb::Error>) -> FleetError {
    FleetError::Store {
        path: path.to_path_buf(),
        source: Box::new(e.into()),
    }
}
