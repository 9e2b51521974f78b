//! Checked conversions of JS values TS validated already: anything that
//! slipped past is refused as an error, never saturated or truncated.

use cwasm_core::Error;

/// A whole number of bytes from JS.
pub(crate) fn byte_count(v: f64, what: &str) -> Result<usize, Error> {
    if !(v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_991.0) {
        return Err(Error::InvalidArgument { message: format!("{what} must be a whole number of bytes, got {v}") });
    }
    // Exact: v is a non-negative integer below 2^53.
    usize::try_from(v as u64).map_err(|_| Error::InvalidArgument { message: format!("{what} is too large: {v}") })
}

/// A whole number from JS (an offset, index, count or page delta): finite,
/// not negative, no fraction, at most 2^53 - 1. Anything else is refused.
pub(crate) fn whole(v: f64, what: &str) -> Result<u64, Error> {
    if !(v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_991.0) {
        return Err(Error::InvalidArgument { message: format!("{what} must be a whole number from 0 to 2^53 - 1, got {v}") });
    }
    // Exact: v is a non-negative integer below 2^53.
    Ok(v as u64)
}

/// A duration given in milliseconds from JS: finite and not negative.
pub(crate) fn millis(v: f64, what: &str) -> Result<std::time::Duration, Error> {
    if !(v.is_finite() && v >= 0.0) {
        return Err(Error::InvalidArgument { message: format!("{what} must be a finite number of milliseconds, 0 or more, got {v}") });
    }
    std::time::Duration::try_from_secs_f64(v / 1000.0)
        .map_err(|_| Error::InvalidArgument { message: format!("{what} is too large: {v} ms") })
}

/// A 32-byte key from JS.
pub(crate) fn key32(bytes: &[u8], what: &str) -> Result<[u8; 32], Error> {
    <[u8; 32]>::try_from(bytes).map_err(|_| Error::InvalidArgument { message: format!("{what} must be 32 bytes, got {}", bytes.len()) })
}

/// Bytes as lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A call token's id from JS (a whole number below 2^53).
pub(crate) fn token_id(v: f64) -> Result<u64, Error> {
    whole_id(v, "a call token id")
}

/// A positive id from JS (a whole number below 2^53).
pub(crate) fn whole_id(v: f64, what: &str) -> Result<u64, Error> {
    if !(v.is_finite() && v >= 1.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_991.0) {
        return Err(Error::InvalidArgument { message: format!("{what} must be a whole number from 1, got {v}") });
    }
    // Exact: v is a positive integer below 2^53.
    Ok(v as u64)
}

/// A process-wide count as a JS number (exact below 2^53, which counts of
/// threads, jobs and ids stay far under).
pub(crate) fn count(n: u64) -> f64 {
    n as f64
}
