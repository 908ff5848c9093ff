//! Making fjall's folder (`fjall3/`) so that a process killed while making it leaves nothing a
//! later open trips over.
//!
//! fjall 3 creates a database in place: the folder, its lock, `0.jnl`, `keyspaces/`, and last the
//! `version` file. Killed before `version` is written, it leaves a folder that it takes for a new
//! database at the next open, and creating one fails on the `0.jnl` already there ("File exists",
//! os error 17): the store could never open again. So the folder is made under another name and
//! renamed into place once fjall has finished it. `fjall3/` then exists only complete.
//!
//! A `fjall3/` without `version` can still be met: an earlier release of this package made it in
//! place. fjall writes no data before `version` (it fsyncs that file before returning the new
//! database), so such a folder holds nothing and is made again, but only if it holds no more than
//! what fjall makes before `version` (`lock`, `0.jnl`, an empty `keyspaces/`). Anything else is a
//! damaged database, left as it is for fjall to report.
//!
//! The caller holds the location's lock, so no other process works on these folders meanwhile.

use std::fs;
use std::io;
use std::path::Path;

/// fjall's format marker in its folder, written last when it creates a database.
const FJALL_VERSION_FILE: &str = "version";
/// The name fjall's folder is made under, beside where it goes.
const MAKING_SUFFIX: &str = ".making";

/// Ensures `dir` is a complete fjall database folder, making it with `create` if it is not.
/// `create` opens a new database at the path it is given and closes it before returning.
pub(crate) fn ensure_complete(dir: &Path, create: impl FnOnce(&Path) -> Result<(), String>) -> Result<(), String> {
  let io_error = |what: &str, path: &Path, e: io::Error| format!("{path:?}: {what}: {e}");
  if dir.join(FJALL_VERSION_FILE).exists() {
    return Ok(());
  }
  let making = dir.with_file_name(format!(
    "{}{MAKING_SUFFIX}",
    dir.file_name().expect("the engine folder has a name").to_string_lossy()
  ));
  if dir.exists() {
    if !holds_only_what_creation_makes_first(dir) {
      return Ok(());
    }
    fs::remove_dir_all(dir).map_err(|e| io_error("cannot remove an unfinished database", dir, e))?;
  }
  // Left by a process killed while making it.
  if making.exists() {
    fs::remove_dir_all(&making).map_err(|e| io_error("cannot remove an unfinished database", &making, e))?;
  }
  create(&making)?;
  fs::rename(&making, dir).map_err(|e| io_error("cannot move the new database into place", dir, e))?;
  let location = dir.parent().expect("the engine folder is inside the location");
  fs::File::open(location).and_then(|d| d.sync_all()).map_err(|e| io_error("cannot sync", location, e))
}

/// Whether `dir` holds only what fjall creates before its `version` file.
fn holds_only_what_creation_makes_first(dir: &Path) -> bool {
  let names = |path: &Path| -> Option<Vec<String>> {
    let entries = fs::read_dir(path).ok()?;
    entries.map(|entry| entry.ok().map(|e| e.file_name().to_string_lossy().into_owned())).collect()
  };
  let Some(entries) = names(dir) else { return false };
  entries.iter().all(|name| match name.as_str() {
    "lock" | "0.jnl" => dir.join(name).is_file(),
    "keyspaces" => names(&dir.join(name)).is_some_and(|inside| inside.is_empty()),
    _ => false,
  })
}
