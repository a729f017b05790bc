//! A JSON string writer for the screening output's hot path: the same bytes as `serde_json`, found
//! eight bytes at a time.
//!
//! Every benign screening carries an explanation of a few hundred bytes, and `serde_json` looks up
//! each byte in its escape table. Here a `u64` word tells at once whether any of eight bytes needs an
//! escape (a control byte, `"` or `\`); plain words are appended whole, and each byte that needs
//! one is escaped as `serde_json` escapes it (`\n`, `\t`, `\"`… or `\u00XX`). The tests check the
//! bytes against `serde_json` on random strings.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The top bit of each byte of `x` that is below 0x20, `"` or `\`. A byte's borrow can only mark
/// bytes above one that is itself marked, so the lowest mark is exact.
#[inline(always)]
fn needs_escape(x: u64) -> u64 {
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let control = x.wrapping_sub(0x20 * ONES) & !x & HIGH;
    control | zero(x ^ (u64::from(b'"') * ONES)) | zero(x ^ (u64::from(b'\\') * ONES))
}

/// Append `s` as a JSON string (quotes included) to `out`.
///
/// Eight bytes at a time, each word appended whole (a store of fixed size, not a call to `memcpy` for
/// every stretch between escapes: explanations quote text, so stretches are short); where a word
/// holds a byte to escape, the bytes from it on are taken back and the byte escaped.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    let mut i = 0;
    while let Some(w) = b.get(i..i + 8) {
        let word = [w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]];
        out.extend_from_slice(&word);
        let m = needs_escape(u64::from_le_bytes(word));
        if m == 0 {
            i += 8;
            continue;
        }
        let j = m.trailing_zeros() as usize / 8;
        out.truncate(out.len() - 8 + j);
        escape(out, word[j]);
        i += j + 1;
    }
    for &c in b.get(i..).unwrap_or_default() {
        if matches!(c, 0..0x20 | b'"' | b'\\') {
            escape(out, c);
        } else {
            out.push(c);
        }
    }
    out.push(b'"');
}

/// The escape of one byte that needs one, as `serde_json` writes it.
fn escape(out: &mut Vec<u8>, c: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match c {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x0c => b'f',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        _ => 0,
    };
    if short != 0 {
        out.extend_from_slice(&[b'\\', short]);
    } else {
        out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(c >> 4)],
            HEX[usize::from(c & 15)],
        ]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(s: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, s);
        String::from_utf8(out).expect("utf8")
    }

    #[test]
    fn like_serde_json_on_edges() {
        for s in [
            "",
            "a",
            "\"",
            "\\",
            "plain text of some length",
            "BENIGN (score 0.12). Red flags: crypto (\"USDT\" [bytes 3-7]; FinCEN).",
            "\u{0}\u{1}\u{1f}\u{7f}\n\r\t\u{8}\u{c}",
            "1234567\"",
            "12345678\"",
            "\"12345678",
            "安全送达 \"美国\" ＵＳＤＴ \\ é",
        ] {
            assert_eq!(
                ours(s),
                serde_json::to_string(s).expect("serde_json"),
                "{s:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn like_serde_json(s in "(\\PC|[\\x00-\\x1f\"\\\\]){0,40}") {
            proptest::prop_assert_eq!(ours(&s), serde_json::to_string(&s).expect("serde_json"));
        }
    }
}
