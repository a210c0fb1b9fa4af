//! The job store on disk: every accepted job and every change of its state is committed to
//! an embedded database (redb) before the call returns, so a controller killed at any
//! moment and started again finds every job it had accepted, in the state it last recorded.

use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use crate::codec;
use crate::error::FleetError;
use crate::job::{Job, JobId};

const JOBS: TableDefinition<u64, &[u8]> = TableDefinition::new("jobs");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const NEXT_ID: &str = "next_job_id";

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
