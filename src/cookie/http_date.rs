//! HTTP dates (`Thu, 01 Jan 1970 00:00:00 GMT`), as JavaScript's `Date#toUTCString` writes them.

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Formats whole seconds since the Unix epoch (UTC) for a cookie's `expires` attribute.
///
/// ```
/// assert_eq!(generic_session::cookie::http_date::format(0), "Thu, 01 Jan 1970 00:00:00 GMT");
/// ```
pub fn format(unix_seconds: i64) -> String {
  let mut out = String::with_capacity(29);
  format_into(&mut out, unix_seconds);
  out
}

/// Appends the date to `out`. Digits are written by hand: this runs on every request, and the
/// formatting machinery costs several times the arithmetic. Years are written with four digits,
/// which is what cookie expiry (at most a century ahead) needs.
pub fn format_into(out: &mut String, unix_seconds: i64) {
  let days = unix_seconds.div_euclid(86_400);
  let secs_of_day = unix_seconds.rem_euclid(86_400);
  let (year, month, day) = civil_from_days(days);
  let weekday = (days + 4).rem_euclid(7) as usize; // 1970-01-01 was a Thursday
  out.push_str(DAYS[weekday]);
  out.push_str(", ");
  push_digits(out, day, 2);
  out.push(' ');
  out.push_str(MONTHS[(month - 1) as usize]);
  out.push(' ');
  push_digits(out, year, 4);
  out.push(' ');
  push_digits(out, secs_of_day / 3600, 2);
  out.push(':');
  push_digits(out, secs_of_day / 60 % 60, 2);
  out.push(':');
  push_digits(out, secs_of_day % 60, 2);
  out.push_str(" GMT");
}

/// The last `width` decimal digits of `value`, zero-padded.
fn push_digits(out: &mut String, value: i64, width: u32) {
  for position in (0..width).rev() {
    let digit = (value / 10_i64.pow(position)).rem_euclid(10) as u8;
    out.push(char::from(b'0' + digit));
  }
}

/// Year, month (1-12) and day (1-31) of a day count since 1970-01-01, after Howard Hinnant's
/// `civil_from_days`, which is exact over the whole proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
  let z = days + 719_468;
  let era = z.div_euclid(146_097);
  let doe = z.rem_euclid(146_097);
  let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
  let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  let mp = (5 * doy + 2) / 153;
  let day = doy - (153 * mp + 2) / 5 + 1;
  let month = if mp < 10 { mp + 3 } else { mp - 9 };
  let year = yoe + era * 400 + i64::from(month <= 2);
  (year, month, day)
}

#[cfg(test)]
mod tests {
  use super::format;

  #[test]
  fn formats_the_epoch() {
    assert_eq!(format(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  }

  #[test]
  fn formats_dates_as_javascript_does() {
    // Values from `new Date(s * 1000).toUTCString()` in Node 20.
    assert_eq!(format(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
    assert_eq!(format(1_795_305_599), "Sat, 21 Nov 2026 23:59:59 GMT");
    assert_eq!(format(4_102_444_800), "Fri, 01 Jan 2100 00:00:00 GMT");
    assert_eq!(format(1_709_164_800), "Thu, 29 Feb 2024 00:00:00 GMT");
  }
}
