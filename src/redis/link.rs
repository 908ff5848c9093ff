//! RedisStore's connection: to one server, a Cluster, or the master that Sentinel names; in plain
//! TCP or TLS (`rediss://`, through rustls). Which one is decided here, once, from the options;
//! the engine only queries. One server and Sentinel's master go through src/redis/kept_link.rs
//! (which also tracks keys for the near-cache); a Cluster through the redis crate's own cluster
//! connection (no near-cache: README "RedisStore" says why).

use std::sync::Arc;
use std::time::Duration;

use redis::cluster::{ClusterClient, ClusterConfig};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::sentinel::{SentinelClientBuilder, SentinelServerType};
use redis::{
  AsyncConnectionConfig, ClientTlsConfig, ErrorKind, FromRedisValue, IntoConnectionInfo, Pipeline, ProtocolVersion,
  RedisError, RedisResult, ScriptInvocation, TlsCertificates, TlsMode, Value,
};

use super::kept_link::{KeptLink, Source};
use super::near_cache::NearCache;

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

/// Where a step of a store-wide call (src/redis/enumerate.rs) runs: the one server (or Sentinel's
/// master), or one master of a Cluster, by the address the Cluster gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
  Server,
  Master { host: String, port: u16 },
}

/// A connection; cheap to clone, and clones share it.
#[derive(Clone)]
pub enum Link {
  /// One server, or Sentinel's master.
  Kept(Arc<KeptLink>),
  Cluster(ClusterConnection),
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

  fn client(&self, url: &str, protocol: ProtocolVersion) -> RedisResult<redis::Client> {
    let info = url.into_connection_info()?;
    let redis = info.redis_settings().clone().set_protocol(protocol);
    let info = info.set_redis_settings(redis);
    match self.certificates() {
      Some(certificates) => redis::Client::build_with_tls(info, certificates),
      None => redis::Client::open(info),
    }
  }

  fn settings(&self) -> AsyncConnectionConfig {
    AsyncConnectionConfig::new()
      .set_connection_timeout(Some(self.connect_timeout))
      .set_response_timeout(Some(self.command_timeout))
  }
}

/// The master of each slot range in a CLUSTER SLOTS reply: `[[start, end, [host, port, id], replicas...], ...]`.
fn slots_ranges(reply: Value) -> RedisResult<Vec<Node>> {
  let unexpected = || RedisError::from((ErrorKind::Parse, "CLUSTER SLOTS: an unexpected reply"));
  let Value::Array(ranges) = reply else { return Err(unexpected()) };
  let mut masters = Vec::with_capacity(ranges.len());
  for range in ranges {
    let Value::Array(range) = range else { return Err(unexpected()) };
    let Some(Value::Array(master)) = range.get(2) else { return Err(unexpected()) };
    let (Some(host), Some(Value::Int(port))) = (master.first(), master.get(1)) else { return Err(unexpected()) };
    let host: String = redis::from_redis_value_ref(host)?;
    masters.push(Node::Master { host, port: u16::try_from(*port).map_err(|_| unexpected())? });
  }
  Ok(masters)
}

/// RESP3 where the near-cache needs its pushes.
fn protocol(near: &Option<Arc<NearCache>>) -> ProtocolVersion {
  if near.is_some() {
    ProtocolVersion::RESP3
  } else {
    ProtocolVersion::RESP2
  }
}

impl Link {
  /// Prepares the connection without waiting for it: a server that is down at start is not an
  /// error here, only for the operations that run while it is down. Must run inside the tokio
  /// runtime's context. Fails only on settings that cannot be used (a URL, a certificate). With
  /// `near` (not for a Cluster), connections track what they read for it.
  pub fn connect(target: &Target, near: Option<Arc<NearCache>>) -> Result<Link, String> {
    let urls = target.urls();
    if let Some(sentinel) = &target.sentinel {
      return Link::sentinel(target, &urls, sentinel, near);
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
    let client = target.client(url, protocol(&near)).map_err(|err| err.to_string())?;
    Ok(Link::Kept(Arc::new(KeptLink::new(Source::Server(client), target.settings(), target.connect_timeout, near))))
  }

  fn sentinel(
    target: &Target,
    urls: &[String],
    sentinel: &Sentinel,
    near: Option<Arc<NearCache>>,
  ) -> Result<Link, String> {
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
    builder = builder.set_client_to_redis_db(sentinel.db).set_client_to_redis_protocol(protocol(&near));
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
    Ok(Link::Kept(Arc::new(KeptLink::new(Source::Sentinel(client), target.settings(), target.connect_timeout, near))))
  }

  /// `pipe`'s replies, and the number of the connection they came on (for the near-cache; 0 on a
  /// Cluster).
  pub async fn query<T: FromRedisValue>(&mut self, pipe: &Pipeline) -> RedisResult<(T, u64)> {
    match self {
      Link::Kept(link) => link.on_connection(async |connection| pipe.query_async(connection).await).await,
      Link::Cluster(connection) => Ok((pipe.query_async(connection).await?, 0)),
    }
  }

  /// The nodes that hold this store's keys: the server, or every master of the Cluster (as
  /// CLUSTER SLOTS names them, which is how the cluster connection knows them too).
  pub async fn masters(&mut self) -> RedisResult<Vec<Node>> {
    let Link::Cluster(connection) = self else { return Ok(vec![Node::Server]) };
    let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::RandomPrimary);
    let slots = connection.route_command(redis::cmd("CLUSTER").arg("SLOTS").clone(), routing).await?;
    let mut masters = Vec::new();
    for range in slots_ranges(slots)? {
      if !masters.contains(&range) {
        masters.push(range);
      }
    }
    Ok(masters)
  }

  /// `pipe`'s replies from `node` (one of [`Link::masters`]).
  pub async fn query_on<T: FromRedisValue>(&mut self, node: &Node, pipe: &Pipeline) -> RedisResult<T> {
    match (self, node) {
      (Link::Cluster(connection), Node::Master { host, port }) => {
        let route = SingleNodeRoutingInfo::ByAddress { host: host.clone(), port: *port };
        let replies = connection.route_pipeline(pipe.clone(), 0, pipe.len(), route).await?;
        Ok(redis::from_redis_value(Value::Array(replies))?)
      }
      (link, _) => Ok(link.query::<T>(pipe).await?.0),
    }
  }

  pub fn is_cluster(&self) -> bool {
    matches!(self, Link::Cluster(_))
  }

  /// EVALSHA, loading the script first when the server does not have it yet.
  pub async fn invoke<T: FromRedisValue>(&mut self, invocation: &ScriptInvocation<'_>) -> RedisResult<T> {
    match self {
      Link::Kept(link) => Ok(link.on_connection(async |connection| invocation.invoke_async(connection).await).await?.0),
      Link::Cluster(connection) => invocation.invoke_async(connection).await,
    }
  }

  /// An operation ran out of time (its future was dropped, so `query` saw no error): the
  /// connection may be gone, and may have missed invalidations.
  pub fn timed_out(&self) {
    if let Link::Kept(link) = self {
      if let Some(number) = link.current_number() {
        link.failed(number, None);
      }
    }
  }
}
