//! How every LevelStore engine is opened: the fjall database (src/level/engine.rs), then the
//! in-place upgrade of an old rusty-leveldb database found beside it (src/level/migrate.rs, written
//! over the engine's own batches), then the memory index, which must see the migrated sessions.
//! Here rather than in the engine, so that the engine knows nothing of the migration.

use std::path::Path;

use super::engine::{now_ms, Engine, OpenError, Options};
use super::migrate::{self, Stop};

impl Engine {
  /// Opens (creating if needed) the store at `location`, migrating an old rusty-leveldb
  /// database found there.
  pub fn open(location: &Path, sync: bool) -> Result<Engine, OpenError> {
    Engine::open_with(location, Options { sync, ..Options::default() })
  }

  pub fn open_with(location: &Path, opts: Options) -> Result<Engine, OpenError> {
    Engine::open_inner(location, opts, Stop::Never)
  }

  /// As [`Engine::open_with`], the migration stopping where `stop` says (tests' simulated crashes).
  pub(crate) fn open_inner(location: &Path, opts: Options, stop: Stop) -> Result<Engine, OpenError> {
    let failed = |why: String| OpenError::Failed(location.to_owned(), why);
    let mut engine = Engine::open_unmigrated(location, &opts)?;
    // Same ids, same data: the old database's sessions are moved in before anyone reads.
    migrate::run(&mut engine, now_ms(), stop).map_err(|e| failed(e.0))?;
    if opts.memory_index {
      engine.load_expiry_index().map_err(|e| failed(e.0))?;
    }
    Ok(engine)
  }
}
