//! Who is looking, and what they may do: the one place tenant rules are written down.
//!
//! Every read and write of tenant data takes a [`Viewer`]. Reads filter in SQL on the viewer's organisation
//! (so a record another tenant owns is indistinguishable from one that does not exist: both are "not
//! found"), and writes check [`Viewer::may_write`] and the organisation's kind and competences before
//! touching anything. The rules, in one list:
//!
//! - a licence application is seen by the company that applied and the authority that decides it;
//! - a pre-export notification is seen by the exporting and the importing authority, and its state and
//!   reply appear on the licence application it came from (so the exporter sees an objection);
//! - an incident is seen by the organisation that reported it, the organisations it was shared with, and —
//!   when shared with all — every national authority and observer;
//! - an entity and a watch-list entry are seen by the organisation that recorded them; an entity linked to
//!   an incident is also seen (name and identifiers) by everyone who sees the incident;
//! - any organisation may report an incident; only the reporter shares it further (sharing only widens)
//!   and links entities to it; only national authorities keep a watch list, of entities they see;
//! - an organisation's users are seen by its members; only its admins invite (invitations are seen by
//!   its admins), disable and enable them; a user sees and creates only their own API tokens, with no
//!   scope beyond their role's (`role_scopes`) and the calling credential's, and an admin may also list
//!   and revoke every token of the organisation;
//! - read-only users and reviewers read; officers and admins act for their organisation (reviewers may
//!   also comment on incidents).

use serde::Serialize;

use crate::{Actor, Competence, OrgKind, Organisation, Role, StoreError, User};

/// The signed-in user with their organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Viewer {
    /// The user id.
    pub user_id: String,
    /// Their role.
    pub role: Role,
    /// Their organisation.
    pub org_id: String,
    /// Its kind.
    pub kind: OrgKind,
    /// Its country (authorities always have one).
    pub country: Option<String>,
    /// Its competences (authorities).
    pub competences: Vec<Competence>,
}

impl Viewer {
    /// The viewer of a user in their organisation.
    pub fn new(user: &User, org: &Organisation) -> Viewer {
        Viewer {
            user_id: user.id.clone(),
            role: user.role,
            org_id: org.id.clone(),
            kind: org.kind,
            country: org.country.clone(),
            competences: org.competences.clone(),
        }
    }

    /// The actor for the audit log.
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.user_id.clone(),
            org_id: Some(self.org_id.clone()),
        }
    }

    /// May this user change records on their organisation's behalf (officers and admins)?
    pub fn may_write(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Officer)
    }

    /// A national authority with this competence?
    pub fn is_authority_for(&self, c: Competence) -> bool {
        self.kind == OrgKind::Authority && self.competences.contains(&c)
    }

    /// 403-style refusal unless the user may write.
    pub fn require_write(&self) -> Result<(), StoreError> {
        if self.may_write() {
            Ok(())
        } else {
            Err(StoreError::Forbidden(format!(
                "the {} role reads only; an officer or admin of the organisation must do this",
                self.role
            )))
        }
    }

    /// Refusal unless the organisation is of this kind (and, for authorities, has the competence).
    pub fn require_kind(
        &self,
        kind: OrgKind,
        competence: Option<Competence>,
    ) -> Result<(), StoreError> {
        let ok = self.kind == kind && competence.is_none_or(|c| self.competences.contains(&c));
        if ok {
            Ok(())
        } else {
            Err(StoreError::Forbidden(match competence {
                Some(c) => format!("only a national authority competent for {c} may do this"),
                None => format!("only a {kind} organisation may do this"),
            }))
        }
    }
}

/// Which slice of a list to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// At most this many (1–200).
    pub limit: i64,
    /// After skipping this many.
    pub offset: i64,
}

impl Default for Page {
    fn default() -> Page {
        Page {
            limit: 50,
            offset: 0,
        }
    }
}

impl Page {
    /// A page, checked: `limit` 1–200 (default 50), `offset` ≥ 0.
    pub fn new(limit: Option<i64>, offset: Option<i64>) -> Result<Page, StoreError> {
        let limit = limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(crate::platform::invalid(
                "limit",
                format!("{limit} is not between 1 and 200"),
            ));
        }
        let offset = offset.unwrap_or(0);
        if offset < 0 {
            return Err(crate::platform::invalid("offset", "must not be negative"));
        }
        Ok(Page { limit, offset })
    }
}

/// One page of a list, with the total the filters select.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listing<T> {
    /// The records on this page.
    pub items: Vec<T>,
    /// How many records the filters select in all.
    pub total: i64,
    /// The page size asked for.
    pub limit: i64,
    /// The offset asked for.
    pub offset: i64,
}

/// One state change: who moved a record from which state to which, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StateChange {
    /// The state before (none when created).
    pub from: Option<String>,
    /// The state after.
    pub to: String,
    /// The user.
    pub actor: String,
    /// Their organisation.
    pub org_id: String,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Why (a refusal reason, an objection, a question, an answer).
    pub reason: Option<String>,
}

/// Free text from a user: trimmed, non-empty when required, at most `max` characters.
pub(crate) fn text(field: &str, value: &str, max: usize) -> Result<String, StoreError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(crate::platform::invalid(field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(crate::platform::invalid(
            field,
            format!("longer than {max} characters"),
        ));
    }
    Ok(v.to_string())
}

/// An ISO 3166-1 alpha-2 code, upper-cased.
pub(crate) fn country(field: &str, value: &str) -> Result<String, StoreError> {
    let v = value.trim().to_ascii_uppercase();
    if v.len() != 2 || !v.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(crate::platform::invalid(
            field,
            format!("{value:?} is not an ISO 3166-1 alpha-2 code"),
        ));
    }
    Ok(v)
}

/// A value bound to a dynamic query.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    /// Text.
    Text(String),
    /// A timestamp.
    Time(chrono::DateTime<chrono::Utc>),
}

/// A `WHERE` clause built from only the filters that are set, so that each list query is one the
/// database can answer from an index (a fixed clause with `($2 = '' OR col = $2)` arms cannot be).
#[derive(Debug, Default)]
pub(crate) struct Where {
    parts: Vec<String>,
    pub(crate) args: Vec<Arg>,
}

impl Where {
    /// Add a condition; `cond` receives the placeholder (`$n`) of `arg`.
    pub(crate) fn and(&mut self, cond: impl FnOnce(&str) -> String, arg: Arg) -> &mut Self {
        self.args.push(arg);
        let placeholder = format!("${}", self.args.len());
        self.parts.push(cond(&placeholder));
        self
    }

    /// `column = value`, when the value is set and not empty.
    pub(crate) fn eq(&mut self, column: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            self.and(|p| format!("{column} = {p}"), Arg::Text(v.to_string()));
        }
        self
    }

    /// `column IN (values…)`; nothing is added for an empty list (callers skip the query then).
    pub(crate) fn any_of(&mut self, column: &str, values: &[String]) -> &mut Self {
        if values.is_empty() {
            return self;
        }
        let first = self.args.len() + 1;
        let placeholders = (0..values.len())
            .map(|i| format!("${}", first + i))
            .collect::<Vec<_>>()
            .join(", ");
        self.args.extend(values.iter().cloned().map(Arg::Text));
        self.parts.push(format!("{column} IN ({placeholders})"));
        self
    }

    /// The clause (without `WHERE`).
    pub(crate) fn sql(&self) -> String {
        if self.parts.is_empty() {
            "TRUE".into()
        } else {
            self.parts.join(" AND ")
        }
    }

    /// The next placeholder number after the arguments so far.
    pub(crate) fn next(&self) -> usize {
        self.args.len() + 1
    }
}

/// Bind every argument of a [`Where`] to a query, in order.
macro_rules! bind_where {
    ($q:expr, $w:expr) => {{
        let mut q = $q;
        for a in &$w.args {
            q = match a {
                crate::access::Arg::Text(s) => q.bind(s.clone()),
                crate::access::Arg::Time(t) => q.bind(*t),
            };
        }
        q
    }};
}
pub(crate) use bind_where;

/// Count the rows of `$table` a [`Where`] selects and fetch one [`Page`] of them, newest first (`created_at`,
/// then `id`): `(total, rows)`.
macro_rules! fetch_page {
    ($store:expr, $table:expr, $columns:expr, $w:expr, $page:expr) => {{
        let cond = $w.sql();
        let (lim, off) = ($w.next(), $w.next() + 1);
        on_db!($store, p, sql => {
            let count_sql = sql(&format!("SELECT COUNT(*) FROM {} WHERE {cond}", $table));
            let page_sql = sql(&format!(
                "SELECT {} FROM {} WHERE {cond} ORDER BY created_at DESC, id DESC LIMIT ${lim} OFFSET ${off}",
                $columns, $table
            ));
            let total: (i64,) = bind_where!(sqlx::query_as(&count_sql), $w).fetch_one(p).await?;
            let rows = bind_where!(sqlx::query_as(&page_sql), $w)
                .bind($page.limit)
                .bind($page.offset)
                .fetch_all(p)
                .await?;
            (total.0, rows)
        })
    }};
}
pub(crate) use fetch_page;

/// The refusal of a state change: what was tried, the record's current state and the actions allowed from
/// it for this viewer.
pub(crate) fn transition(message: String, current: &str, allowed: &[&'static str]) -> StoreError {
    StoreError::Transition {
        message,
        current: current.to_string(),
        allowed: allowed.iter().map(|s| s.to_string()).collect(),
    }
}
