//! A [`Screening`] written as JSON by hand: the bytes `serde_json` writes for it, for the screenings
//! that name something (about one record in ten of a listings file, and the costliest to write).
//!
//! `serde_json` looks up every byte of every string in its escape table; here strings go through
//! [`json_str::write_str`] (eight bytes at a time) and the fixed parts are copied whole. Fields are
//! written in the order of the structs' declarations, as the derived `Serialize` does; the tests
//! compare the bytes with `serde_json`'s on every screening of the evaluation set and of random texts,
//! so a field added to a struct and not here fails them.

use crate::json_str::write_str;
use crate::{
    AnalogueHit, CueHit, CueKind, Dismissed, DrugHit, FlagHit, Screening, Strength, SubstanceHit,
};

/// Append the JSON of `s` without its opening brace (see [`crate::Screener::screen_json`]).
pub(crate) fn write_screening_tail(out: &mut Vec<u8>, s: &Screening) {
    out.extend_from_slice(b"\"label\":\"");
    out.extend_from_slice(s.label.as_str().as_bytes());
    out.extend_from_slice(b"\",\"score\":");
    crate::write_score_json(out, s.score);
    out.extend_from_slice(b",\"substances\":");
    list(out, &s.substances, substance);
    out.extend_from_slice(b",\"analogues\":");
    list(out, &s.analogues, analogue);
    out.extend_from_slice(b",\"red_flags\":");
    list(out, &s.red_flags, flag);
    out.extend_from_slice(b",\"cues\":");
    list(out, &s.cues, cue);
    out.extend_from_slice(b",\"dismissed\":");
    list(out, &s.dismissed, dismissed);
    out.extend_from_slice(b",\"drugs\":");
    list(out, &s.drugs, drug);
    field_str(out, "explanation", &s.explanation);
    field_str(out, "registry_version", &s.registry_version);
    field_str(out, "rules_version", &s.rules_version);
    out.push(b'}');
}

/// `[item,item,…]`.
fn list<T>(out: &mut Vec<u8>, items: &[T], write: fn(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(out, item);
    }
    out.push(b']');
}

/// `,"name":"value"`.
fn field_str(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
    write_str(out, value);
}

/// `,"name":N`.
fn field_usize(out: &mut Vec<u8>, name: &str, value: usize) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// `,"name":true|false`.
fn field_bool(out: &mut Vec<u8>, name: &str, value: bool) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(if value { b"\":true" } else { b"\":false" });
}

/// A float as `serde_json` writes it (rare enough to leave to it: scores and similarities).
fn write_f64(out: &mut Vec<u8>, v: f64) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, &v);
}

fn strength(s: Strength) -> &'static str {
    match s {
        Strength::Strong => "strong",
        Strength::Moderate => "moderate",
        Strength::Weak => "weak",
    }
}

fn kind(k: CueKind) -> &'static str {
    match k {
        CueKind::RedFlag => "red_flag",
        CueKind::Offer => "offer",
        CueKind::Report => "report",
    }
}

fn substance(out: &mut Vec<u8>, h: &SubstanceHit) {
    out.extend_from_slice(b"{\"id\":");
    write_str(out, &h.id);
    field_str(out, "name", &h.name);
    field_str(out, "matched_by", &h.matched_by);
    field_str(out, "text", &h.text);
    field_usize(out, "start", h.start);
    field_usize(out, "end", h.end);
    field_str(out, "certainty", &h.certainty);
    field_str(out, "tier", &h.tier);
    field_str(out, "reason", &h.reason);
    out.push(b'}');
}

fn analogue(out: &mut Vec<u8>, a: &AnalogueHit) {
    out.extend_from_slice(b"{\"text\":");
    write_str(out, &a.text);
    field_usize(out, "start", a.start);
    field_usize(out, "end", a.end);
    field_str(out, "matched_by", &a.matched_by);
    out.extend_from_slice(b",\"rules\":");
    list(out, &a.rules, |out, r| write_str(out, r));
    out.extend_from_slice(b",\"resembles\":");
    list(out, &a.resembles, |out, r| {
        out.extend_from_slice(b"{\"substance\":");
        write_str(out, &r.substance);
        out.extend_from_slice(b",\"similarity\":");
        write_f64(out, r.similarity);
        out.push(b'}');
    });
    field_str(out, "reason", &a.reason);
    out.push(b'}');
}

fn flag(out: &mut Vec<u8>, f: &FlagHit) {
    out.extend_from_slice(b"{\"id\":");
    write_str(out, &f.id);
    field_str(out, "label", &f.label);
    field_str(out, "text", &f.text);
    field_usize(out, "start", f.start);
    field_usize(out, "end", f.end);
    field_str(out, "source", &f.source);
    field_str(out, "strength", strength(f.strength));
    field_bool(out, "quoted", f.quoted);
    out.push(b'}');
}

fn cue(out: &mut Vec<u8>, c: &CueHit) {
    out.extend_from_slice(b"{\"id\":");
    write_str(out, &c.id);
    field_str(out, "kind", kind(c.kind));
    field_str(out, "label", &c.label);
    field_str(out, "text", &c.text);
    field_usize(out, "start", c.start);
    field_usize(out, "end", c.end);
    field_str(out, "strength", strength(c.strength));
    field_bool(out, "quoted", c.quoted);
    out.push(b'}');
}

fn dismissed(out: &mut Vec<u8>, d: &Dismissed) {
    out.extend_from_slice(b"{\"text\":");
    write_str(out, &d.text);
    field_usize(out, "start", d.start);
    field_usize(out, "end", d.end);
    field_str(out, "substance", &d.substance);
    field_str(out, "other_meaning", &d.other_meaning);
    field_str(out, "reason", &d.reason);
    out.push(b'}');
}

fn drug(out: &mut Vec<u8>, d: &DrugHit) {
    out.extend_from_slice(b"{\"text\":");
    write_str(out, &d.text);
    field_usize(out, "start", d.start);
    field_usize(out, "end", d.end);
    out.push(b'}');
}
