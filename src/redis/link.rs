//! RedisStore's connection: to one server, a Cluster, or the master that Sentinel names; in plain
//! TCP or TLS (`rediss://`, through rustls). Which one is decided here, once, from the options;
//! the engine only queries.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::{ClusterClient, ClusterConfig};
use redis::cluster_async::ClusterConnection;
use redis::sentinel::{SentinelClientBuilder, SentinelServerType};
use redis::{
  AsyncConnectionConfig, ClientTlsConfig, FromRedisValue, IntoConnectionInfo, Pipeline, RedisResult, ScriptInvocation,
  TlsCertificates, TlsMode,
};

use super::sentinel::SentinelLink;

/// TLS settings beyond the `rediss://` scheme, named as in Node's `tls` (PEM text).
#[derive(Debug, Clone, Default)]
pub struct Tls {
  /// Trusted CA certificates, instead of the operating system's.
  pub ca: Option<Vec<u8>>,
  /// A client certificate and its key, for mutual TLS.
  pub cert: Option<Vec<u8>>,
  pub key: Option<Vec<u8>>,
  /// `false` accepts any server certificate (a self-signed server); only ever asked for.
  pub reject_unauthorized: bool,
}

/// The master's name and credentials, for Sentinel (the sentinels' own are in their URLs).
#[derive(Debug, Clone)]
pub struct Sentinel {
  pub name: String,
  pub username: Option<String>,
  pub password: Option<String>,
  pub db: i64,
}

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct Target {
  /// One URL for a single server, a cluster's seed nodes, or the sentinels.
  pub urls: Vec<String>,
  pub cluster: bool,
  pub sentinel: Option<Sentinel>,
  /// Present when the options had `tls`; `rediss://` URLs alone use the system's roots.
  pub tls: Option<Tls>,
  /// How long one connection attempt may take.
  pub connect_timeout: Duration,
  /// How long an operation may take in all, reconnecting included.
  pub command_timeout: Duration,
}

/// A connection; cheap to clone, and clones share it.
#[derive(Clone)]
pub enum Link {
  Server(ConnectionManager),
  Cluster(ClusterConnection),
  Sentinel(Arc<SentinelLink>),
}

impl Target {
  /// The URLs as the redis crate takes them: `rejectUnauthorized: false` is its `#insecure`.
  fn urls(&self) -> Vec<String> {
    let insecure = self.tls.as_ref().is_some_and(|tls| !tls.reject_unauthorized);
    self
      .urls
      .iter()
      .map(|url| if insecure && !url.contains('#') { format!("{url}#insecure") } else { url.clone() })
      .collect()
  }

  fn certificates(&self) -> Option<TlsCertificates> {
    let tls = self.tls.as_ref()?;
    let client_tls = match (&tls.cert, &tls.key) {
      (Some(cert), Some(key)) => Some(ClientTlsConfig { client_cert: cert.clone(), client_key: key.clone() }),
      _ => None,
    };
    Some(TlsCertificates { client_tls, root_cert: tls.ca.clone() })
  }

  fn tls_mode(&self) -> Option<TlsMode> {
    let secure = self.urls.iter().any(|url| url.starts_with("rediss:") || url.starts_with("valkeys:"));
    match &self.tls {
      _ if !secure => None,
      Some(tls) if !tls.reject_unauthorized => Some(TlsMode::Insecure),
      _ => Some(TlsMode::Secure),
    }
  }

  fn client(&self, url: &str) -> RedisResult<redis::Client> {
    match self.certificates() {
      Some(certificates) => redis::Client::build_with_tls(url, certificates),
      None => redis::Client::open(url),
    }
  }
}

impl Link {
  /// Prepares the connection without waiting for it: a server that is down at start is not an
  /// error here, only for the operations that run while it is down. Must run inside the tokio
  /// runtime's context. Fails only on settings that cannot be used (a URL, a certificate).
  pub fn connect(target: &Target) -> Result<Link, String> {
    let urls = target.urls();
    if let Some(sentinel) = &target.sentinel {
      return Link::sentinel(target, &urls, sentinel);
    }
    if target.cluster {
      let mut builder = ClusterClient::builder(urls.iter().map(String::as_str))
        .connection_timeout(target.connect_timeout)
        .response_timeout(target.command_timeout);
      if let Some(mode) = target.tls_mode() {
        builder = builder.tls(mode);
      }
      if let Some(certificates) = target.certificates() {
        builder = builder.certs(certificates);
      }
      let client = builder.build().map_err(|err| err.to_string())?;
      let settings = ClusterConfig::new()
        .set_connection_timeout(target.connect_timeout)
        .set_response_timeout(target.command_timeout);
      return Ok(Link::Cluster(client.get_pending_async_connection_with_config(settings)));
    }
    let url = urls.first().ok_or("no URL")?;
    let client = target.client(url).map_err(|err| err.to_string())?;
    // Few, quick retries: an operation waiting on a reconnect must still end within
    // command_timeout, and the next operation tries again anyway.
    let settings = ConnectionManagerConfig::new()
      .set_connection_timeout(Some(target.connect_timeout))
      .set_response_timeout(Some(target.command_timeout))
      .set_number_of_retries(1)
      .set_min_delay(Duration::from_millis(50))
      .set_max_delay(Duration::from_millis(500));
    Ok(Link::Server(ConnectionManager::new_lazy_with_config(client, settings).map_err(|err| err.to_string())?))
  }

  fn sentinel(target: &Target, urls: &[String], sentinel: &Sentinel) -> Result<Link, String> {
    let mut nodes = Vec::new();
    let mut sentinel_credentials = (None, None);
    for url in urls {
      let info = url.as_str().into_connection_info().map_err(|err| err.to_string())?;
      if sentinel_credentials.1.is_none() {
        let settings = info.redis_settings();
        sentinel_credentials = (settings.username().map(str::to_owned), settings.password().map(str::to_owned));
      }
      nodes.push(info.addr().clone());
    }
    let mut builder =
      SentinelClientBuilder::new(nodes, &sentinel.name, SentinelServerType::Master).map_err(|err| err.to_string())?;
    if let Some(username) = &sentinel_credentials.0 {
      builder = builder.set_client_to_sentinel_username(username);
    }
    if let Some(password) = &sentinel_credentials.1 {
      builder = builder.set_client_to_sentinel_password(password);
    }
    if let Some(username) = &sentinel.username {
      builder = builder.set_client_to_redis_username(username);
    }
    if let Some(password) = &sentinel.password {
      builder = builder.set_client_to_redis_password(password);
    }
    builder = builder.set_client_to_redis_db(sentinel.db);
    // TLS to the sentinels (rediss:// URLs) is TLS to the master too, with the same certificates.
    if let Some(mode) = target.tls_mode() {
      builder = builder.set_client_to_redis_tls_mode(mode).set_client_to_sentinel_tls_mode(mode);
    }
    if let Some(certificates) = target.certificates() {
      builder = builder
        .set_client_to_redis_certificates(certificates.clone())
        .set_client_to_sentinel_certificates(certificates);
    }
    let client = builder.build().map_err(|err| err.to_string())?;
    let settings = AsyncConnectionConfig::new()
      .set_connection_timeout(Some(target.connect_timeout))
      .set_response_timeout(Some(target.command_timeout));
    Ok(Link::Sentinel(Arc::new(SentinelLink::new(client, settings))))
  }

  pub async fn query<T: FromRedisValue>(&mut self, pipe: &Pipeline) -> RedisResult<T> {
    match self {
      Link::Server(connection) => pipe.query_async(connection).await,
      Link::Cluster(connection) => pipe.query_async(connection).await,
      Link::Sentinel(link) => link.on_master(async |connection| pipe.query_async(connection).await).await,
    }
  }

  /// EVALSHA, loading the script first when the server does not have it yet.
  pub async fn invoke<T: FromRedisValue>(&mut self, invocation: &ScriptInvocation<'_>) -> RedisResult<T> {
    match self {
      Link::Server(connection) => invocation.invoke_async(connection).await,
      Link::Cluster(connection) => invocation.invoke_async(connection).await,
      Link::Sentinel(link) => link.on_master(async |connection| invocation.invoke_async(connection).await).await,
    }
  }

  /// An operation ran out of time (its future was dropped, so `query` saw no error).
  pub fn timed_out(&self) {
    if let Link::Sentinel(link) = self {
      link.failed(None);
    }
  }
}
