//! How a store operation ended, and how a batch of endings crosses to JavaScript: one JSON text
//! `[[ticket], [ticket, null, value], [ticket, "error"]]` (a missing value is a 1-element entry).
//! One string and one `JSON.parse` per batch cost far less than N-API objects per operation.
//! Shared by the LevelStore thread and the RedisStore runtime; `lib/stores/ticketed.js` reads it.

use crate::json_text;

/// How a request ended.
#[derive(Debug, PartialEq)]
pub enum Outcome {
  /// A value's JSON text, or none.
  Value(Option<Vec<u8>>),
  /// A JSON text: getAll's object, the ids' array, a count.
  Object(String),
  Done,
  Failed(String),
}

/// A request's outcome, with the ticket its caller gave it.
#[derive(Debug)]
pub struct Completion {
  pub ticket: u32,
  pub outcome: Outcome,
}

/// The ticket of the one entry in a batch that answers no call: the ids of sessions the store
/// found expired, as a JSON array (`[0,null,["id",...]]`). JavaScript's tickets start at 1.
pub const EXPIRED_TICKET: u32 = 0;

impl Completion {
  /// The entry carrying `ids`, sessions found expired (see [`EXPIRED_TICKET`]).
  pub fn expired(ids: &[String]) -> Completion {
    Completion { ticket: EXPIRED_TICKET, outcome: Outcome::Object(ids_array(ids)) }
  }
}

/// `ids` as a JSON array of strings (the expired entry's, and the answer to [`crate::operation::Op::Ids`]).
pub fn ids_array(ids: &[String]) -> String {
  let capacity = ids.iter().map(|id| id.len() + 3).sum::<usize>() + 2;
  json_text::string_array(ids.iter().map(String::as_str), capacity)
}

/// The JSON text of a batch of completions, in the order given.
pub fn encode(completions: &[Completion]) -> String {
  let mut out = String::with_capacity(16 * completions.len() + 2);
  out.push('[');
  for (i, completion) in completions.iter().enumerate() {
    if i > 0 {
      out.push(',');
    }
    out.push('[');
    out.push_str(&completion.ticket.to_string());
    match &completion.outcome {
      Outcome::Value(Some(json)) => {
        out.push_str(",null,");
        out.push_str(&String::from_utf8_lossy(json));
      }
      Outcome::Object(json) => {
        out.push_str(",null,");
        out.push_str(json);
      }
      Outcome::Value(None) | Outcome::Done => {}
      Outcome::Failed(message) => {
        out.push(',');
        json_text::push_string(&mut out, message);
      }
    }
    out.push(']');
  }
  out.push(']');
  out
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn encodes_each_kind_of_outcome() {
    let batch = [
      Completion { ticket: 1, outcome: Outcome::Done },
      Completion { ticket: 2, outcome: Outcome::Value(Some(b"{\"a\":1}".to_vec())) },
      Completion { ticket: 3, outcome: Outcome::Value(None) },
      Completion { ticket: 4, outcome: Outcome::Object("{\"k\":\"v\"}".into()) },
      Completion { ticket: 5, outcome: Outcome::Failed("no \"redis\"".into()) },
    ];
    let text = encode(&batch);
    assert_eq!(text, r#"[[1],[2,null,{"a":1}],[3],[4,null,{"k":"v"}],[5,"no \"redis\""]]"#);
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed.as_array().unwrap().len(), 5);
  }

  #[test]
  fn expired_ids_go_as_an_array_under_ticket_0() {
    let ids = ["session:a".to_owned(), "x\"\u{0}".to_owned()];
    let text = encode(&[Completion { ticket: 7, outcome: Outcome::Done }, Completion::expired(&ids)]);
    assert_eq!(text, r#"[[7],[0,null,["session:a","x\"\u0000"]]]"#);
  }

  #[test]
  fn an_empty_batch_is_an_empty_array() {
    assert_eq!(encode(&[]), "[]");
  }
}
