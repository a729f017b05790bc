//! The trade check: may this shipment go from A to B, and what does it need?
//!
//! Given a substance, an exporting and an importing country, an optional quantity and a date, [`check`]
//! walks the registry and lists every [`Obligation`] with its measure, the reason in words an official can
//! read, the legal citation, the source, and whether the fact behind it is verified:
//!
//! 1. **Exporting side**: the exporting country's own lists, and its union's (an EU member state exporting
//!    outside the EU trades under EU rules); measures whose direction is `export`.
//! 2. **Importing side**: likewise with `import`. Trade between two members of one union uses the union's
//!    `internal` measures instead (intra-EU trade is not export).
//! 3. **Events** that are not itemised per substance (China's 10 Nov 2025 licence requirement for 13
//!    chemicals to the US, Mexico and Canada): an explicit "verify with the exporting authority" obligation
//!    for every substance that may be in scope, never silence.
//! 4. **The 1988 Convention**: a pre-export notification when the importing country invoked art. 12(10)(a)
//!    for the substance's table, and a plain statement of why not otherwise.
//!
//! Thresholds gate the measures that say so; a quantity in litres is never compared with a threshold in
//! kilograms (the obligation stays, with the reason). Anything that creates no obligation but matters to the
//! decision (below a threshold, no data for a country, PEN not requested) goes into [`TradeReport::notes`].
//!
//! The decision is `prohibited` when any obligation is `prohibited`, `conditional` when there is any other
//! obligation, and `allowed` otherwise.

#![forbid(unsafe_code)]

use chrono::NaiveDate;
use pw_registry::{Direction, JurisdictionKind, Measure, PenScope, Quantity, Registry, Substance};
use serde::Serialize;

/// A shipment to check.
#[derive(Debug, Clone)]
pub struct Shipment<'a> {
    /// The substance (already resolved).
    pub substance: &'a Substance,
    /// Exporting country (ISO 3166-1 alpha-2, upper case).
    pub from: String,
    /// Importing country.
    pub to: String,
    /// Amount, if known.
    pub quantity: Option<Quantity>,
    /// Date of the shipment.
    pub date: NaiveDate,
}

/// Bad shipment input; the field names which part of the request is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InputError {
    /// `from`, `to`, `quantity`, `date` or `substance`.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Allowed, conditional or prohibited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// No obligation found in the registry.
    Allowed,
    /// Allowed once the obligations are met.
    Conditional,
    /// No commercial trade.
    Prohibited,
}

/// Whether an obligation is established or must be confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The registry establishes it.
    Required,
    /// It may apply; the registry cannot tell (unitemised act, unverifiable condition): check with the
    /// authority named in the reason.
    Verify,
}

/// One thing the shipment needs.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Obligation {
    /// Who imposes it (`CN`, `EU`, `UN` …).
    pub jurisdiction: String,
    /// What must be done.
    pub measure: Measure,
    /// Why, in words an official can read.
    pub reason: String,
    /// Legal basis of the measure.
    pub citation: String,
    /// Where it is written.
    pub source: String,
    /// `required` or `verify`.
    pub status: Status,
    /// Both the measure and the listing behind it are marked verified in the registry.
    pub verified: bool,
    /// Which side must act: `export`, `import` or `internal`.
    pub side: Direction,
    /// The list that triggers it (when one does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// The listing of the substance on that list (citation of the control).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listing: Option<String>,
    /// Days ahead of the shipment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_time_days: Option<u32>,
    /// When it must be done by, from the date and the lead time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_by: Option<NaiveDate>,
}

/// The answer (`pwatch check --json`, `POST /api/v1/check`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TradeReport {
    /// Substance id.
    pub substance: String,
    /// Its preferred name.
    pub substance_name: String,
    /// Exporting country.
    pub from: String,
    /// Importing country.
    pub to: String,
    /// Quantity as understood (`25 kg`), or null.
    pub quantity: Option<String>,
    /// Date checked.
    pub date: NaiveDate,
    /// Allowed, conditional or prohibited.
    pub decision: Decision,
    /// Everything the shipment needs.
    pub obligations: Vec<Obligation>,
    /// What was considered and created no obligation, and what the registry does not cover.
    pub notes: Vec<String>,
    /// Registry version.
    pub registry_version: String,
}

/// Parse and check a country code against the registry's ISO list.
pub fn country(reg: &Registry, field: &'static str, code: &str) -> Result<String, InputError> {
    let up = code.trim().to_ascii_uppercase();
    if reg.is_country(&up) {
        return Ok(up);
    }
    let hint = match up.as_str() {
        "UK" => " (the ISO code of the United Kingdom is GB)",
        "EU" => " (give the member state, e.g. DE; EU rules follow from membership)",
        _ => "",
    };
    Err(InputError {
        field,
        message: format!(
            "unknown country code {code:?}: give an ISO 3166-1 alpha-2 code such as US, MX, CN{hint}"
        ),
    })
}

/// Parse an optional quantity.
pub fn quantity(text: Option<&str>) -> Result<Option<Quantity>, InputError> {
    text.map(|t| {
        Quantity::parse(t).map_err(|e| InputError {
            field: "quantity",
            message: e.to_string(),
        })
    })
    .transpose()
}

/// Parse a date `YYYY-MM-DD`.
pub fn date(text: &str) -> Result<NaiveDate, InputError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| InputError {
        field: "date",
        message: format!("{text:?} is not a date: write YYYY-MM-DD"),
    })
}

struct Ctx<'a> {
    reg: &'a Registry,
    s: &'a Shipment<'a>,
    obligations: Vec<Obligation>,
    notes: Vec<String>,
}

/// Check a shipment.
pub fn check(reg: &Registry, s: &Shipment<'_>) -> Result<TradeReport, InputError> {
    if s.from == s.to {
        return Err(InputError {
            field: "to",
            message: format!(
                "exporting and importing country are both {}; the trade check is for cross-border shipments",
                s.from
            ),
        });
    }
    let mut cx = Ctx {
        reg,
        s,
        obligations: Vec::new(),
        notes: Vec::new(),
    };
    let from_union = reg.union_of(&s.from, s.date);
    let to_union = reg.union_of(&s.to, s.date);
    let intra = matches!((from_union, to_union), (Some(a), Some(b)) if a.code == b.code);

    // Exporting side.
    if reg.jurisdiction(&s.from).is_some() {
        cx.side(&s.from, &[Direction::Export]);
    } else {
        cx.notes.push(format!(
            "{} has no national control data in this registry: its own export rules are not covered here{}.",
            s.from,
            from_union.map(|u| format!(" (the rules of {} apply and are covered)", u.code)).unwrap_or_default()
        ));
    }
    if let Some(u) = from_union {
        if intra {
            cx.notes.push(format!("{} and {} are both members of {} on {}: this is internal trade, not export and import; {}'s internal measures apply.", s.from, s.to, u.code, s.date, u.code));
            cx.side(&u.code, &[Direction::Internal]);
        } else {
            cx.side(&u.code, &[Direction::Export]);
        }
    }
    // Importing side.
    if reg.jurisdiction(&s.to).is_some() {
        cx.side(&s.to, &[Direction::Import]);
    } else {
        cx.notes.push(format!(
            "{} has no national control data in this registry: its own import rules are not covered here{}.",
            s.to,
            to_union.filter(|_| !intra).map(|u| format!(" (the rules of {} apply and are covered)", u.code)).unwrap_or_default()
        ));
    }
    if let Some(u) = to_union
        && !intra
    {
        cx.side(&u.code, &[Direction::Import]);
    }
    // International lists (the Convention's Tables, INCB's voluntary lists) bind or guide both sides.
    let international: Vec<String> = reg
        .jurisdictions()
        .values()
        .filter(|j| j.kind == JurisdictionKind::International)
        .map(|j| j.code.clone())
        .collect();
    for code in &international {
        cx.side(code, &[Direction::Export, Direction::Import]);
    }
    cx.events();
    if intra {
        cx.notes.push(
            "Pre-export notifications under art. 12(10)(a) are for export to another country; trade inside a union's internal market \
             is not notified between its members."
                .to_string(),
        );
    } else {
        cx.convention();
    }

    let decision = if cx
        .obligations
        .iter()
        .any(|o| o.measure == Measure::Prohibited && o.status == Status::Required)
    {
        Decision::Prohibited
    } else if cx.obligations.is_empty() {
        Decision::Allowed
    } else {
        Decision::Conditional
    };
    if cx.obligations.is_empty() {
        cx.notes.push(format!(
            "No obligation found in registry {} for this shipment on {}.",
            reg.version(),
            s.date
        ));
    }
    Ok(TradeReport {
        substance: s.substance.id.clone(),
        substance_name: s.substance.name.clone(),
        from: s.from.clone(),
        to: s.to.clone(),
        quantity: s.quantity.map(|q| q.to_string()),
        date: s.date,
        decision,
        obligations: cx.obligations,
        notes: cx.notes,
        registry_version: reg.version().to_string(),
    })
}

fn dir_word(d: Direction) -> &'static str {
    match d {
        Direction::Export => "export",
        Direction::Import => "import",
        Direction::Internal => "internal trade",
    }
}

impl Ctx<'_> {
    /// Obligations that jurisdiction `code` imposes on this shipment, seen as the first of `dirs` that a
    /// measure names (a measure appears once even when it names several).
    fn side(&mut self, code: &str, dirs: &[Direction]) {
        let (reg, s) = (self.reg, self.s);
        let Some(jur) = reg.jurisdiction(code) else {
            return;
        };
        let dir = dirs[0];
        let sub = s.substance;
        let mut listed_before = Vec::new();
        for c in sub.controls.iter().filter(|c| c.jurisdiction == code) {
            if !c.in_force(s.date) {
                listed_before.push(match c.effective {
                    Some(e) if s.date < e => format!("{} {} from {e}", code, c.list),
                    _ => format!(
                        "{} {} until {}",
                        code,
                        c.list,
                        c.end.map(|d| d.to_string()).unwrap_or_default()
                    ),
                });
                continue;
            }
            let Some(list) = reg.list(code, &c.list) else {
                continue;
            };
            if dir == Direction::Export
                && let Some(dest) = &c.conditions.destinations
                && !dest.contains(&s.to)
            {
                self.notes.push(format!(
                    "{} listing of {} on {} applies only to exports to {}; not to {}.",
                    code,
                    sub.id,
                    list.name,
                    dest.join(", "),
                    s.to
                ));
                continue;
            }
            let mut context = Vec::new();
            if let Some(v) = &c.via {
                let fam = reg.substance(v).map_or(v.as_str(), |f| f.name.as_str());
                context.push(format!("covered as a member of the family of {fam} ({v})"));
            }
            if c.effective.is_none() {
                context.push(
                    "the listing's start date is not recorded; treated as in force".to_string(),
                );
            }
            for m in &list.measures {
                let Some(dir) = dirs.iter().copied().find(|d| m.direction.contains(d)) else {
                    continue;
                };
                if dir == Direction::Export
                    && let Some(dest) = &m.destinations
                    && !dest.contains(&s.to)
                {
                    continue;
                }
                let mut why = context.clone();
                if m.threshold_applies {
                    match reg.threshold(code, &c.list, &sub.id, dir) {
                        Some((t, rec)) => {
                            if t.is_zero() {
                                why.push(format!("every quantity counts: no threshold ({})", rec.citation));
                            } else {
                                match s.quantity.map(|q| q.meets(&t)) {
                                    Some(Some(false)) => {
                                        self.notes.push(format!(
                                            "{code} {}: {} is below the {} threshold of {t} ({}).",
                                            m.measure.as_str(),
                                            s.quantity.map(|q| q.to_string()).unwrap_or_default(),
                                            list.name,
                                            rec.citation
                                        ));
                                        continue;
                                    }
                                    Some(Some(true)) => why.push(format!("quantity at or above the threshold of {t} ({})", rec.citation)),
                                    Some(None) => why.push(format!(
                                        "threshold {t} ({}) is in other units than the quantity given; compare by weight or volume with the authority",
                                        rec.citation
                                    )),
                                    None => why.push(format!("applies at or above {t} ({}); no quantity given", rec.citation)),
                                }
                            }
                        }
                        _ => why.push("no threshold recorded for this substance: treated as applying to every quantity".to_string()),
                    }
                }
                let mut reason = if jur.binding {
                    m.reason.clone()
                } else {
                    format!(
                        "Recommended by {} (not binding law): {}",
                        jur.name, m.reason
                    )
                };
                if !why.is_empty() {
                    reason.push_str(&format!(" [{}]", why.join("; ")));
                }
                let due_by = m
                    .lead_time_days
                    .and_then(|d| s.date.checked_sub_days(chrono::Days::new(u64::from(d))));
                self.obligations.push(Obligation {
                    jurisdiction: code.to_string(),
                    measure: m.measure,
                    reason,
                    citation: m.citation.clone(),
                    source: m.source.clone(),
                    status: if jur.binding {
                        Status::Required
                    } else {
                        Status::Verify
                    },
                    verified: m.verified && c.verified,
                    side: dir,
                    list: Some(c.list.clone()),
                    listing: Some(c.citation.clone()),
                    lead_time_days: m.lead_time_days,
                    due_by,
                });
            }
        }
        if !listed_before.is_empty()
            && !sub
                .controls
                .iter()
                .any(|c| c.jurisdiction == code && c.in_force(s.date))
        {
            self.notes.push(format!(
                "{} is not controlled in {code} on {} ({}): no {code} obligation for {}.",
                sub.id,
                s.date,
                listed_before.join("; "),
                dir_word(dir)
            ));
        }
    }

    /// Acts not itemised per substance, on the exporting side.
    fn events(&mut self) {
        let (reg, s) = (self.reg, self.s);
        let mut sides = vec![s.from.clone()];
        if let Some(u) = reg.union_of(&s.from, s.date) {
            sides.push(u.code.clone());
        }
        for code in sides {
            let Some(j) = reg.jurisdiction(&code) else {
                continue;
            };
            for e in &j.events {
                if e.effective.is_some_and(|d| s.date < d) || !e.destinations.contains(&s.to) {
                    continue;
                }
                let on_lists: Vec<&str> = s
                    .substance
                    .controls
                    .iter()
                    .filter(|c| {
                        c.jurisdiction == code && c.in_force(s.date) && e.lists.contains(&c.list)
                    })
                    .map(|c| c.list.as_str())
                    .collect();
                let itemised_in = e.itemised && e.substances.contains(&s.substance.id);
                if !itemised_in && (e.itemised || on_lists.is_empty()) {
                    continue;
                }
                let (status, reason) = if itemised_in {
                    (
                        Status::Required,
                        format!("{} ({}): {} is in scope.", e.title, e.id, s.substance.name),
                    )
                } else {
                    (
                        Status::Verify,
                        format!(
                            "{} ({}). The substances in scope are not itemised in this registry; {} is on {} {} and may be one of them: verify with the exporting authority of {} before export.",
                            e.title,
                            e.id,
                            s.substance.name,
                            code,
                            on_lists.join(", "),
                            s.from
                        ),
                    )
                };
                self.obligations.push(Obligation {
                    jurisdiction: code.clone(),
                    measure: e.measure,
                    reason,
                    citation: e.citation.clone(),
                    source: e.source.clone(),
                    status,
                    verified: e.verified,
                    side: Direction::Export,
                    list: None,
                    listing: None,
                    lead_time_days: None,
                    due_by: None,
                });
            }
        }
    }

    /// Art. 12(10)(a) of the 1988 Convention.
    fn convention(&mut self) {
        let (reg, s) = (self.reg, self.s);
        let tables: Vec<&pw_registry::Control> = s
            .substance
            .controls
            .iter()
            .filter(|c| c.jurisdiction == "UN" && c.in_force(s.date))
            .collect();
        if tables.is_empty() {
            self.notes.push(format!("{} is not in Table I or II of the 1988 Convention on {}: no pre-export notification is owed under art. 12(10)(a).", s.substance.id, s.date));
            return;
        }
        let Some(regime) = reg.pen_regime() else {
            self.notes.push("The registry has no data on art. 12(10)(a) invocations: whether a pre-export notification is owed is not known.".to_string());
            return;
        };
        let as_of = regime
            .as_of
            .map(|d| format!(" (list as of {d})"))
            .unwrap_or_default();
        let Some(entry) = regime.countries.iter().find(|c| c.code == s.to) else {
            self.notes.push(format!(
                "{} is not recorded as having invoked art. 12(10)(a){as_of}: no pre-export notification is owed under the Convention (the exporting side's own law may still require one).",
                s.to
            ));
            return;
        };
        if entry.since.is_some_and(|d| s.date < d) {
            self.notes.push(format!(
                "{} invoked art. 12(10)(a) only from {}.",
                s.to,
                entry.since.map(|d| d.to_string()).unwrap_or_default()
            ));
            return;
        }
        for c in tables {
            let covered = match entry.scope {
                PenScope::TableIAndIi => true,
                PenScope::TableI => c.list == "table-i",
                PenScope::Specified => entry.substances.contains(&s.substance.id),
            };
            let table = reg
                .list("UN", &c.list)
                .map_or(c.list.as_str(), |l| l.name.as_str());
            if !covered {
                self.notes.push(format!("{} invoked art. 12(10)(a) for other substances than {} ({table}): no pre-export notification owed under the Convention.", s.to, s.substance.id));
                continue;
            }
            let deadline = entry
                .response_days
                .map(|d| format!(" {} asks for replies within {d} days.", s.to))
                .unwrap_or_default();
            let unverified = if entry.verified {
                String::new()
            } else {
                format!(
                    " (unverified in this registry{})",
                    entry
                        .notes
                        .as_deref()
                        .map(|n| format!(": {n}"))
                        .unwrap_or_default()
                )
            };
            self.obligations.push(Obligation {
                jurisdiction: "UN".to_string(),
                measure: Measure::PreExportNotification,
                reason: format!(
                    "{} ({table}) is going to {}, which invoked art. 12(10)(a) of the 1988 Convention{as_of}{unverified}: the competent authority of {} must notify {}'s authority before export.{deadline}",
                    s.substance.name, s.to, s.from, s.to
                ),
                citation: regime.citation.clone(),
                source: entry.source.clone().unwrap_or_else(|| regime.source.clone()),
                status: if entry.verified { Status::Required } else { Status::Verify },
                verified: entry.verified && c.verified,
                side: Direction::Export,
                list: Some(c.list.clone()),
                listing: Some(c.citation.clone()),
                lead_time_days: None,
                due_by: None,
            });
        }
    }
}

/// Why a check by identifier could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// A bad field.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The substance identifier matches nothing.
    #[error("substance {query:?} not found in the registry{}", if suggestions.is_empty() { String::new() } else { format!("; did you mean: {}?", suggestions.join(", ")) })]
    NotFound {
        /// The identifier.
        query: String,
        /// Did-you-mean names.
        suggestions: Vec<String>,
    },
    /// The identifier names several registry substances.
    #[error("substance {query:?} is ambiguous: it names {}; give a CAS RN or a full name", candidates.join(", "))]
    Ambiguous {
        /// The identifier.
        query: String,
        /// `id (name)` of each candidate.
        candidates: Vec<String>,
    },
}

/// A check request as users write it: every field text, as from the CLI, a form or a JSON body.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// Any identifier: name, abbreviation, CAS RN, InChIKey.
    pub substance: String,
    /// Exporting country, ISO 3166-1 alpha-2.
    pub from: String,
    /// Importing country, ISO 3166-1 alpha-2.
    pub to: String,
    /// Quantity with unit: `25kg`, `0.5 t`, `200 L`.
    #[serde(default)]
    pub quantity: Option<String>,
    /// Shipment date `YYYY-MM-DD` (default: today, UTC).
    #[serde(default)]
    pub date: Option<String>,
}

/// Resolve the identifier and check the shipment.
pub fn check_request(
    resolver: &pw_resolve::Resolver,
    req: &CheckRequest,
    today: NaiveDate,
) -> Result<TradeReport, CheckError> {
    let reg = resolver.registry();
    let from = country(reg, "from", &req.from)?;
    let to = country(reg, "to", &req.to)?;
    let quantity = quantity(req.quantity.as_deref().filter(|q| !q.trim().is_empty()))?;
    let date = match req.date.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(d) => date(d)?,
        None => today,
    };
    let res = resolver.resolve(&req.substance).map_err(|e| InputError {
        field: "substance",
        message: e.to_string(),
    })?;
    let mut ids: Vec<usize> = res.matches.iter().map(|m| m.substance).collect();
    ids.dedup();
    let substance = match ids.as_slice() {
        [] => {
            return Err(CheckError::NotFound {
                query: req.substance.clone(),
                suggestions: res.suggestions,
            });
        }
        [one] => &reg.substances()[*one],
        many => {
            return Err(CheckError::Ambiguous {
                query: req.substance.clone(),
                candidates: many
                    .iter()
                    .map(|&i| format!("{} ({})", reg.substances()[i].id, reg.substances()[i].name))
                    .collect(),
            });
        }
    };
    let mut report = check(
        reg,
        &Shipment {
            substance,
            from,
            to,
            quantity,
            date,
        },
    )?;
    if let Some(m) = res.matches.first() {
        if m.ambiguous && !m.also_means.is_empty() {
            report.notes.insert(
                0,
                format!(
                    "{:?} also means: {}. Checked as {}.",
                    req.substance,
                    m.also_means.join("; "),
                    substance.name
                ),
            );
        }
        if let Some(salt) = &m.salt {
            report.notes.insert(0, format!("Checked as the parent substance {}; the form {salt} is covered by listings of the substance and its salts where the list says so.", substance.name));
        }
    }
    Ok(report)
}
