//! Pre-export notifications (PEN): the exporting authority tells the importing authority of a shipment
//! before it leaves; the importing authority replies before a deadline; shipment and arrival close the loop.
//!
//! ```text
//!            ┌──────answer──────┐
//!            ▼                  │
//! (create) sent ──request_info──▶ info_requested
//!            │ ──object────────▶ objection
//!            │ ──no_objection──▶ no_objection ──ship──▶ shipped ──receive──▶ received
//!            └─(sent, info_requested, no_objection)──withdraw──▶ withdrawn
//! ```
//!
//! The importing authority acts on `reply` (no objection, objection, request for information) and `receive`
//! (its return declaration); the exporting authority on `answer`, `ship` and `withdraw`. The deadline is
//! the importing authority's own setting (`pen_response_days`), else the regime's, else the platform
//! default — and the notification says which (`deadline_basis`). Each change is one conditional
//! `UPDATE … WHERE state = <expected>`, so two racing replies cannot both win.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::access::{
    Arg, Listing, Page, Viewer, Where, bind_where, country, fetch_page, text, transition,
};
use crate::licences::{list_of, state_change, stored_date};
use crate::platform::{invalid, new_id, now};
use crate::{Competence, OrgKind, Store, StoreError};

/// The shipment a notification announces.
#[derive(Debug, Clone)]
pub struct NewNotification {
    /// The approved licence it comes from, if any (its fields then fill the rest).
    pub licence_id: Option<String>,
    /// Registry id of the substance.
    pub substance_id: String,
    /// Its name.
    pub substance_name: String,
    /// Quantity as written.
    pub quantity: String,
    /// In kg, when a mass.
    pub quantity_kg: Option<f64>,
    /// The exporting company.
    pub exporter_name: String,
    /// The consignee.
    pub consignee_name: String,
    /// Its address.
    pub consignee_address: String,
    /// Importing country.
    pub importing_country: String,
    /// Transit countries.
    pub transit_countries: Vec<String>,
    /// Expected shipment date.
    pub expected_date: NaiveDate,
}

/// Where the response deadline comes from when the importing authority has set none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineDefault {
    /// Days to reply.
    pub days: u32,
    /// Why that many (a regime citation, or "platform default").
    pub basis: String,
}

/// A notification as stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Notification {
    /// Identifier (`pen_…`).
    pub id: String,
    /// The licence it comes from.
    pub licence_id: Option<String>,
    /// Sender.
    pub exporting_org_id: String,
    /// Addressee.
    pub importing_org_id: String,
    /// Exporting country.
    pub exporting_country: String,
    /// Importing country.
    pub importing_country: String,
    /// Substance id.
    pub substance_id: String,
    /// Substance name.
    pub substance_name: String,
    /// Quantity as written.
    pub quantity: String,
    /// In kg.
    pub quantity_kg: Option<f64>,
    /// Exporting company.
    pub exporter_name: String,
    /// Consignee.
    pub consignee_name: String,
    /// Consignee address.
    pub consignee_address: String,
    /// Transit countries.
    pub transit_countries: Vec<String>,
    /// Expected shipment date.
    pub expected_date: NaiveDate,
    /// `sent`, `no_objection`, `objection`, `info_requested`, `withdrawn`, `shipped`, `received`.
    pub state: String,
    /// Reply due by.
    pub deadline_at: DateTime<Utc>,
    /// Where the deadline comes from.
    pub deadline_basis: String,
    /// Awaiting a reply past its deadline (computed when read).
    pub overdue: bool,
    /// The objection's reason or the question asked.
    pub reply_reason: Option<String>,
    /// When the importing authority replied.
    pub replied_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// The user who sent it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    licence_id: Option<String>,
    exporting_org_id: String,
    importing_org_id: String,
    exporting_country: String,
    importing_country: String,
    substance_id: String,
    substance_name: String,
    quantity: String,
    quantity_kg: Option<f64>,
    exporter_name: String,
    consignee_name: String,
    consignee_address: String,
    transit_countries: String,
    expected_date: String,
    state: String,
    deadline_at: DateTime<Utc>,
    deadline_basis: String,
    reply_reason: Option<String>,
    replied_at: Option<DateTime<Utc>>,
    version: i64,
    created_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, licence_id, exporting_org_id, importing_org_id, exporting_country, \
    importing_country, substance_id, substance_name, quantity, quantity_kg, exporter_name, consignee_name, \
    consignee_address, transit_countries, expected_date, state, deadline_at, deadline_basis, reply_reason, \
    replied_at, version, created_by, created_at, updated_at";

/// States that await the importing authority's reply (the deadline runs).
const AWAITING: &str = "sent";

impl TryFrom<Row> for Notification {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self, StoreError> {
        Ok(Notification {
            expected_date: stored_date("expected_date", &r.expected_date)?,
            transit_countries: list_of(&r.transit_countries),
            overdue: r.state == AWAITING && r.deadline_at < Utc::now(),
            id: r.id,
            licence_id: r.licence_id,
            exporting_org_id: r.exporting_org_id,
            importing_org_id: r.importing_org_id,
            exporting_country: r.exporting_country,
            importing_country: r.importing_country,
            substance_id: r.substance_id,
            substance_name: r.substance_name,
            quantity: r.quantity,
            quantity_kg: r.quantity_kg,
            exporter_name: r.exporter_name,
            consignee_name: r.consignee_name,
            consignee_address: r.consignee_address,
            state: r.state,
            deadline_at: r.deadline_at,
            deadline_basis: r.deadline_basis,
            reply_reason: r.reply_reason,
            replied_at: r.replied_at,
            version: r.version,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// An action on a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PenAction {
    /// Importing authority: no objection.
    NoObjection {
        /// Optional note.
        note: Option<String>,
    },
    /// Importing authority: objection, with the reason.
    Object {
        /// Why.
        reason: String,
    },
    /// Importing authority: a question; the deadline stops until the exporter answers.
    RequestInfo {
        /// What is asked.
        question: String,
    },
    /// Exporting authority: the answer to a question; the notification is awaiting a reply again.
    Answer {
        /// The answer.
        answer: String,
    },
    /// Exporting authority: the notification is withdrawn.
    Withdraw {
        /// Why.
        reason: String,
    },
    /// Exporting authority: the goods have left.
    Ship {
        /// Optional note (date, transport document).
        note: Option<String>,
    },
    /// Importing authority: the goods arrived (the return declaration).
    Receive {
        /// Optional note.
        note: Option<String>,
    },
}

impl PenAction {
    /// The action's name in the API.
    pub fn name(&self) -> &'static str {
        match self {
            PenAction::NoObjection { .. } => "no_objection",
            PenAction::Object { .. } => "object",
            PenAction::RequestInfo { .. } => "request_info",
            PenAction::Answer { .. } => "answer",
            PenAction::Withdraw { .. } => "withdraw",
            PenAction::Ship { .. } => "ship",
            PenAction::Receive { .. } => "receive",
        }
    }
    fn by_importer(&self) -> bool {
        matches!(
            self,
            PenAction::NoObjection { .. }
                | PenAction::Object { .. }
                | PenAction::RequestInfo { .. }
                | PenAction::Receive { .. }
        )
    }
    /// (states it may start from, state it leads to)
    fn edge(&self) -> (&'static [&'static str], &'static str) {
        match self {
            PenAction::NoObjection { .. } => (&["sent"], "no_objection"),
            PenAction::Object { .. } => (&["sent"], "objection"),
            PenAction::RequestInfo { .. } => (&["sent"], "info_requested"),
            PenAction::Answer { .. } => (&["info_requested"], "sent"),
            PenAction::Withdraw { .. } => {
                (&["sent", "info_requested", "no_objection"], "withdrawn")
            }
            PenAction::Ship { .. } => (&["no_objection"], "shipped"),
            PenAction::Receive { .. } => (&["shipped"], "received"),
        }
    }
    fn text(&self) -> Result<Option<String>, StoreError> {
        let opt = |field: &str, v: &Option<String>| {
            v.as_deref()
                .filter(|n| !n.trim().is_empty())
                .map(|n| text(field, n, 4000))
                .transpose()
        };
        Ok(match self {
            PenAction::NoObjection { note }
            | PenAction::Ship { note }
            | PenAction::Receive { note } => opt("note", note)?,
            PenAction::Object { reason } | PenAction::Withdraw { reason } => {
                Some(text("reason", reason, 4000)?)
            }
            PenAction::RequestInfo { question } => Some(text("question", question, 4000)?),
            PenAction::Answer { answer } => Some(text("answer", answer, 4000)?),
        })
    }
}

const ALL_ACTIONS: [&str; 7] = [
    "no_objection",
    "object",
    "request_info",
    "answer",
    "withdraw",
    "ship",
    "receive",
];

/// What a viewer may do with a notification in its current state.
pub fn notification_actions(n: &Notification, viewer: &Viewer) -> Vec<&'static str> {
    if !viewer.may_write() {
        return Vec::new();
    }
    let importer = viewer.org_id == n.importing_org_id;
    let exporter = viewer.org_id == n.exporting_org_id;
    ALL_ACTIONS
        .into_iter()
        .filter(|a| {
            let probe = probe(a);
            let (from, _) = probe.edge();
            from.contains(&n.state.as_str())
                && if probe.by_importer() {
                    importer
                } else {
                    exporter
                }
        })
        .collect()
}

fn probe(name: &str) -> PenAction {
    let s = String::new();
    match name {
        "no_objection" => PenAction::NoObjection { note: None },
        "object" => PenAction::Object { reason: s },
        "request_info" => PenAction::RequestInfo { question: s },
        "answer" => PenAction::Answer { answer: s },
        "withdraw" => PenAction::Withdraw { reason: s },
        "ship" => PenAction::Ship { note: None },
        _ => PenAction::Receive { note: None },
    }
}

/// Which notifications to list.
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    /// `inbox` (addressed to the viewer), `outbox` (sent by it), or both when `None`.
    pub mailbox: Option<String>,
    /// Only this state.
    pub state: Option<String>,
    /// Only those awaiting a reply past their deadline.
    pub overdue: bool,
    /// Only this substance.
    pub substance_id: Option<String>,
    /// Only this licence.
    pub licence_id: Option<String>,
}

impl Store {
    /// Set how many days the viewer's authority gives itself to reply to notifications (audited).
    pub async fn set_pen_response_days(
        &self,
        days: Option<u32>,
        viewer: &Viewer,
    ) -> Result<(), StoreError> {
        viewer.require_kind(OrgKind::Authority, Some(Competence::Pen))?;
        viewer.require_write()?;
        if let Some(d) = days
            && !(1..=365).contains(&d)
        {
            return Err(invalid("days", "must be between 1 and 365"));
        }
        let at = now();
        let actor = viewer.actor();
        let detail = serde_json::json!({ "after": { "pen_response_days": days } }).to_string();
        on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            sqlx::query(&sql("UPDATE organisations SET pen_response_days = $1 WHERE id = $2"))
                .bind(days.map(i64::from))
                .bind(&viewer.org_id)
                .execute(&mut *tx)
                .await?;
            audit!(tx, sql, at, actor, "update", "organisation", &viewer.org_id, &detail);
            tx.commit().await?;
        });
        Ok(())
    }

    async fn pen_response_days(&self, org_id: &str) -> Result<Option<u32>, StoreError> {
        let row: Option<(Option<i64>,)> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT pen_response_days FROM organisations WHERE id = $1"))
                .bind(org_id)
                .fetch_optional(p)
                .await?
        });
        Ok(row.and_then(|r| r.0).and_then(|d| u32::try_from(d).ok()))
    }

    /// Send a notification to the importing country's PEN authority (audited). `default` gives the
    /// deadline when that authority has set none.
    pub async fn send_notification(
        &self,
        new: &NewNotification,
        default: &DeadlineDefault,
        viewer: &Viewer,
    ) -> Result<Notification, StoreError> {
        viewer.require_kind(OrgKind::Authority, Some(Competence::Pen))?;
        viewer.require_write()?;
        let exporting_country = viewer
            .country
            .clone()
            .ok_or_else(|| StoreError::Internal("an authority without a country".into()))?;
        let mut n = new.clone();
        if let Some(lic_id) = &new.licence_id {
            let lic = self.licence_unchecked(lic_id).await?;
            let Some(lic) = lic.filter(|l| l.exporting_country == exporting_country) else {
                return Err(invalid(
                    "licence_id",
                    format!("no licence application {lic_id:?} from {exporting_country}"),
                ));
            };
            if lic.state != "approved" {
                return Err(transition(
                    format!(
                        "a notification needs an approved licence; {lic_id} is {}",
                        lic.state
                    ),
                    &lic.state,
                    &[],
                ));
            }
            n.substance_id = lic.substance_id;
            n.substance_name = lic.substance_name;
            n.quantity = lic.quantity;
            n.quantity_kg = lic.quantity_kg;
            n.consignee_name = lic.consignee_name;
            n.consignee_address = lic.consignee_address;
            n.importing_country = lic.importing_country;
            n.transit_countries = lic.transit_countries;
            n.expected_date = lic.expected_date;
            if n.exporter_name.trim().is_empty() {
                n.exporter_name = self
                    .organisation(&lic.applicant_org_id)
                    .await?
                    .map(|o| o.name)
                    .unwrap_or_default();
            }
        }
        let importing_country = country("importing_country", &n.importing_country)?;
        if importing_country == exporting_country {
            return Err(invalid(
                "importing_country",
                "a pre-export notification goes to another country",
            ));
        }
        let importing = self
            .authority_for(&importing_country, Competence::Pen)
            .await?
            .ok_or_else(|| {
                invalid(
                    "importing_country",
                    format!(
                        "no authority competent for pre-export notifications is registered for {importing_country}"
                    ),
                )
            })?;
        let (days, basis) = match self.pen_response_days(&importing).await? {
            Some(d) => (
                d,
                format!("set by the importing authority of {importing_country}"),
            ),
            None => (default.days, default.basis.clone()),
        };
        let at = now();
        let note = Notification {
            id: new_id("pen"),
            licence_id: n.licence_id.clone(),
            exporting_org_id: viewer.org_id.clone(),
            importing_org_id: importing,
            exporting_country,
            importing_country,
            substance_id: text("substance", &n.substance_id, 200)?,
            substance_name: text("substance", &n.substance_name, 500)?,
            quantity: text("quantity", &n.quantity, 100)?,
            quantity_kg: n.quantity_kg,
            exporter_name: text("exporter_name", &n.exporter_name, 300)?,
            consignee_name: text("consignee_name", &n.consignee_name, 300)?,
            consignee_address: text("consignee_address", &n.consignee_address, 1000)?,
            transit_countries: n
                .transit_countries
                .iter()
                .map(|c| country("transit_countries", c))
                .collect::<Result<_, _>>()?,
            expected_date: n.expected_date,
            state: "sent".into(),
            deadline_at: at + Duration::days(i64::from(days)),
            deadline_basis: format!("{days} days: {basis}"),
            overdue: false,
            reply_reason: None,
            replied_at: None,
            version: 1,
            created_by: viewer.user_id.clone(),
            created_at: at,
            updated_at: at,
        };
        let detail = serde_json::json!({ "after": &note }).to_string();
        let actor = viewer.actor();
        on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            sqlx::query(&sql(&format!("INSERT INTO notifications ({COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                         $19, $20, $21, $22, $23, $24)")))
                .bind(&note.id)
                .bind(&note.licence_id)
                .bind(&note.exporting_org_id)
                .bind(&note.importing_org_id)
                .bind(&note.exporting_country)
                .bind(&note.importing_country)
                .bind(&note.substance_id)
                .bind(&note.substance_name)
                .bind(&note.quantity)
                .bind(note.quantity_kg)
                .bind(&note.exporter_name)
                .bind(&note.consignee_name)
                .bind(&note.consignee_address)
                .bind(note.transit_countries.join(","))
                .bind(note.expected_date.to_string())
                .bind(&note.state)
                .bind(note.deadline_at)
                .bind(&note.deadline_basis)
                .bind(&note.reply_reason)
                .bind(note.replied_at)
                .bind(note.version)
                .bind(&note.created_by)
                .bind(note.created_at)
                .bind(note.updated_at)
                .execute(&mut *tx)
                .await?;
            state_change!(tx, sql, "notification", &note.id, None::<String>, "sent", viewer, at, None::<String>);
            audit!(tx, sql, at, actor, "create", "notification", &note.id, &detail);
            tx.commit().await?;
        });
        Ok(note)
    }

    async fn licence_unchecked(
        &self,
        id: &str,
    ) -> Result<Option<crate::LicenceApplication>, StoreError> {
        // The PEN authority of the exporting country may differ from the licensing one; it reads the
        // licence it notifies about, which the caller checks is from its own country.
        let row: Option<(String, String)> = on_db!(self, p, sql => {
            sqlx::query_as(&sql("SELECT authority_org_id, applicant_org_id FROM licence_applications WHERE id = $1"))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        let Some((authority, _)) = row else {
            return Ok(None);
        };
        let as_authority = Viewer {
            user_id: String::new(),
            role: crate::Role::ReadOnly,
            org_id: authority,
            kind: OrgKind::Authority,
            country: None,
            competences: Vec::new(),
        };
        self.licence(id, &as_authority).await.map(Some)
    }

    /// One notification, if the viewer is its sender or addressee.
    pub async fn notification(
        &self,
        id: &str,
        viewer: &Viewer,
    ) -> Result<Notification, StoreError> {
        let row: Option<Row> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!("SELECT {COLUMNS} FROM notifications
                 WHERE id = $1 AND (exporting_org_id = $2 OR importing_org_id = $2)")))
                .bind(id)
                .bind(&viewer.org_id)
                .fetch_optional(p)
                .await?
        });
        row.map(Notification::try_from)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("no notification {id:?}")))
    }

    /// Notifications about a licence application, for the application's page (the caller has checked the
    /// viewer may see the application).
    pub async fn notifications_of_licence(
        &self,
        licence_id: &str,
    ) -> Result<Vec<Notification>, StoreError> {
        let rows: Vec<Row> = on_db!(self, p, sql => {
            sqlx::query_as(&sql(&format!("SELECT {COLUMNS} FROM notifications WHERE licence_id = $1
                 ORDER BY created_at, id")))
                .bind(licence_id)
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(Notification::try_from).collect()
    }

    /// The notifications the viewer sent or received, newest first.
    pub async fn notifications(
        &self,
        viewer: &Viewer,
        filter: &NotificationFilter,
        page: Page,
    ) -> Result<Listing<Notification>, StoreError> {
        let (inbox, outbox) = match filter.mailbox.as_deref() {
            None | Some("") | Some("all") => (true, true),
            Some("inbox") => (true, false),
            Some("outbox") => (false, true),
            Some(other) => {
                return Err(invalid(
                    "mailbox",
                    format!("{other:?} is not inbox, outbox or all"),
                ));
            }
        };
        let me = viewer.org_id.clone();
        let mut w = Where::default();
        match (inbox, outbox) {
            (true, false) => {
                w.and(|p| format!("importing_org_id = {p}"), Arg::Text(me));
            }
            (false, true) => {
                w.and(|p| format!("exporting_org_id = {p}"), Arg::Text(me));
            }
            _ => {
                w.and(
                    |p| format!("(importing_org_id = {p} OR exporting_org_id = {p})"),
                    Arg::Text(me),
                );
            }
        }
        w.eq("state", filter.state.as_deref())
            .eq("substance_id", filter.substance_id.as_deref())
            .eq("licence_id", filter.licence_id.as_deref());
        if filter.overdue {
            w.and(
                |p| format!("state = 'sent' AND deadline_at < {p}"),
                Arg::Time(Utc::now()),
            );
        }
        let (total, rows): (i64, Vec<Row>) = fetch_page!(self, "notifications", COLUMNS, w, page);
        Ok(Listing {
            items: rows
                .into_iter()
                .map(Notification::try_from)
                .collect::<Result<_, _>>()?,
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    /// Act on a notification (audited, with its state change). Of two racing actions from the same state
    /// exactly one wins; the other gets [`StoreError::Transition`].
    pub async fn act_on_notification(
        &self,
        id: &str,
        action: &PenAction,
        viewer: &Viewer,
    ) -> Result<Notification, StoreError> {
        let before = self.notification(id, viewer).await?;
        viewer.require_write()?;
        let name = action.name();
        let is_party = if action.by_importer() {
            viewer.org_id == before.importing_org_id
        } else {
            viewer.org_id == before.exporting_org_id
        };
        if !is_party {
            return Err(StoreError::Forbidden(format!(
                "only the {} authority may {name}",
                if action.by_importer() {
                    "importing"
                } else {
                    "exporting"
                }
            )));
        }
        let (from, to) = action.edge();
        if !from.contains(&before.state.as_str()) {
            return Err(transition(
                format!("cannot {name} a notification that is {}", before.state),
                &before.state,
                &notification_actions(&before, viewer),
            ));
        }
        let reason = action.text()?;
        let at = now();
        let is_reply = matches!(
            action,
            PenAction::NoObjection { .. }
                | PenAction::Object { .. }
                | PenAction::RequestInfo { .. }
        );
        // An answer restarts the clock: the importing authority gets its full time again.
        let deadline = if matches!(action, PenAction::Answer { .. }) {
            let days = (before.deadline_at - before.created_at).num_days().max(1);
            at + Duration::days(days)
        } else {
            before.deadline_at
        };
        let reply_reason = if is_reply {
            reason.clone()
        } else {
            before.reply_reason.clone()
        };
        let replied_at = if is_reply {
            Some(at)
        } else {
            before.replied_at
        };
        let actor = viewer.actor();
        let detail = serde_json::json!({
            "before": { "state": &before.state, "version": before.version },
            "after": { "state": to, "reason": &reason },
        })
        .to_string();
        let won: bool = on_db!(self, p, sql => {
            let mut tx = p.begin().await?;
            let n = sqlx::query(&sql("UPDATE notifications
                 SET state = $1, reply_reason = $2, replied_at = $3, deadline_at = $4,
                     version = version + 1, updated_at = $5
                 WHERE id = $6 AND state = $7"))
                .bind(to)
                .bind(&reply_reason)
                .bind(replied_at)
                .bind(deadline)
                .bind(at)
                .bind(id)
                .bind(&before.state)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                state_change!(tx, sql, "notification", id, Some(before.state.as_str()), to, viewer, at, &reason);
                audit!(tx, sql, at, actor, name, "notification", id, &detail);
                tx.commit().await?;
                true
            } else {
                tx.rollback().await?;
                false
            }
        });
        let after = self.notification(id, viewer).await?;
        if !won {
            return Err(transition(
                format!(
                    "cannot {name}: the notification changed meanwhile and is now {}",
                    after.state
                ),
                &after.state,
                &notification_actions(&after, viewer),
            ));
        }
        Ok(after)
    }
}
