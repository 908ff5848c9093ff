//! The near-cache's socket: a TCP or Unix socket to Redis that can tell another thread whether
//! Redis has sent anything this connection has not finished handling yet.
//!
//! Why: an invalidation Redis pushes is handled on the runtime's thread, and the JavaScript thread
//! answers reads from memory. Without this, a request that reaches the JavaScript thread right
//! after another process's write has called back could be answered before the runtime's thread,
//! not yet scheduled, has read the invalidation waiting in the socket (seen here about once in
//! 300 alternating requests on two busy cores). With it, a read is answered from memory only
//! when the socket has nothing waiting and the connection is not in the middle of handling what
//! it read: otherwise it goes to Redis.
//!
//! "In the middle": the flag is raised before each read from the socket and lowered only when a
//! read finds nothing more (the codec reads again only once it has handed out, and the
//! connection handled, every complete reply and push it had), so from before bytes leave the
//! socket until they have been handled, the flag is up. The check looks at the socket first, then
//! at the flag, so bytes are seen in one place or the other.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What another thread may ask of a watched socket.
pub struct Watch {
  #[cfg(unix)]
  fd: std::os::fd::RawFd,
  handling: AtomicBool,
}

impl Watch {
  /// Whether everything Redis has sent on this socket so far has been handled. Never true on
  /// systems without `poll` (every read then goes to Redis).
  pub fn settled(&self) -> bool {
    #[cfg(unix)]
    {
      let mut socket = libc::pollfd { fd: self.fd, events: libc::POLLIN, revents: 0 };
      // SAFETY: one valid pollfd, zero timeout. The descriptor belongs to the stream, which
      // outlives this call or, once closed, makes poll report POLLNVAL (not settled).
      let ready = unsafe { libc::poll(&mut socket, 1, 0) };
      ready == 0 && !self.handling.load(Ordering::SeqCst)
    }
    #[cfg(not(unix))]
    false
  }
}

/// A socket whose reads are watched.
pub struct Watched<S> {
  inner: S,
  watch: Arc<Watch>,
}

impl<S> Watched<S> {
  #[cfg(unix)]
  pub fn new(inner: S) -> (Self, Arc<Watch>)
  where
    S: std::os::fd::AsRawFd,
  {
    let watch = Arc::new(Watch { fd: inner.as_raw_fd(), handling: AtomicBool::new(false) });
    (Watched { inner, watch: watch.clone() }, watch)
  }
}

#[cfg(test)]
impl<S> Watched<S> {
  pub fn inner_mut(&mut self) -> &mut S {
    &mut self.inner
  }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
  fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
    self.watch.handling.store(true, Ordering::SeqCst);
    let read = Pin::new(&mut self.inner).poll_read(cx, buf);
    if read.is_pending() {
      self.watch.handling.store(false, Ordering::SeqCst);
    }
    read
  }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
  fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
    Pin::new(&mut self.inner).poll_write(cx, buf)
  }

  fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    Pin::new(&mut self.inner).poll_flush(cx)
  }

  fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    Pin::new(&mut self.inner).poll_shutdown(cx)
  }

  fn poll_write_vectored(
    mut self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    bufs: &[io::IoSlice<'_>],
  ) -> Poll<io::Result<usize>> {
    Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
  }

  fn is_write_vectored(&self) -> bool {
    self.inner.is_write_vectored()
  }
}

/// A connection over a watched socket to the server `info` names, set up as the redis crate sets
/// up its own (`settings`: pushes, timeouts). `None` for a server behind TLS, whose socket this
/// cannot watch under the TLS layer: the caller connects the usual way, and the near-cache then
/// answers nothing from memory.
pub async fn open(
  info: &redis::ConnectionInfo,
  settings: &redis::AsyncConnectionConfig,
) -> redis::RedisResult<Option<(redis::aio::MultiplexedConnection, Arc<Watch>)>> {
  #[cfg(unix)]
  {
    use redis::ConnectionAddr;
    let redis = info.redis_settings();
    match info.addr() {
      ConnectionAddr::Tcp(host, port) => {
        let stream = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
        stream.set_nodelay(true)?;
        Ok(Some(over(stream, redis, settings).await?))
      }
      ConnectionAddr::Unix(path) => {
        Ok(Some(over(tokio::net::UnixStream::connect(path).await?, redis, settings).await?))
      }
      _ => Ok(None),
    }
  }
  #[cfg(not(unix))]
  {
    let _ = (info, settings);
    Ok(None)
  }
}

/// A connection over `stream`, watched, its driver running on the runtime (it ends when the
/// connection does; nothing waits for it).
#[cfg(unix)]
async fn over<S>(
  stream: S,
  redis: &redis::RedisConnectionInfo,
  settings: &redis::AsyncConnectionConfig,
) -> redis::RedisResult<(redis::aio::MultiplexedConnection, Arc<Watch>)>
where
  S: AsyncRead + AsyncWrite + std::os::fd::AsRawFd + Unpin + Send + 'static,
{
  let (stream, watch) = Watched::new(stream);
  let (connection, driver) =
    redis::aio::MultiplexedConnection::new_with_config(redis, stream, settings.clone()).await?;
  tokio::spawn(driver);
  Ok((connection, watch))
}
