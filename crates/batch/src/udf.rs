//! The scalar UDFs: thin adapters from Arrow arrays to the screening, classification and lookup libraries.
//!
//! Each call takes a whole column (a record batch's worth of rows) and returns one: the engine is shared
//! (`Arc`), the screening buffers are per thread and reused, and every output column is built with Arrow
//! builders in one pass. A null input gives a null output row. Something that cannot be answered (a
//! SMILES that does not parse, a CAS RN with a wrong check digit) gives a row whose `error` says what and
//! where; a panic inside a library on one record is caught and reported the same way (`error` starts
//! with `internal error`), so one bad record never fails a job of millions.
//!
//! Every struct carries `registry_version`. A session that names a registry version
//! (`pwatch.registry_version`, set by `pwatch-batch` clients) is refused by a UDF over another registry,
//! so an executor with the wrong data can never answer silently.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, ListArray, ListBuilder,
    StringBuilder, StructArray, UInt64Builder,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::cast::{as_large_string_array, as_string_array, as_string_view_array};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use pw_screen::Scratch;
use serde::Serialize;

use crate::cluster::PwConfig;
use crate::engine::Engine;

thread_local! {
    /// Screening buffers, one set per thread for the life of the process.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The UDFs over one engine: `pw_screen`, `pw_screen_json`, `pw_classify`, `pw_lookup`,
/// `pw_registry_version`.
pub fn all(engine: &Arc<Engine>) -> Vec<Arc<ScalarUDF>> {
    [
        Kind::Screen,
        Kind::ScreenJson,
        Kind::Classify,
        Kind::Lookup,
        Kind::Version,
    ]
    .into_iter()
    .map(|kind| Arc::new(ScalarUDF::new_from_impl(PwUdf::new(kind, engine.clone()))))
    .collect()
}

/// Which function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `pw_screen(text)` → struct.
    Screen,
    /// `pw_screen_json(text)` → the JSON `pwatch screen` writes for the text (without its `id`/`line`).
    ScreenJson,
    /// `pw_classify(smiles)` → struct.
    Classify,
    /// `pw_lookup(identifier)` → struct.
    Lookup,
    /// `pw_registry_version()` → the registry version of the process evaluating it.
    Version,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Screen => "pw_screen",
            Kind::ScreenJson => "pw_screen_json",
            Kind::Classify => "pw_classify",
            Kind::Lookup => "pw_lookup",
            Kind::Version => "pw_registry_version",
        }
    }
}

/// One of the UDFs.
#[derive(Debug)]
pub struct PwUdf {
    kind: Kind,
    engine: Arc<Engine>,
    signature: Signature,
}

impl PwUdf {
    /// The function `kind` over `engine`.
    pub fn new(kind: Kind, engine: Arc<Engine>) -> PwUdf {
        let signature = match kind {
            // Volatile, so that it is evaluated where the query runs (an executor), not folded into a
            // constant by the planner of the client.
            Kind::Version => Signature::nullary(Volatility::Volatile),
            _ => Signature::string(1, Volatility::Immutable),
        };
        PwUdf {
            kind,
            engine,
            signature,
        }
    }
}

impl PartialEq for PwUdf {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.engine.registry_version() == other.engine.registry_version()
            && self.engine.as_of() == other.engine.as_of()
    }
}
impl Eq for PwUdf {}
impl Hash for PwUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
        self.engine.registry_version().hash(state);
    }
}

impl ScalarUDFImpl for PwUdf {
    fn name(&self) -> &str {
        self.kind.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            Kind::Screen => screen_type(),
            Kind::Classify => classify_type(),
            Kind::Lookup => lookup_type(),
            Kind::ScreenJson | Kind::Version => DataType::Utf8,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        check_session(&self.engine, &args)?;
        if self.kind == Kind::Version {
            return Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(
                self.engine.registry_version().to_string(),
            ))));
        }
        let [arg] = args.args.as_slice() else {
            return Err(DataFusionError::Plan(format!(
                "{} takes one argument, got {}",
                self.name(),
                args.args.len()
            )));
        };
        let (array, scalar) = match arg {
            ColumnarValue::Array(a) => (a.clone(), false),
            ColumnarValue::Scalar(s) => (s.to_array_of_size(1)?, true),
        };
        let texts = strings(&array)?;
        let out = match self.kind {
            Kind::Screen => screen_array(&self.engine, &texts)?,
            Kind::ScreenJson => screen_json_array(&self.engine, &texts),
            Kind::Classify => classify_array(&self.engine, &texts)?,
            Kind::Lookup => lookup_array(&self.engine, &texts)?,
            Kind::Version => unreachable_version()?,
        };
        Ok(if scalar {
            ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?)
        } else {
            ColumnarValue::Array(out)
        })
    }
}

fn unreachable_version() -> Result<ArrayRef> {
    Err(DataFusionError::Internal(
        "pw_registry_version takes no argument".into(),
    ))
}

/// Refuse a session planned against another registry.
fn check_session(engine: &Engine, args: &ScalarFunctionArgs) -> Result<()> {
    let Some(cfg) = args.config_options.extensions.get::<PwConfig>() else {
        return Ok(());
    };
    if !cfg.registry_version.is_empty() && cfg.registry_version != engine.registry_version() {
        return Err(DataFusionError::Execution(format!(
            "registry version mismatch: the query was planned with registry {} but this process \
             (pwatch-batch {}) holds registry {}; restart it with the same registry as the scheduler",
            cfg.registry_version,
            env!("CARGO_PKG_VERSION"),
            engine.registry_version()
        )));
    }
    Ok(())
}

/// The rows of a string column (`Utf8`, `LargeUtf8`, `Utf8View`, or all-null).
fn strings(array: &ArrayRef) -> Result<Vec<Option<&str>>> {
    Ok(match array.data_type() {
        DataType::Utf8 => as_string_array(array)?.iter().collect(),
        DataType::LargeUtf8 => as_large_string_array(array)?.iter().collect(),
        DataType::Utf8View => as_string_view_array(array)?.iter().collect(),
        DataType::Null => vec![None; array.len()],
        other => {
            return Err(DataFusionError::Plan(format!(
                "expected a string column, got {other}"
            )));
        }
    })
}

/// The error for a text longer than a screening can address (its offsets are 30-bit), or `None`.
fn too_long(text: &str) -> Option<String> {
    (text.len() > pw_screen::MAX_TEXT_BYTES).then(|| {
        format!(
            "text of {} bytes is longer than the {} bytes one screening can address; split it",
            text.len(),
            pw_screen::MAX_TEXT_BYTES
        )
    })
}

/// Run `f`, turning a panic into an error message (one bad record must not fail a whole job).
fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_string());
        format!("internal error {what}: {msg}")
    })
}

/// A serde enum as its lower-case name.
fn enum_name<T: Serialize>(t: &T) -> String {
    match serde_json::to_value(t) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

// ----- building nested columns -----

fn utf8(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

fn u64f(name: &str) -> Field {
    Field::new(name, DataType::UInt64, true)
}

fn f64f(name: &str) -> Field {
    Field::new(name, DataType::Float64, true)
}

fn boolf(name: &str) -> Field {
    Field::new(name, DataType::Boolean, true)
}

fn item(dt: DataType) -> FieldRef {
    Arc::new(Field::new_list_field(dt, true))
}

fn list_of(dt: DataType) -> DataType {
    DataType::List(item(dt))
}

fn list_field(name: &str, dt: DataType) -> Field {
    Field::new(name, list_of(dt), true)
}

fn str_list() -> ListBuilder<StringBuilder> {
    ListBuilder::new(StringBuilder::new()).with_field(item(DataType::Utf8))
}

/// A `List<Struct>` column under construction: the struct's child columns plus the list offsets.
struct ListOfStruct<C> {
    fields: Fields,
    cols: C,
    len: usize,
    offsets: Vec<i32>,
}

impl<C: Children> ListOfStruct<C> {
    fn new(fields: Fields, cols: C) -> Self {
        ListOfStruct {
            fields,
            cols,
            len: 0,
            offsets: vec![0],
        }
    }

    /// Add one item (the closure appends one value to every child column).
    fn push(&mut self, f: impl FnOnce(&mut C)) {
        f(&mut self.cols);
        self.len += 1;
    }

    /// Close the current row's list.
    fn end_row(&mut self) -> Result<()> {
        let end = i32::try_from(self.len).map_err(|_| {
            DataFusionError::Execution("more than 2^31 list items in one batch".into())
        })?;
        self.offsets.push(end);
        Ok(())
    }

    fn finish(mut self) -> Result<ArrayRef> {
        let children = self.cols.finish()?;
        let values = if self.fields.is_empty() {
            StructArray::new_empty_fields(self.len, None)
        } else {
            StructArray::try_new(self.fields.clone(), children, None)?
        };
        Ok(Arc::new(ListArray::try_new(
            item(DataType::Struct(self.fields)),
            OffsetBuffer::new(self.offsets.into()),
            Arc::new(values),
            None,
        )?))
    }
}

/// The child columns of a struct.
trait Children {
    fn finish(&mut self) -> Result<Vec<ArrayRef>>;
}

macro_rules! children {
    ($name:ident { $($f:ident : $t:ty),* $(,)? }) => {
        #[derive(Default)]
        struct $name { $($f: $t),* }
        impl Children for $name {
            fn finish(&mut self) -> Result<Vec<ArrayRef>> {
                Ok(vec![$(Arc::new(self.$f.finish()) as ArrayRef),*])
            }
        }
    };
}

/// The outer struct of a UDF's result, with a null for each null input.
fn outer(fields: Fields, children: Vec<ArrayRef>, valid: Vec<bool>) -> Result<ArrayRef> {
    let nulls = if valid.iter().all(|v| *v) {
        None
    } else {
        Some(NullBuffer::from(valid))
    };
    Ok(Arc::new(StructArray::try_new(fields, children, nulls)?))
}

// ----- pw_screen -----

fn substance_fields() -> Fields {
    Fields::from(vec![
        utf8("id"),
        utf8("name"),
        utf8("matched_by"),
        utf8("text"),
        u64f("start"),
        u64f("end"),
        utf8("certainty"),
        utf8("tier"),
        utf8("reason"),
    ])
}

fn analogue_fields() -> Fields {
    Fields::from(vec![
        utf8("text"),
        utf8("matched_by"),
        u64f("start"),
        u64f("end"),
        list_field("rules", DataType::Utf8),
        list_field("resembles", DataType::Utf8),
        utf8("reason"),
    ])
}

fn flag_fields() -> Fields {
    Fields::from(vec![
        utf8("id"),
        utf8("label"),
        utf8("text"),
        u64f("start"),
        u64f("end"),
        utf8("source"),
        utf8("strength"),
        boolf("quoted"),
    ])
}

fn cue_fields() -> Fields {
    Fields::from(vec![
        utf8("id"),
        utf8("kind"),
        utf8("text"),
        u64f("start"),
        u64f("end"),
        utf8("strength"),
        boolf("quoted"),
    ])
}

fn screen_fields() -> Fields {
    Fields::from(vec![
        utf8("label"),
        f64f("score"),
        list_field("substances", DataType::Struct(substance_fields())),
        list_field("analogues", DataType::Struct(analogue_fields())),
        list_field("red_flags", DataType::Struct(flag_fields())),
        list_field("cues", DataType::Struct(cue_fields())),
        list_field("drugs", DataType::Utf8),
        utf8("explanation"),
        utf8("error"),
        utf8("registry_version"),
        utf8("rules_version"),
    ])
}

/// The type `pw_screen` returns.
pub fn screen_type() -> DataType {
    DataType::Struct(screen_fields())
}

children!(SubstanceCols {
    id: StringBuilder,
    name: StringBuilder,
    matched_by: StringBuilder,
    text: StringBuilder,
    start: UInt64Builder,
    end: UInt64Builder,
    certainty: StringBuilder,
    tier: StringBuilder,
    reason: StringBuilder,
});

struct AnalogueCols {
    text: StringBuilder,
    matched_by: StringBuilder,
    start: UInt64Builder,
    end: UInt64Builder,
    rules: ListBuilder<StringBuilder>,
    resembles: ListBuilder<StringBuilder>,
    reason: StringBuilder,
}

impl Default for AnalogueCols {
    fn default() -> Self {
        AnalogueCols {
            text: StringBuilder::new(),
            matched_by: StringBuilder::new(),
            start: UInt64Builder::new(),
            end: UInt64Builder::new(),
            rules: str_list(),
            resembles: str_list(),
            reason: StringBuilder::new(),
        }
    }
}

impl Children for AnalogueCols {
    fn finish(&mut self) -> Result<Vec<ArrayRef>> {
        Ok(vec![
            Arc::new(self.text.finish()),
            Arc::new(self.matched_by.finish()),
            Arc::new(self.start.finish()),
            Arc::new(self.end.finish()),
            Arc::new(self.rules.finish()),
            Arc::new(self.resembles.finish()),
            Arc::new(self.reason.finish()),
        ])
    }
}

children!(FlagCols {
    id: StringBuilder,
    label: StringBuilder,
    text: StringBuilder,
    start: UInt64Builder,
    end: UInt64Builder,
    source: StringBuilder,
    strength: StringBuilder,
    quoted: BooleanBuilder,
});

children!(CueCols {
    id: StringBuilder,
    kind: StringBuilder,
    text: StringBuilder,
    start: UInt64Builder,
    end: UInt64Builder,
    strength: StringBuilder,
    quoted: BooleanBuilder,
});

fn screen_array(engine: &Engine, texts: &[Option<&str>]) -> Result<ArrayRef> {
    let n = texts.len();
    let mut label = StringBuilder::with_capacity(n, n * 6);
    let mut score = Float64Builder::with_capacity(n);
    let mut subs = ListOfStruct::new(substance_fields(), SubstanceCols::default());
    let mut analogues = ListOfStruct::new(analogue_fields(), AnalogueCols::default());
    let mut flags = ListOfStruct::new(flag_fields(), FlagCols::default());
    let mut cues = ListOfStruct::new(cue_fields(), CueCols::default());
    let mut drugs = str_list();
    let mut explanation = StringBuilder::with_capacity(n, n * 64);
    let mut error = StringBuilder::new();
    let mut registry_version = StringBuilder::with_capacity(n, n * 64);
    let mut rules_version = StringBuilder::with_capacity(n, n * 64);
    let mut valid = Vec::with_capacity(n);
    let screener = engine.screener();
    SCRATCH.with_borrow_mut(|scratch| -> Result<()> {
        for text in texts {
            valid.push(text.is_some());
            let result = text.map(|t| match too_long(t) {
                Some(e) => Err(e),
                None => guarded("screening this record", || {
                    screener.screen_with(t.as_bytes(), scratch)
                }),
            });
            match &result {
                Some(Ok(s)) => {
                    label.append_value(s.label.as_str());
                    score.append_value(s.score);
                    for h in &s.substances {
                        subs.push(|c| {
                            c.id.append_value(&h.id);
                            c.name.append_value(&h.name);
                            c.matched_by.append_value(&h.matched_by);
                            c.text.append_value(&h.text);
                            c.start.append_value(h.start as u64);
                            c.end.append_value(h.end as u64);
                            c.certainty.append_value(&h.certainty);
                            c.tier.append_value(&h.tier);
                            c.reason.append_value(&h.reason);
                        });
                    }
                    for a in &s.analogues {
                        analogues.push(|c| {
                            c.text.append_value(&a.text);
                            c.matched_by.append_value(&a.matched_by);
                            c.start.append_value(a.start as u64);
                            c.end.append_value(a.end as u64);
                            for r in &a.rules {
                                c.rules.values().append_value(r);
                            }
                            c.rules.append(true);
                            for r in &a.resembles {
                                c.resembles.values().append_value(&r.substance);
                            }
                            c.resembles.append(true);
                            c.reason.append_value(&a.reason);
                        });
                    }
                    for f in &s.red_flags {
                        flags.push(|c| {
                            c.id.append_value(&f.id);
                            c.label.append_value(&f.label);
                            c.text.append_value(&f.text);
                            c.start.append_value(f.start as u64);
                            c.end.append_value(f.end as u64);
                            c.source.append_value(&f.source);
                            c.strength.append_value(enum_name(&f.strength));
                            c.quoted.append_value(f.quoted);
                        });
                    }
                    for q in &s.cues {
                        cues.push(|c| {
                            c.id.append_value(&q.id);
                            c.kind.append_value(enum_name(&q.kind));
                            c.text.append_value(&q.text);
                            c.start.append_value(q.start as u64);
                            c.end.append_value(q.end as u64);
                            c.strength.append_value(enum_name(&q.strength));
                            c.quoted.append_value(q.quoted);
                        });
                    }
                    for d in &s.drugs {
                        drugs.values().append_value(&d.text);
                    }
                    explanation.append_value(&s.explanation);
                    error.append_null();
                }
                Some(Err(e)) => {
                    *scratch = Scratch::default();
                    label.append_null();
                    score.append_null();
                    explanation.append_null();
                    error.append_value(e);
                }
                None => {
                    label.append_null();
                    score.append_null();
                    explanation.append_null();
                    error.append_null();
                }
            }
            drugs.append(true);
            subs.end_row()?;
            analogues.end_row()?;
            flags.end_row()?;
            cues.end_row()?;
            registry_version.append_value(engine.registry_version());
            rules_version.append_value(engine.rules_version());
        }
        Ok(())
    })?;
    outer(
        screen_fields(),
        vec![
            Arc::new(label.finish()),
            Arc::new(score.finish()),
            subs.finish()?,
            analogues.finish()?,
            flags.finish()?,
            cues.finish()?,
            Arc::new(drugs.finish()),
            Arc::new(explanation.finish()),
            Arc::new(error.finish()),
            Arc::new(registry_version.finish()),
            Arc::new(rules_version.finish()),
        ],
        valid,
    )
}

/// `pw_screen_json`: exactly the JSON object `pwatch screen` writes after its `id` and `line` members
/// (the same call, `Screener::screen_json`), as one string.
fn screen_json_array(engine: &Engine, texts: &[Option<&str>]) -> ArrayRef {
    let screener = engine.screener();
    let mut out = StringBuilder::with_capacity(texts.len(), texts.len() * 512);
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    SCRATCH.with_borrow_mut(|scratch| {
        for text in texts {
            let Some(t) = text else {
                out.append_null();
                continue;
            };
            buf.clear();
            buf.push(b'{');
            let done = match too_long(t) {
                Some(e) => Err(e),
                None => guarded("screening this record", || {
                    screener.screen_json(t.as_bytes(), scratch, &mut buf)
                }),
            };
            match done {
                // serde_json writes UTF-8.
                Ok(_) => out.append_value(String::from_utf8_lossy(&buf)),
                Err(e) => {
                    *scratch = Scratch::default();
                    let mut o = String::from("{\"error\":");
                    o.push_str(&serde_json::Value::String(e).to_string());
                    o.push('}');
                    out.append_value(o);
                }
            }
        }
    });
    Arc::new(out.finish())
}

// ----- pw_classify -----

fn class_match_fields() -> Fields {
    Fields::from(vec![
        utf8("jurisdiction"),
        utf8("rule"),
        utf8("list"),
        utf8("name"),
        utf8("explanation"),
        utf8("citation"),
        utf8("source"),
    ])
}

fn similar_fields() -> Fields {
    Fields::from(vec![utf8("substance"), f64f("similarity")])
}

fn warning_fields() -> Fields {
    Fields::from(vec![utf8("substance"), f64f("similarity"), utf8("reason")])
}

fn classify_fields() -> Fields {
    Fields::from(vec![
        utf8("input"),
        utf8("error"),
        utf8("canonical_smiles"),
        utf8("inchikey"),
        list_field("removed", DataType::Utf8),
        list_field("listed", DataType::Utf8),
        list_field("listed_by", DataType::Utf8),
        list_field("class_matches", DataType::Struct(class_match_fields())),
        list_field("similar", DataType::Struct(similar_fields())),
        list_field("analogue_warnings", DataType::Struct(warning_fields())),
        Field::new("as_of", DataType::Date32, true),
        utf8("registry_version"),
    ])
}

/// The type `pw_classify` returns.
pub fn classify_type() -> DataType {
    DataType::Struct(classify_fields())
}

children!(ClassMatchCols {
    jurisdiction: StringBuilder,
    rule: StringBuilder,
    list: StringBuilder,
    name: StringBuilder,
    explanation: StringBuilder,
    citation: StringBuilder,
    source: StringBuilder,
});

children!(SimilarCols {
    substance: StringBuilder,
    similarity: Float64Builder,
});

children!(WarningCols {
    substance: StringBuilder,
    similarity: Float64Builder,
    reason: StringBuilder,
});

/// Days from 1970-01-01 (Arrow's `Date32`).
fn date32(d: chrono::NaiveDate) -> i32 {
    const UNIX_EPOCH_FROM_CE: i32 = 719_163;
    chrono::Datelike::num_days_from_ce(&d) - UNIX_EPOCH_FROM_CE
}

fn classify_array(engine: &Engine, smiles: &[Option<&str>]) -> Result<ArrayRef> {
    let n = smiles.len();
    let mut input = StringBuilder::new();
    let mut error = StringBuilder::new();
    let mut canonical = StringBuilder::new();
    let mut inchikey = StringBuilder::new();
    let mut removed = str_list();
    let mut listed = str_list();
    let mut listed_by = str_list();
    let mut matches = ListOfStruct::new(class_match_fields(), ClassMatchCols::default());
    let mut similar = ListOfStruct::new(similar_fields(), SimilarCols::default());
    let mut warnings = ListOfStruct::new(warning_fields(), WarningCols::default());
    let mut as_of = Date32Builder::with_capacity(n);
    let mut registry_version = StringBuilder::new();
    let mut valid = Vec::with_capacity(n);
    let classifier = engine.classifier();
    for s in smiles {
        valid.push(s.is_some());
        let result = s.map(|s| {
            guarded("classifying this structure", || {
                classifier.classify(s, engine.as_of())
            })
            .and_then(|r| r.map_err(|e| e.to_string()))
        });
        match (s, &result) {
            (Some(s), Some(Ok(c))) => {
                input.append_value(s);
                error.append_null();
                canonical.append_value(&c.canonical_smiles);
                inchikey.append_value(&c.inchikey);
                for r in &c.removed {
                    removed.values().append_value(r);
                }
                for l in &c.listed {
                    listed.values().append_value(l);
                }
                for l in &c.listed_by {
                    listed_by.values().append_value(l);
                }
                for m in &c.class_matches {
                    matches.push(|x| {
                        x.jurisdiction.append_value(&m.jurisdiction);
                        x.rule.append_value(&m.rule);
                        x.list.append_value(&m.list);
                        x.name.append_value(&m.name);
                        x.explanation.append_value(&m.explanation);
                        x.citation.append_value(&m.citation);
                        x.source.append_value(&m.source);
                    });
                }
                for m in &c.similar {
                    similar.push(|x| {
                        x.substance.append_value(&m.substance);
                        x.similarity.append_value(m.similarity);
                    });
                }
                for m in &c.analogue_warnings {
                    warnings.push(|x| {
                        x.substance.append_value(&m.substance);
                        x.similarity.append_value(m.similarity);
                        x.reason.append_value(&m.reason);
                    });
                }
            }
            (Some(s), Some(Err(e))) => {
                input.append_value(s);
                error.append_value(e);
                canonical.append_null();
                inchikey.append_null();
            }
            _ => {
                input.append_null();
                error.append_null();
                canonical.append_null();
                inchikey.append_null();
            }
        }
        removed.append(true);
        listed.append(true);
        listed_by.append(true);
        matches.end_row()?;
        similar.end_row()?;
        warnings.end_row()?;
        as_of.append_value(date32(engine.as_of()));
        registry_version.append_value(engine.registry_version());
    }
    outer(
        classify_fields(),
        vec![
            Arc::new(input.finish()),
            Arc::new(error.finish()),
            Arc::new(canonical.finish()),
            Arc::new(inchikey.finish()),
            Arc::new(removed.finish()),
            Arc::new(listed.finish()),
            Arc::new(listed_by.finish()),
            matches.finish()?,
            similar.finish()?,
            warnings.finish()?,
            Arc::new(as_of.finish()),
            Arc::new(registry_version.finish()),
        ],
        valid,
    )
}

// ----- pw_lookup -----

fn control_fields() -> Fields {
    Fields::from(vec![
        utf8("jurisdiction"),
        utf8("list"),
        utf8("list_name"),
        Field::new("effective", DataType::Date32, true),
        utf8("citation"),
        utf8("source"),
    ])
}

fn match_fields() -> Fields {
    Fields::from(vec![
        utf8("id"),
        utf8("name"),
        utf8("kind"),
        list_field("cas", DataType::Utf8),
        utf8("inchikey"),
        utf8("matched_by"),
        utf8("matched_text"),
        boolf("ambiguous"),
        list_field("also_means", DataType::Utf8),
        utf8("salt"),
        utf8("note"),
        list_field("controls", DataType::Struct(control_fields())),
    ])
}

fn lookup_fields() -> Fields {
    Fields::from(vec![
        utf8("query"),
        utf8("error"),
        list_field("matches", DataType::Struct(match_fields())),
        list_field("suggestions", DataType::Utf8),
        utf8("registry_version"),
    ])
}

/// The type `pw_lookup` returns.
pub fn lookup_type() -> DataType {
    DataType::Struct(lookup_fields())
}

struct MatchCols {
    id: StringBuilder,
    name: StringBuilder,
    kind: StringBuilder,
    cas: ListBuilder<StringBuilder>,
    inchikey: StringBuilder,
    matched_by: StringBuilder,
    matched_text: StringBuilder,
    ambiguous: BooleanBuilder,
    also_means: ListBuilder<StringBuilder>,
    salt: StringBuilder,
    note: StringBuilder,
    controls: ListOfStruct<ControlCols>,
}

children!(ControlCols {
    jurisdiction: StringBuilder,
    list: StringBuilder,
    list_name: StringBuilder,
    effective: Date32Builder,
    citation: StringBuilder,
    source: StringBuilder,
});

impl Default for MatchCols {
    fn default() -> Self {
        MatchCols {
            id: StringBuilder::new(),
            name: StringBuilder::new(),
            kind: StringBuilder::new(),
            cas: str_list(),
            inchikey: StringBuilder::new(),
            matched_by: StringBuilder::new(),
            matched_text: StringBuilder::new(),
            ambiguous: BooleanBuilder::new(),
            also_means: str_list(),
            salt: StringBuilder::new(),
            note: StringBuilder::new(),
            controls: ListOfStruct::new(control_fields(), ControlCols::default()),
        }
    }
}

impl Children for MatchCols {
    fn finish(&mut self) -> Result<Vec<ArrayRef>> {
        let controls = std::mem::replace(
            &mut self.controls,
            ListOfStruct::new(control_fields(), ControlCols::default()),
        )
        .finish()?;
        Ok(vec![
            Arc::new(self.id.finish()),
            Arc::new(self.name.finish()),
            Arc::new(self.kind.finish()),
            Arc::new(self.cas.finish()),
            Arc::new(self.inchikey.finish()),
            Arc::new(self.matched_by.finish()),
            Arc::new(self.matched_text.finish()),
            Arc::new(self.ambiguous.finish()),
            Arc::new(self.also_means.finish()),
            Arc::new(self.salt.finish()),
            Arc::new(self.note.finish()),
            controls,
        ])
    }
}

fn lookup_array(engine: &Engine, queries: &[Option<&str>]) -> Result<ArrayRef> {
    let n = queries.len();
    let mut query = StringBuilder::new();
    let mut error = StringBuilder::new();
    let mut matches = ListOfStruct::new(match_fields(), MatchCols::default());
    let mut suggestions = str_list();
    let mut registry_version = StringBuilder::new();
    let mut valid = Vec::with_capacity(n);
    let registry = engine.registry();
    let mut failed: Option<DataFusionError> = None;
    for q in queries {
        valid.push(q.is_some());
        let result = q.map(|q| {
            guarded("looking up this identifier", || {
                engine.resolver().resolve(q)
            })
            .and_then(|r| r.map_err(|e| e.to_string()))
        });
        match (q, &result) {
            (Some(q), Some(Ok(r))) => {
                query.append_value(q);
                error.append_null();
                let report = pw_resolve::LookupReport::new(registry, q, r, None, &[]);
                for m in &report.matches {
                    matches.push(|x| {
                        x.id.append_value(&m.substance.id);
                        x.name.append_value(&m.substance.name);
                        x.kind.append_value(enum_name(&m.substance.kind));
                        for c in &m.substance.cas {
                            x.cas.values().append_value(c);
                        }
                        x.cas.append(true);
                        x.inchikey.append_option(m.substance.inchikey.as_deref());
                        x.matched_by.append_value(enum_name(&m.matched_by));
                        x.matched_text.append_value(&m.matched_text);
                        x.ambiguous.append_value(m.ambiguous);
                        for a in &m.also_means {
                            x.also_means.values().append_value(a);
                        }
                        x.also_means.append(true);
                        x.salt.append_option(m.salt.as_deref());
                        x.note.append_option(m.note.as_deref());
                        for c in &m.controls {
                            x.controls.push(|y| {
                                y.jurisdiction.append_value(&c.jurisdiction);
                                y.list.append_value(&c.list);
                                y.list_name.append_value(&c.list_name);
                                y.effective.append_option(c.effective.map(date32));
                                y.citation.append_value(&c.citation);
                                y.source.append_value(&c.source);
                            });
                        }
                        if let Err(e) = x.controls.end_row() {
                            failed = Some(e);
                        }
                    });
                }
                for s in &report.suggestions {
                    suggestions.values().append_value(s);
                }
            }
            (Some(q), Some(Err(e))) => {
                query.append_value(q);
                error.append_value(e);
            }
            _ => {
                query.append_null();
                error.append_null();
            }
        }
        if let Some(e) = failed.take() {
            return Err(e);
        }
        matches.end_row()?;
        suggestions.append(true);
        registry_version.append_value(registry.version());
    }
    outer(
        lookup_fields(),
        vec![
            Arc::new(query.finish()),
            Arc::new(error.finish()),
            matches.finish()?,
            Arc::new(suggestions.finish()),
            Arc::new(registry_version.finish()),
        ],
        valid,
    )
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{AsArray, RecordBatch};
    use datafusion::prelude::SessionContext;

    use super::*;

    fn engine() -> Arc<Engine> {
        Engine::embedded().expect("engine over the embedded registry")
    }

    async fn query(ctx: &SessionContext, sql: &str) -> Vec<RecordBatch> {
        ctx.sql(sql)
            .await
            .expect("plan")
            .collect()
            .await
            .expect("run")
    }

    fn one_string(batches: &[RecordBatch]) -> Option<String> {
        let b = &batches[0];
        let c = b.column(0);
        let c = datafusion::arrow::compute::cast(c, &DataType::Utf8).expect("cast");
        let s = c.as_string::<i32>();
        (!s.is_null(0)).then(|| s.value(0).to_string())
    }

    #[tokio::test]
    async fn screen_matches_the_library_and_null_gives_null() {
        let e = engine();
        let ctx = crate::cluster::local_context(&e, Some(1));
        let text =
            "We supply NPP (CAS 40064-34-4) 99% purity, stealth shipping to USA, pay in BTC.";
        let expected = e.screener().screen(text.as_bytes());
        let b = query(
            &ctx,
            &format!(
                "SELECT s['label'], s['score'], s['substances'][1]['id'], s['red_flags'], s['error'], \
                 s['registry_version'] FROM (SELECT pw_screen(column1) AS s FROM (VALUES ('{text}'), (NULL)))"
            ),
        )
        .await;
        let b = &b[0];
        assert_eq!(b.num_rows(), 2);
        let label = b.column(0).as_string::<i32>();
        assert_eq!(label.value(0), expected.label.as_str());
        assert_eq!(expected.label.as_str(), "offer");
        let score = b
            .column(1)
            .as_primitive::<datafusion::arrow::datatypes::Float64Type>();
        assert_eq!(score.value(0), expected.score);
        let first = b.column(2).as_string::<i32>();
        assert_eq!(first.value(0), expected.substances[0].id);
        let flags = b.column(3).as_list::<i32>();
        assert_eq!(flags.value_length(0) as usize, expected.red_flags.len());
        assert!(b.column(4).is_null(0), "no error on a good record");
        assert_eq!(
            b.column(5).as_string::<i32>().value(0),
            e.registry_version()
        );
        // A null text is a null screening, not an error and not a benign label.
        assert!(label.is_null(1));
        assert!(b.column(4).is_null(1));
    }

    #[tokio::test]
    async fn screen_json_is_the_pwatch_screen_object() {
        let e = engine();
        let ctx = crate::cluster::local_context(&e, Some(1));
        let text = "acetone 99.5% in 200 L drums";
        let b = query(&ctx, &format!("SELECT pw_screen_json('{text}')")).await;
        let got = one_string(&b).expect("a value");
        let mut expected = vec![b'{'];
        e.screener()
            .screen_json(text.as_bytes(), &mut Scratch::default(), &mut expected);
        assert_eq!(got.as_bytes(), expected.as_slice());
        let v: serde_json::Value = serde_json::from_str(&got).expect("valid JSON");
        assert_eq!(v["registry_version"], e.registry_version());
    }

    #[tokio::test]
    async fn classify_garbage_smiles_is_an_error_field_not_a_panic() {
        let e = engine();
        let ctx = crate::cluster::local_context(&e, Some(1));
        let b = query(
            &ctx,
            "SELECT c['error'], c['listed'], c['inchikey'], c['input'], c['registry_version'] FROM \
             (SELECT pw_classify(column1) AS c FROM (VALUES ('C1CC(((('), ('O=C1CCN(CCc2ccccc2)CC1'), (NULL), ('')))",
        )
        .await;
        let b = &b[0];
        let error = b.column(0).as_string::<i32>();
        let listed = b.column(1).as_list::<i32>();
        let inchikey = b.column(2).as_string::<i32>();
        // Garbage: an error that says where, nothing else.
        assert!(!error.is_null(0));
        assert!(!error.value(0).is_empty());
        assert!(inchikey.is_null(0));
        assert_eq!(b.column(3).as_string::<i32>().value(0), "C1CC((((");
        // NPP: listed, with the library's answer.
        let expected = e
            .classifier()
            .classify("O=C1CCN(CCc2ccccc2)CC1", e.as_of())
            .expect("NPP classifies");
        assert!(error.is_null(1), "{}", error.value(1));
        assert_eq!(inchikey.value(1), expected.inchikey);
        let l = listed.value(1);
        let l = l.as_string::<i32>();
        let got: Vec<&str> = (0..l.len()).map(|i| l.value(i)).collect();
        assert_eq!(got, expected.listed);
        assert!(got.contains(&"npp"), "{got:?}");
        // Null in, null out.
        assert!(b.column(3).is_null(2) && error.is_null(2));
        // Empty SMILES: the library's verdict, as an error or an answer, never a panic.
        let lib = e.classifier().classify("", e.as_of());
        assert_eq!(lib.is_err(), !error.is_null(3));
        assert_eq!(
            b.column(4).as_string::<i32>().value(1),
            e.registry_version()
        );
    }

    #[tokio::test]
    async fn lookup_answers_and_reports_bad_cas() {
        let e = engine();
        let ctx = crate::cluster::local_context(&e, Some(1));
        let b = query(
            &ctx,
            "SELECT l['matches'][1]['id'], l['error'], l['suggestions'], l['matches'][1]['controls'] FROM \
             (SELECT pw_lookup(column1) AS l FROM (VALUES ('39742-60-4'), ('39742-60-5'), ('N-phenethyl-4-piperidone'), (NULL)))",
        )
        .await;
        let b = &b[0];
        let id = b.column(0).as_string::<i32>();
        let error = b.column(1).as_string::<i32>();
        assert_eq!(id.value(0), "npp");
        assert!(error.is_null(0));
        // A wrong check digit is bad input, reported in the row.
        assert!(id.is_null(1));
        assert!(error.value(1).contains("check digit"), "{}", error.value(1));
        assert_eq!(id.value(2), "npp");
        let controls = b.column(3).as_list::<i32>();
        assert!(controls.value_length(0) > 0, "NPP is controlled somewhere");
        assert!(id.is_null(3) && error.is_null(3));
    }

    #[tokio::test]
    async fn a_session_for_another_registry_is_refused() {
        let e = engine();
        let ctx = crate::cluster::local_context(&e, Some(1));
        ctx.sql("SET pwatch.registry_version = 'sha256:other'")
            .await
            .expect("set")
            .collect()
            .await
            .expect("set");
        let err = ctx
            .sql("SELECT pw_screen('NPP for sale')")
            .await
            .expect("plan")
            .collect()
            .await
            .expect_err("must refuse");
        assert!(
            err.to_string().contains("registry version mismatch"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn registry_version_function() {
        let e = engine();
        let ctx = crate::cluster::local_context(&e, Some(1));
        let b = query(&ctx, "SELECT pw_registry_version()").await;
        assert_eq!(one_string(&b).as_deref(), Some(e.registry_version()));
    }

    #[test]
    fn a_panic_becomes_an_error_message() {
        let r: std::result::Result<(), String> =
            guarded("testing", || std::panic::panic_any("boom".to_string()));
        assert_eq!(r, Err("internal error testing: boom".to_string()));
    }
}
